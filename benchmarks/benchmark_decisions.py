"""Speed of the decisions made on stored runs: `simulator sensitivity RESULTS_DIR` (the metamodel)
and `simulator voi RESULTS_DIR` (every parameter's EVPPI, two groups and the EVPI).

Prints figures; it is never part of the test suite. Usage:

    python benchmarks/benchmark_decisions.py [--results DIR] [--runs 1000]

Without `--results` it first runs `scenarios/aarhus.yaml` with `--runs` replications into a
temporary folder (about 90 s for 1000 on two cores); with it, it reuses that folder (made by
`simulator run scenarios/aarhus.yaml --no-report --out DIR`). The issue asks for each analysis on
1000 stored runs of the Aarhus scenario in under 30 s.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "aarhus.yaml"
ANALYSES = {
    "sensitivity (metamodel), payer_net of havnen_outcomes": ["sensitivity", "{results}", "--contract",
                                                               "havnen_outcomes"],
    "sensitivity (metamodel), position:total": ["sensitivity", "{results}", "--target", "position:total"],
    "voi, every parameter, two groups and ALL": ["voi", "{results}", "--group", "hf_housing_hr,hf_retention_hr",
                                                "--group", "jf_activity_hr,act_activity_hr,selfmgmt_hr"],
}


def timed(arguments: list[str]) -> float:
    """Wall seconds of the whole command, start-up and reading the folder included."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "simulator", *arguments], check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, help="a results folder of scenarios/aarhus.yaml to reuse")
    parser.add_argument("--runs", type=int, default=1000, help="replications to simulate without --results")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        results = args.results
        if results is None:
            results = Path(temporary) / "aarhus"
            subprocess.run([sys.executable, "-m", "simulator", "run", str(SCENARIO), "--runs", str(args.runs),
                            "--out", str(results), "--no-report"], check=True, capture_output=True)
        runs = json.loads((results / "manifest.json").read_text())["runs_done"]
        for name, arguments in ANALYSES.items():
            seconds = timed([a.format(results=results) for a in arguments])
            print(f"{name}: {runs} stored runs in {seconds:.1f} s")


if __name__ == "__main__":
    main()
