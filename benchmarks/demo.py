"""Time the whole ``mmm demo`` pipeline, stage by stage, in a fresh process.

    .venv/bin/python benchmarks/demo.py                       # defaults of `mmm demo`
    .venv/bin/python benchmarks/demo.py -- --draws 1000       # anything after -- goes to `mmm demo`

Runs ``python -m mmm.cli demo --out DIR`` (load the bundled brand, fit, write the
run tables, optimise next quarter, write the HTML report) and prints the wall time of each
stage as the CLI reports it on stderr (``mmm: [fit]: (24.1 s)``), the fit's own split
(graph build / compile / sampling, from
``diagnostics.json``), the process total (including Python imports), its peak RSS and the
size of what it wrote.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, code_version, dir_bytes, table  # noqa: E402

STAGE = re.compile(r"^mmm: \[(\w+)\]: \(([0-9.]+) s\)")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1 :]
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--out", type=Path, help="output directory (default: a temporary one, removed after)"
    )
    p.add_argument("--show", action="store_true", help="print the demo's own output too")
    args = p.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "demo"
        cmd = [sys.executable, "-m", "mmm.cli", "demo", "--out", str(out), *extra]
        print(
            f"$ {' '.join(cmd)}   ({code_version()}, {time.strftime('%Y-%m-%d %H:%M')})", flush=True
        )
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
        total = time.perf_counter() - t0
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
        if args.show or proc.returncode:
            print(proc.stdout)
            print(proc.stderr, file=sys.stderr)
        if proc.returncode:
            print(f"error: mmm demo exited {proc.returncode}", file=sys.stderr)
            return proc.returncode
        stages = {
            m.group(1): float(m.group(2))
            for ln in proc.stderr.splitlines()
            if (m := STAGE.match(ln.strip()))
        }
        diag_path = out / "diagnostics.json"
        diag: dict[str, Any] = (
            json.loads(diag_path.read_text(encoding="utf-8")) if diag_path.exists() else {}
        )
        timing = diag.get("timing", {})
        written = dir_bytes(out)
        report = out / "report.html"
        report_mb = report.stat().st_size / 1e6 if report.exists() else None
        alloc_path = out / "allocation.json"
        alloc = json.loads(alloc_path.read_text(encoding="utf-8")) if alloc_path.exists() else {}
        headline = str(alloc.get("headline", ""))

    rows: list[dict[str, Any]] = []
    for name, secs in stages.items():
        rows.append({"stage": name, "seconds": secs, "share": 100 * secs / total})
        if name == "fit" and timing:
            fit_s = float(timing.get("fit_s", 0.0))
            parts = [
                ("  graph build", timing.get("build_s")),
                ("  importing nutpie + ArviZ", timing.get("import_s")),
                ("  compile (nutpie/numba)", timing.get("compile_s")),
                ("  sampling", timing.get("sample_s")),
                ("  after sampling: save, tables, checks", secs - fit_s if fit_s else None),
            ]
            rows += [
                {"stage": n, "seconds": v, "share": 100 * v / total}
                for n, v in parts
                if v is not None
            ]
    imports = total - sum(stages.values())
    rows.append(
        {
            "stage": "python start + imports + other",
            "seconds": imports,
            "share": 100 * imports / total,
        }
    )
    rows.append({"stage": "total (process wall time)", "seconds": total, "share": 100.0})
    print(
        table(
            rows,
            [
                ("stage", "stage", "s"),
                ("seconds", "seconds", ".2f"),
                ("share", "% of total", ".0f"),
            ],
        )
    )
    status = diag.get("status", "?")
    print(
        f"\npeak RSS {peak_mb:.0f} MB; wrote {written / 1e6:.1f} MB"
        + (f" (report.html {report_mb:.1f} MB)" if report_mb is not None else "")
        + f"; diagnostics: {status}"
    )
    if headline:
        print(f"headline: {headline}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
