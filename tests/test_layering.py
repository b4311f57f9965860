"""Dependencies point one way: the engine imports no UI code."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_engine_imports_no_ui() -> None:
    code = ("import sys, simulator, simulator.simulation, simulator.population;"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'tui')];"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@pytest.mark.slow  # runs the real program in fresh interpreters
def test_headless_cli_imports_no_textual() -> None:
    code = ("import sys; from tui import cli;"
            "cli.main(['run', '--json', '--hours', '2']);"
            "print('TEXTUAL' if 'textual' in sys.modules else 'OK', file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stderr.strip().endswith("OK"), out.stderr


def _imports_of(package: str) -> set[str]:
    """Top-level packages loaded by importing every module of `package` (fresh process)."""
    code = (
        "import importlib, pkgutil, sys;"
        f"pkg = importlib.import_module('{package}');"
        "[importlib.import_module(m.name) for m in pkgutil.walk_packages(pkg.__path__, "
        f"'{package}.') if not m.name.endswith('__main__')];"
        "print(','.join(sorted({m.split('.')[0] for m in sys.modules})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return set(out.stdout.strip().split(","))


@pytest.mark.slow  # fresh interpreters: over a second
def test_no_engine_module_imports_scenarios_or_ui() -> None:
    """Every module of the engine, not three: the layering holds for the whole package."""
    assert not _imports_of("simulator") & {"scenarios", "tui", "textual", "rich"}


@pytest.mark.slow  # imports every module in fresh interpreters
def test_no_scenarios_module_imports_the_ui() -> None:
    assert not _imports_of("scenarios") & {"tui", "textual"}


#: private names another library defines that we must touch, each with the reason
FOREIGN_PRIVATE = {
    "_exit": "os._exit: the documented way for a forked child to end without cleanup",
    "_ok": "SimPy has no public way to schedule a callback at URGENT priority "
           "(simulator/simulation.py `_at`): the event is marked triggered by hand",
    "_value": "as `_ok`",
}


def _private_names_defined(tree: ast.AST) -> set[str]:
    """`_names` a module defines: functions, classes, assignments, attributes of `self`
    (not of another object: `widget._mine = 1` is writing into someone else's object)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
              and ast.unparse(node.value) in ("self", "cls")):
            names.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return {n for n in names if n.startswith("_")}


@pytest.mark.slow  # fresh interpreters: over a second
def test_no_private_reach_through() -> None:
    """A module touches another's private members only through its public surface: no
    `other._name` unless `_name` is this module's own (or a foreign one named above)."""
    reaches = []
    for package in ("simulator", "scenarios", "tui"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text())
            own = _private_names_defined(tree)
            for node in ast.walk(tree):
                if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                        and not node.attr.startswith("__")
                        and ast.unparse(node.value) not in ("self", "cls", "super()")
                        and node.attr not in own and node.attr not in FOREIGN_PRIVATE):
                    reaches.append(f"{path.relative_to(ROOT)}:{node.lineno} "
                                   f"{ast.unparse(node)}")
    assert not reaches, "private members reached from outside:\n" + "\n".join(reaches)


# ---- generated files are written by tests/regenerate.py only (issue 11) ---------------------
RUNTIME_PACKAGES = ("simulator", "scenarios", "tui")
#: the one module of the three packages that may run as a program (`stormdrill`)
MAIN_ALLOWED = {"tui/cli.py"}
#: a path into docs/ or tests/golden, as a literal (`"docs"`, `"docs/model.md"`, `"golden"`)
GENERATED_DIR = re.compile(r"(?:^|/)(?:docs|golden)(?:/|$)")
#: calls whose positional arguments are paths
PATH_CALLS = {"Path", "PurePath", "PosixPath", "open", "joinpath", "join", "write_text",
              "write_bytes", "mkdir", "copy", "copyfile", "copy2", "replace", "rename"}


def _runtime_sources() -> list[tuple[str, ast.Module]]:
    out = []
    for package in RUNTIME_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "__pycache__" not in path.parts:
                rel = path.relative_to(ROOT).as_posix()
                out.append((rel, ast.parse(path.read_text(encoding="utf-8"), filename=rel)))
    return out


def _is_main_guard(node: ast.AST) -> bool:
    """`if __name__ == "__main__":` (either way round)."""
    if not (isinstance(node, ast.If) and isinstance(node.test, ast.Compare)):
        return False
    sides = [node.test.left, *node.test.comparators]
    return (any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
            and any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides))


def _strings(node: ast.AST) -> list[str]:
    """The literal text of a path operand: a string, or the literal parts of an f-string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [v.value for v in node.values
                if isinstance(v, ast.Constant) and isinstance(v.value, str)]
    return []


def _generated_paths(tree: ast.AST) -> list[tuple[int, str]]:
    """Literals used to build a path into docs/ or tests/golden: `x / "docs"`,
    `Path("docs/model.md")`, `os.path.join(root, "tests", "golden")`, `open("docs/...")`."""
    found = []
    for node in ast.walk(tree):
        operands: list[ast.AST] = []
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            operands = [node.left, node.right]
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in PATH_CALLS:
                operands = list(node.args)
        for operand in operands:
            found += [(node.lineno, text) for text in _strings(operand)
                      if GENERATED_DIR.search(text)]
    return found


def test_no_runtime_module_runs_as_a_program() -> None:
    """Only the CLI has a `__main__` block; generators live in tests/regenerate.py."""
    guarded = [rel for rel, tree in _runtime_sources()
               if rel not in MAIN_ALLOWED and any(_is_main_guard(n) for n in ast.walk(tree))]
    mains = [p.relative_to(ROOT).as_posix() for package in RUNTIME_PACKAGES
             for p in (ROOT / package).rglob("__main__.py")]
    assert not guarded + mains, (
        f"{guarded + mains} run as programs; put a generator in tests/regenerate.py and "
        "keep the runtime module to functions that return the text")
    assert any(_is_main_guard(n) for n in ast.walk(dict(_runtime_sources())["tui/cli.py"]))


def test_no_runtime_module_writes_docs_or_goldens() -> None:
    """Runtime code never builds a path into docs/ or tests/golden, so it cannot write one:
    tests/regenerate.py is the only place that knows where the generated files live."""
    bad = [f"{rel}:{line}: {text!r}" for rel, tree in _runtime_sources()
           for line, text in _generated_paths(tree)]
    assert not bad, ("paths into docs/ or tests/golden in runtime code (move the writing "
                     "to tests/regenerate.py):\n" + "\n".join(bad))


def test_the_generated_path_check_can_fail() -> None:
    """The check sees the ways the old generators built their paths."""
    old = ('DOCS = Path(__file__).resolve().parents[1] / "docs"\n'
           'GOLDEN = ROOT / "tests" / "golden"\n'
           'open("docs/model.md", "w").write(text)\n'
           'Path(f"docs/schema/{kind}.json").write_text(text)\n'
           'if __name__ == "__main__":\n    main()\n')
    tree = ast.parse(old)
    assert [line for line, _ in _generated_paths(tree)] == [1, 2, 3, 4]
    assert any(_is_main_guard(n) for n in ast.walk(tree))
