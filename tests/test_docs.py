"""The docs say what the code does: generated references are in sync."""

import re
from pathlib import Path

import pytest

from scenarios import reference

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("doc", sorted(reference.BLOCKS))
def test_generated_reference_is_current(doc: str) -> None:
    current = (reference.DOCS / doc).read_text(encoding="utf-8")
    assert current == reference.expected(doc), (
        f"docs/{doc} is out of date: run `python -m scenarios.reference`")


def test_every_tagged_parameter_has_a_source_or_range() -> None:
    table = reference.parameter_table()
    assert table.count("[A]") >= 20 and "[E]" in table and "[D]" in table


DOC_FILES = [ROOT / "README.md", ROOT / "bench" / "README.md",
             *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
CODE_PATH = re.compile(r"`((?:simulator|scenarios|tui|docs|bench|tests|\.ci)/[\w./-]+)`")


@pytest.mark.parametrize("doc", DOC_FILES, ids=lambda p: p.name)
def test_every_file_a_doc_points_to_exists(doc: Path) -> None:
    """Links and `path/like/this.py` mentions resolve: a doc never sends a reader to a file
    that was moved or never existed."""
    text = doc.read_text(encoding="utf-8")
    missing = []
    for target in LINK.findall(text):
        if "://" in target or target.startswith("mailto:"):
            continue
        if not (doc.parent / target).exists():
            missing.append(target)
    for target in CODE_PATH.findall(text):
        path = target.rstrip(".,:")
        if not any(ch in path for ch in "*{<") and not (ROOT / path).exists():
            missing.append(path)
    assert not missing, f"{doc.name} points to files that do not exist: {missing}"
