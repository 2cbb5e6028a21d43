"""Speed of `simulator sweep`: 400 designs of a contract priced on every stored replication.

Prints figures; it is never part of the test suite. Usage:

    python benchmarks/benchmark_sweep.py [--results DIR] [--runs 1000] [--workers 1 2]

Without `--results` it first runs `scenarios/aarhus.yaml` with `--runs` replications into a
temporary folder (about 45 s for 1000 on two cores); with it, it reuses that folder (made by
`simulator run scenarios/aarhus.yaml --no-report --out DIR`), which is how to time several
versions of the code on the same replications.
"""
from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "aarhus.yaml"
CONTRACT = "employment_outcomes"
VARIES = ["outcomes.employment_half_year.price=50000:300000:20", "cap=5e6:1.2e7:20"]  # 400 designs
ONE_DESIGN = ["cap=5e6:5e6:1"]
REQUIREMENTS = ["p_full_repayment>=0.5", "p_payer_loss<=0.9", "p_fund_exhausted<=0.3"]  # 16 of the 400 designs


def simulate(out: Path, runs: int) -> None:
    subprocess.run([sys.executable, "-m", "simulator", "run", str(SCENARIO), "--runs", str(runs),
                    "--out", str(out), "--no-report"], check=True, capture_output=True)


def time_sweep(results: Path, workers: int, varies: list[str], requirements: list[str] = ()) -> float:
    """Wall seconds of the whole command: start-up, loading the replications and the figures included."""
    command = [sys.executable, "-m", "simulator", "sweep", str(results), "--contract", CONTRACT,
               "--workers", str(workers)]
    for vary in varies:
        command += ["--vary", vary]
    for requirement in requirements:
        command += ["--require", requirement]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, help="a results folder of scenarios/aarhus.yaml to reuse")
    parser.add_argument("--runs", type=int, default=1000, help="replications to simulate without --results")
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        results = args.results
        if results is None:
            results = Path(temporary) / "aarhus"
            simulate(results, args.runs)
        runs = json.loads((results / "manifest.json").read_text())["runs_done"]
        designs = math.prod(int(vary.rsplit(":", 1)[1]) for vary in VARIES)
        overhead = time_sweep(results, 1, ONE_DESIGN)
        print(f"sweep {CONTRACT}: 1 design × {runs} replications: {overhead:.1f} s (start-up, loading, figure)")
        for workers in args.workers:
            seconds = time_sweep(results, workers, VARIES)
            print(f"sweep {CONTRACT}: {designs} designs × {runs} replications, --workers {workers}: "
                  f"{seconds:.1f} s = {designs * runs / seconds:,.0f} designs×replications/s "
                  f"({designs * runs / max(seconds - overhead, 1e-9):,.0f}/s beyond the 1-design time)")
            seconds = time_sweep(results, workers, VARIES, REQUIREMENTS)
            print(f"  with --require {' --require '.join(REQUIREMENTS)} (feasible zone and Pareto front "
                  f"drawn): {seconds:.1f} s (target: under 5 s)")


if __name__ == "__main__":
    main()
