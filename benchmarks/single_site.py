"""One very large site: ingest wall time and peak memory, read whole or in parts.

    python benchmarks/single_site.py make --patients 1000000 --style long_eav --out DIR
    python benchmarks/single_site.py ingest --dir DIR [--part-mb 32]

``make`` draws one registry-like site (``spinepair.synth.registry.site_truth``) and renders
it in one export style (``long_eav`` = demo site D's spec, ``wide_csv`` = site A's) with
its spec in ``DIR/site.yaml``. ``ingest`` runs the ingest job's library call in a fresh
process (tables written to ``DIR/out/``) and prints wall time, CPU time, peak resident
memory, the number of parts and the rows ingested. ``--part-mb 1e9`` reads the site whole.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

TEMPLATE = {"long_eav": "D", "wide_csv": "A", "cp949_csv": "C"}
ARM = {"D": ("RT", "Clinac"), "A": ("SRS", "CyberKnife"), "C": ("RT", "Clinac")}
CHILD = """
import json, sys
from pathlib import Path
from spinepair.contracts.cdm import TABLE_NAMES
from spinepair.ingest.partition import part_count
from spinepair.ingest.pipeline import ingest_site
from spinepair.ingest.spec import load_site_spec
from spinepair.jobs.jobio import write_parquet_parts
d, part_mb = Path(sys.argv[1]), float(sys.argv[2])
(d / "out").mkdir(exist_ok=True)
outputs = {t: str(d / "out" / f"{t}.parquet") for t in TABLE_NAMES}
spec = load_site_spec(d / "site.yaml")
res = ingest_site(d / "site.yaml", d / "raw", "S01", b"bench-key", settings={"part_mb": part_mb},
                  write=lambda t, frames: write_parquet_parts(frames, outputs[t]))
print(json.dumps({"parts": part_count(spec, d / "raw", part_mb),
                  "records": {t: v["records_ingested"] for t, v in res.report["tables"].items()}}))
"""


def make(patients: int, style: str, out: Path) -> None:
    import numpy as np

    from spinepair.synth.registry import site_spec_text, site_truth
    from spinepair.synth.render import render_site

    template = TEMPLATE[style]
    arm, machine = ARM[template]
    truth = site_truth(np.random.default_rng(20261129), "S01", arm, machine, patients)
    files = render_site(truth, style, out / "raw")
    (out / "site.yaml").write_text(site_spec_text(template, "S01"), encoding="utf-8")
    size = sum(f.stat().st_size for f in files)
    print(f"{patients} patients, {style}: {len(files)} files, {size / 2**20:.0f} MB")


def ingest(folder: Path, part_mb: float) -> dict:
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(folder), str(part_mb)],
        stdout=subprocess.PIPE,
        text=True,
    )
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"ingest failed ({status})")
    result = json.loads(out.strip().splitlines()[-1])
    return {
        "wall s": round(time.perf_counter() - start, 1),
        "CPU s": round(usage.ru_utime + usage.ru_stime, 1),
        "peak RSS MB": round(usage.ru_maxrss / 1024),
        **result,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("--patients", type=int, required=True)
    m.add_argument("--style", choices=sorted(TEMPLATE), required=True)
    m.add_argument("--out", type=Path, required=True)
    i = sub.add_parser("ingest")
    i.add_argument("--dir", type=Path, required=True)
    i.add_argument("--part-mb", type=float, default=32.0)
    args = ap.parse_args()
    if args.cmd == "make":
        make(args.patients, args.style, args.out)
    else:
        print(json.dumps(ingest(args.dir, args.part_mb)))


if __name__ == "__main__":
    main()
