"""The docs say what the code does: generated references are in sync, and no doc or
code comment sends a reader to a file or a section that does not exist.

A reference to a section is written one way: the file's path, a comma and the
heading's exact text in double quotes, e.g. `docs/model.md, "6.3 Repair"` (in a
Markdown doc, a link with an anchor, `[repair](model.md#63-repair)`, works too).
"""

import re
from pathlib import Path

import pytest

from scenarios import reference
from tests import regenerate

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("doc", sorted(reference.BLOCKS))
def test_generated_reference_is_current(doc: str) -> None:
    current = (regenerate.DOCS / doc).read_text(encoding="utf-8")
    assert current == reference.render_doc(doc, current), (
        f"docs/{doc} is out of date: run `python -m tests.regenerate reference`")


def test_every_tagged_parameter_has_a_source_or_range() -> None:
    table = reference.parameter_table()
    assert table.count("[A]") >= 20 and "[E]" in table and "[D]" in table


DOC_FILES = [ROOT / "README.md", ROOT / "bench" / "README.md",
             *sorted((ROOT / "docs").glob("*.md"))]
PACKAGES = ("simulator", "scenarios", "tui")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
CODE_PATH = re.compile(r"`((?:simulator|scenarios|tui|docs|bench|tests|\.ci)/[\w./-]+)`")
#: a path in running text (code comments and docstrings name files without backticks)
BARE_PATH = re.compile(r"(?<![\w./-])((?:simulator|scenarios|tui|docs|bench|tests)/[\w./-]*[\w/])")
#: any Markdown file named anywhere (`MODEL.md`, `docs/foo.md`, `../bench/README.md`), except
#: an output file on a command line (`-o report.md`)
MD_NAME = re.compile(r"(?<![\w./{-])(?<!-o )((?:[\w.-]+/)*[\w-]+\.md)\b")
#: `docs/model.md, "6.3 Repair"`: the one way to point to a section (quotes may be escaped)
SECTION_REF = re.compile(r"(?<![\w./-])((?:[\w.-]+/)*[\w-]+\.md), \\?\"([^\"\\\n]+)\\?\"")
ANCHOR_LINK = re.compile(r"\]\(([^)#\s]*)#([^)\s]+)\)")


def _code_files(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*")
                  if p.suffix in (".py", ".yaml") and "__pycache__" not in p.parts)


def _resolve(name: str, base: Path) -> Path | None:
    """The file `name` means, read from a file in `base`: relative to it, to the
    repository root or (a bare doc name) to docs/."""
    for folder in (base, ROOT, ROOT / "docs"):
        if (folder / name).exists():
            return folder / name
    return None


def _headings(doc: Path) -> list[str]:
    """The heading texts of a Markdown file, fenced code blocks skipped."""
    found, fenced = [], False
    for line in doc.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := re.match(r"#{1,6} (.+?)\s*$", line)):
            found.append(m.group(1))
    return found


def _anchors(doc: Path) -> set[str]:
    """GitHub's anchors for the headings of `doc` (a repeated heading gets -1, -2, ...)."""
    seen: dict[str, int] = {}
    out = set()
    for heading in _headings(doc):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def _missing_files(text: str, base: Path) -> list[str]:
    """Files `text` names (Markdown files by any name, repository paths) that do not exist."""
    missing = [name for name in MD_NAME.findall(text) if _resolve(name, base) is None]
    for target in BARE_PATH.findall(text):
        if not any(ch in target for ch in "*{<") and not (ROOT / target).exists():
            missing.append(target)
    return list(dict.fromkeys(missing))


def _missing_sections(text: str, source: Path) -> list[str]:
    """`file.md, "Heading"` references and `file.md#anchor` links (in `source`) to no such
    heading."""
    base, missing = source.parent, []
    for name, heading in SECTION_REF.findall(text):
        doc = _resolve(name, base)
        if doc is None or heading not in _headings(doc):
            missing.append(f'{name}, "{heading}"')
    for name, anchor in ANCHOR_LINK.findall(text):
        doc = _resolve(name, base) if name else source
        if "://" in name or (doc is not None and doc.is_dir()):
            continue
        if doc is None or anchor not in _anchors(doc):
            missing.append(f"{name}#{anchor}")
    return missing


@pytest.mark.parametrize("doc", DOC_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_file_a_doc_points_to_exists(doc: Path) -> None:
    """Links, `path/like/this.py` mentions and Markdown file names resolve: a doc never
    sends a reader to a file that was moved or never existed (such as a brief kept
    outside the repository)."""
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
    missing += [name for name in MD_NAME.findall(text) if _resolve(name, doc.parent) is None]
    assert not missing, f"{doc.name} points to files that do not exist: {missing}"


@pytest.mark.parametrize("package", PACKAGES)
def test_every_file_the_code_points_to_exists(package: str) -> None:
    """Comments, docstrings and parameter docs name only files that exist."""
    missing = [f"{path.relative_to(ROOT)}: {name}" for path in _code_files(package)
               for name in _missing_files(path.read_text(encoding="utf-8"), path.parent)]
    assert not missing, f"{package}/ points to files that do not exist: {missing}"


@pytest.mark.parametrize("source", [*DOC_FILES, *PACKAGES],
                         ids=lambda s: s if isinstance(s, str) else str(s.relative_to(ROOT)))
def test_every_section_reference_exists(source: Path | str) -> None:
    """`docs/model.md, "6.3 Repair"` and `[...](model.md#63-repair)` name a heading that
    is there, word for word: renaming or renumbering a section fails here until every
    reference to it follows."""
    paths = [source] if isinstance(source, Path) else _code_files(source)
    missing = [f"{path.relative_to(ROOT)}: {ref}" for path in paths
               for ref in _missing_sections(path.read_text(encoding="utf-8"), path)]
    assert not missing, f"references to sections that do not exist: {missing}"


def test_model_doc_section_numbers_exist() -> None:
    """docs/model.md refers to its own parts as "section 4.2", "sections 4.5-4.7": each
    number is one of its numbered headings."""
    doc = ROOT / "docs" / "model.md"
    numbers = {m.group(1) for h in _headings(doc) if (m := re.match(r"(\d+(?:\.\d+)?)\.? ", h))}
    text = doc.read_text(encoding="utf-8")
    cited = [n for refs in re.findall(r"[Ss]ections? (\d+(?:\.\d+)?(?:(?:, |,? and |-| or )"
                                      r"\d+(?:\.\d+)?)*)", text)
             for n in re.findall(r"\d+(?:\.\d+)?", refs)]
    assert cited and not [n for n in cited if n not in numbers], (
        f"docs/model.md cites sections it does not have: {sorted(set(cited) - numbers)}")


def test_every_built_in_strategy_is_listed() -> None:
    """The README and docs/model.md list exactly the strategies scenarios/strategies/ ships."""
    shipped = {p.stem for p in (ROOT / "scenarios" / "strategies").glob("*.yaml")}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listing = re.search(r"Built-in strategies: (.*?)\.\n", readme, re.S)
    assert listing and set(re.findall(r"`([\w-]+)`", listing.group(1))) == shipped
    model = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    listing = re.search(r"Built in:\s(.*?)(?:;|\.\s)", model, re.S)
    assert listing and set(re.findall(r"`([\w-]+)`", listing.group(1))) == shipped
