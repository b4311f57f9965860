"""Dependencies point one way: the engine imports no UI code."""

import subprocess
import sys


def test_engine_imports_no_ui() -> None:
    code = ("import sys, simulator, simulator.simulation, simulator.population;"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'tui')];"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


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


def test_no_engine_module_imports_scenarios_or_ui() -> None:
    """Every module of the engine, not three: the layering holds for the whole package."""
    assert not _imports_of("simulator") & {"scenarios", "tui", "textual", "rich"}


def test_no_scenarios_module_imports_the_ui() -> None:
    assert not _imports_of("scenarios") & {"tui", "textual"}
