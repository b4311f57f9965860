"""The docs say what the code does: generated references are in sync."""

import pytest

from scenarios import reference


@pytest.mark.parametrize("doc", sorted(reference.BLOCKS))
def test_generated_reference_is_current(doc: str) -> None:
    current = (reference.DOCS / doc).read_text(encoding="utf-8")
    assert current == reference.expected(doc), (
        f"docs/{doc} is out of date: run `python -m scenarios.reference`")


def test_every_tagged_parameter_has_a_source_or_range() -> None:
    table = reference.parameter_table()
    assert table.count("[A]") >= 20 and "[E]" in table and "[D]" in table
