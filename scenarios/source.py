"""Reading a file into a YAML node tree, with whole-file failures made friendly.

Validation works on the composed node tree rather than on `yaml.safe_load`
output because nodes keep line numbers and keep duplicate keys, which plain
loading silently merges (the last one wins, so a typo'd copy of a section
would quietly override the real one).

Only a regular file of at most `MAX_BYTES` is read (`simulator.netio.read_bounded`):
a FIFO would block for ever and a link to /dev/zero would fill memory.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from scenarios.errors import FileError, Problem
from simulator.netio import UnreadableFile, read_bounded, wide_encoding

MAX_BYTES = 5 * 1024 * 1024
EXPECTED = "expected a YAML mapping such as 'name: my-scenario'"


def _fail(shown: str, message: str, line: int | None = None, hint: str = "") -> FileError:
    return FileError([Problem(shown, line, "", message, hint)])


def read_text(path: Path, shown: str) -> str:
    """The file's text; raises FileError for anything that is not small UTF-8 text."""
    if path.is_dir():
        raise _fail(shown, "is a directory; expected a YAML file",
                    hint="pass the .yaml file inside it")
    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # read_bounded says why
    if size > MAX_BYTES:
        raise _fail(shown, f"file is {size / 1024**2:.1f} MB; expected at most 5 MB",
                    hint="scenario files are small; put large networks in a separate "
                    "edge-list file and point network.path at it")
    try:
        data = read_bounded(path, MAX_BYTES)
    except UnreadableFile as exc:
        raise _fail(shown, exc.message, hint=exc.hint) from None
    wide = wide_encoding(data)
    if wide:
        raise _fail(shown, f"{wide} text; save it as UTF-8", None,
                    "in your editor choose 'Save as' with the encoding UTF-8")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise _fail(shown, "binary file (contains NUL bytes); expected YAML text", line)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _fail(shown, f"not UTF-8 text (byte 0x{data[exc.start]:02x}); expected YAML "
                    "text in UTF-8", line, "save the file as UTF-8") from None
    if not text.strip():
        raise _fail(shown, f"file is empty; {EXPECTED}")
    return text


def _syntax_error(shown: str, text: str, exc: yaml.YAMLError) -> FileError:
    if isinstance(exc, yaml.reader.ReaderError):
        line = text[: exc.position].count("\n") + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        return _fail(shown, f"contains the control character U+{ord(char):04X}, which YAML "
                     "does not allow; expected plain text", line)
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "cannot parse"
        hint = ""
        if "'\\t'" in problem:
            hint = "indent with spaces, not tabs"
        elif exc.context and exc.context_mark and exc.context_mark is not mark:
            hint = f"{exc.context} (line {exc.context_mark.line + 1})"
        if mark is not None:
            return _fail(shown, f"YAML syntax error at column {mark.column + 1}: {problem}",
                         mark.line + 1, hint)
        return _fail(shown, f"YAML syntax error: {problem}", None, hint)
    return _fail(shown, f"YAML syntax error: {exc}")


def compose(text: str, shown: str) -> yaml.MappingNode:
    """The top-level mapping node of the text; raises FileError otherwise."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise _syntax_error(shown, text, exc) from None
    except RecursionError:
        raise _fail(shown, "nested too deeply to read; " + EXPECTED) from None
    if root is None:
        raise _fail(shown, f"file has only comments; {EXPECTED}")
    if not isinstance(root, yaml.MappingNode):
        found = "a list" if isinstance(root, yaml.SequenceNode) else "a single value"
        raise _fail(shown, f"top level is {found}; {EXPECTED}", root.start_mark.line + 1,
                    "write one 'key: value' per line at the left margin")
    return root


def duplicate_keys(root: yaml.Node, shown: str) -> list[Problem]:
    """A problem for every key repeated within one mapping, anywhere in the tree."""
    problems: list[Problem] = []
    seen_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, str]] = [(root, "")]
    while stack:
        node, prefix = stack.pop()
        if id(node) in seen_nodes:  # aliases can share (or even loop back to) nodes
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((item, f"{prefix}[{i}]") for i, item in enumerate(node.value))
        elif isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else "?"
                path = f"{prefix}.{name}" if prefix else name
                line = key.start_mark.line + 1
                if isinstance(key, yaml.ScalarNode) and name in first:
                    problems.append(Problem(shown, line, path, f"duplicate key (first at line "
                                            f"{first[name]}); expected each key once",
                                            "remove one of them or merge the two"))
                else:
                    first.setdefault(name, line)
                stack.append((value, path))
    return problems


def load_tree(path: Path, shown: str) -> tuple[yaml.MappingNode, list[Problem]]:
    """The top-level mapping node and its duplicate-key problems.

    Whole-file failures raise at once (there is nothing else to check); duplicate
    keys are returned so they are reported together with the schema problems.
    """
    root = compose(read_text(path, shown), shown)
    return root, duplicate_keys(root, shown)
