"""Peak memory and outcome of ingesting small hostile exports (security issue 20, probes 6
and 12), each in a fresh process: a demo site's export with one file replaced or damaged.

    python benchmarks/hostile_inputs.py

Prints one Markdown row per case: input size, peak RSS of the ingest process, wall time,
the first whole-file check that failed on the hostile file (else its first check) and the
length of the failure message.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers.hostile import NS, workbook

DEMO = ROOT / "data" / "demo"
HEADER = '<row r="1"><c r="A1" t="inlineStr"><is><t>MRN</t></is></c></row>'

# Run in a child process: ingest one site, print what stopped it as JSON.
CHILD = """
import json, sys
from spinepair.errors import IngestError
from spinepair.ingest.pipeline import ingest_site
from spinepair.ingest.report import FILE_CHECKS
site, spec, raw, name = sys.argv[1:5]
try:
    ingest_site(spec, raw, site, b"benchmark-key-0123456789abcdef-xyz")
    out = {"check": "(ingested)", "message": 0}
except IngestError as err:
    fails = [f["check"] for f in err.failures if f["file"] == name]
    first = next((c for c in fails if c in FILE_CHECKS), fails[0] if fails else "-")
    out = {"check": first, "message": len(str(err))}
# the high-water mark of this process (VmHWM; ru_maxrss would include the parent's)
status = open("/proc/self/status").read().split("VmHWM:")[1]
out["peak_mb"] = int(status.split()[0]) / 1024
print(json.dumps(out))
"""


def _far_cell(ref: str):
    def make(raw: Path) -> Path:
        row = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        rows = HEADER + f'<row r="{row}"><c r="{ref}"><v>1</v></c></row>'
        return workbook(raw / "B_spine_registry.xlsx", rows, "A1", sheet="Patients")

    return make


def _shared_strings(raw: Path) -> Path:
    si = "<si><t>aaaaaaaaaaaaaaaa</t></si>"
    strings = f'<sst xmlns="{NS}">' + si * (256 * 2**20 // len(si)) + "</sst>"
    return workbook(raw / "B_spine_registry.xlsx", HEADER, "A1", strings, sheet="Patients")


def _long_cell(size: int):
    def make(raw: Path) -> Path:
        path = raw / "A_patients.csv"
        lines = path.read_bytes().split(b"\n")
        cells = lines[1].split(b",")
        cells[6] = b"z" * size  # Primary Tumor
        lines[1] = b",".join(cells)
        path.write_bytes(b"\n".join(lines))
        return path

    return make


FAILING = {"A": "A_patients.csv", "B": "B_spine_registry.xlsx[Patients]"}  # the damaged file
CASES = {
    "XLSX, one cell at CV1000000": ("B", _far_cell("CV1000000")),
    "XLSX, one cell at XFD1048576": ("B", _far_cell("XFD1048576")),
    "XLSX, one cell at AX1000000": ("B", _far_cell("AX1000000")),
    "XLSX, shared strings of 256 MiB unzipped": ("B", _shared_strings),
    "CSV, one 50 MB cell": ("A", _long_cell(50_000_000)),
    "CSV, one 3 MB cell (under the line limit)": ("A", _long_cell(3_000_000)),
}


def run(name: str, site: str, make, work: Path) -> str:
    raw = work / name.replace(" ", "_").replace(",", "")
    shutil.copytree(DEMO / site, raw)
    size = make(raw).stat().st_size
    spec = ROOT / "config" / "sites" / f"{site}.yaml"
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, site, str(spec), str(raw), FAILING[site]],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    shown = f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.1f} KB"
    if proc.returncode != 0:
        return f"| {name} | {shown} | - | {wall:.1f} s | exit {proc.returncode} |"
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    outcome = f"`{out['check']}`, message {out['message']} chars"
    return f"| {name} | {shown} | {out['peak_mb']:.0f} MB | {wall:.1f} s | {outcome} |"


def main() -> None:
    print("| case | file | peak RSS | wall | stopped by |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, (site, make) in CASES.items():
            print(run(name, site, make, Path(tmp)), flush=True)


if __name__ == "__main__":
    main()
