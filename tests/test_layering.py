"""Dependencies point one way: the engine imports no UI code."""

import ast
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
    """`_names` a module defines: functions, classes, assignments, attributes of `self`."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
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
