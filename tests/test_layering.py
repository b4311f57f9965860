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
