"""The package reads as the pipeline: no import cycle, and no stage imports from a later one
(scripts/check_layers.py lists the stages)."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT


def test_no_cycle_and_no_import_from_a_later_stage() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "check_layers.py")], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 problem(s)" in out.stdout + out.stderr
