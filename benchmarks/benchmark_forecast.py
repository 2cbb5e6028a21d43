"""Speed of `simulator forecast`: Aarhus at its midpoint (month 36, 2024-08) from the synthetic
observed youths of scenarios/aarhus/observed-example, 1,000 runs (the target: under a minute).

Prints figures; it is never part of the test suite. Usage:

    python benchmarks/benchmark_forecast.py [--runs 1000] [--workers 1 2]

It times the whole command (start-up, reading and checking the observed files, weighing the prior
draws, the replications, the result files; no report), and, in-process, the parameter update alone.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from simulator.engine import engine_is_compiled
from simulator.forecast import update_parameters
from simulator.language.loading import load_scenario
from simulator.language.observed import parse_when, read_observed

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "aarhus.yaml"
OBSERVED = ROOT / "scenarios" / "aarhus" / "observed-example"
AT = "2024-08"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    args = parser.parse_args()
    print(f"engine: {'compiled' if engine_is_compiled() else 'plain Python'}")
    scenario = load_scenario(SCENARIO)
    at = parse_when(AT, scenario)
    started = time.perf_counter()
    observed = read_observed(OBSERVED, scenario, "housing_first", at)
    read = time.perf_counter() - started
    draws = max(2000, 4 * args.runs)
    started = time.perf_counter()
    update = update_parameters(scenario, observed, 0, draws)
    weighed = time.perf_counter() - started
    print(f"{len(observed.youths)} observed youths read and checked in {read:.2f} s; {draws} prior draws "
          f"weighed in {weighed:.2f} s (effective sample size {update.effective_sample_size:.0f})")
    for workers in args.workers:
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "simulator", "forecast", str(SCENARIO), "--observed", str(OBSERVED),
                            "--at", AT, "--runs", str(args.runs), "--workers", str(workers), "--out", out,
                            "--no-report"], check=True, capture_output=True)
            seconds = time.perf_counter() - started
        print(f"simulator forecast, {args.runs} runs, {workers} worker(s): {seconds:.1f} s")


if __name__ == "__main__":
    main()
