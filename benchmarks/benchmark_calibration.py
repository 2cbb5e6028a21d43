"""Speed of `simulator calibrate`: the research scenario (and any other with targets) calibrated
with the settings in its file, timed as a user runs it.

Prints, per scenario, the wall seconds of the whole command, the simulations it used (parameter
sets × replications), the rounds, the effective sample size and whether the sampler converged; it
is never part of the test suite. Usage:

    python benchmarks/benchmark_calibration.py [SCENARIO.yaml ...] [--workers 2] [--seed 0]

The issue asks for each calibration in under 10 minutes on the 2-core development machine.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = [ROOT / "scenarios" / "research" / "housing-first-vs-shelter.yaml"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", type=Path, default=DEFAULT)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for scenario in args.scenarios:
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "simulator", "calibrate", str(scenario), "--out", out,
                            "--workers", str(args.workers), "--seed", str(args.seed)], check=True,
                           capture_output=True)
            seconds = time.perf_counter() - started
            result = json.loads((Path(out) / "calibration.json").read_text(encoding="utf-8"))
        print(f"{scenario.name}: {seconds:.0f} s wall ({result['seconds']:.0f} s sampling) with "
              f"{args.workers} workers; {result['simulations']:,} simulations = {result['parameter_sets']:,} "
              f"parameter sets × {result['settings']['replications']} replications; "
              f"{len(result['schedule']) - 1} rounds, {result['stopped']}; effective sample size "
              f"{result['effective_sample_size']:.0f}")
        for name, stat in result["parameters"].items():
            p = stat["posterior"]
            print(f"  {name}: posterior median {p['p50']:.4g} (90 % {p['p05']:.4g} to {p['p95']:.4g})")


if __name__ == "__main__":
    main()
