"""Problems found in a stormdrill file, and the one exception that carries them.

A file with mistakes should be fixed in one pass, so every check appends a
`Problem` instead of raising; the loader raises a single `FileError` holding
all of them. Each problem renders as one `path:line: key: message` line (the
shape editors and CI logs turn into links) plus an optional indented hint.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.errors import StormdrillError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where it is, what is wrong, how to fix it."""

    path: str
    line: int | None
    key: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"
        return f"{text}\n  {self.hint}" if self.hint else text


class FileError(StormdrillError):
    """A stormdrill file that cannot be used; `str()` lists every problem found."""

    names_its_file = True

    def __init__(self, problems: list[Problem]) -> None:
        if not problems:
            raise ValueError("FileError needs at least one problem")
        # Sorted by line so the message reads top to bottom like the file;
        # whole-file problems (no line) come first. The sort is stable. Problems
        # of files an experiment refers to stay grouped after the first file's.
        order: dict[str, int] = {}
        for p in problems:
            order.setdefault(p.path, len(order))
        self.problems: list[Problem] = sorted(problems,
                                              key=lambda p: (order[p.path], p.line or 0))
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def path(self) -> str:
        """The file the problems are in (the first one, when several files are)."""
        return self.problems[0].path


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """A `did you mean 'x'?` hint for a near miss, or '' when nothing is close."""
    import difflib

    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered:
        return f"did you mean '{lowered[word.lower()]}'?"
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"did you mean '{close[0]}'?" if close else ""
