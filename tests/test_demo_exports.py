"""The committed demo exports are exactly the simulator's output for the documented seed."""

import hashlib
import subprocess
import sys

from spinepair.synth import simparams
from spinepair.synth.simulate import main
from tests.helpers.workflow import ROOT


def digests(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_demo_exports_regenerate_byte_for_byte(tmp_path):
    main(["--seed", str(simparams.SEED), "--out", str(tmp_path)])
    committed = digests(ROOT / "data" / "demo")
    assert committed, "no committed demo exports found"
    assert digests(tmp_path) == committed


def test_the_package_runs_as_the_command_line():
    out = subprocess.run(
        [sys.executable, "-m", "spinepair.synth", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.startswith("usage: python -m spinepair.synth ") and "--patients" in out
