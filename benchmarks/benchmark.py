"""Speed and memory of the engine and the runner on a scenario (default: scenarios/aarhus.yaml).

Prints figures; it is never part of the test suite. Usage:

    python benchmarks/benchmark.py [SCENARIO] [--engine-runs 50] [--runs 1000] [--memory-runs 1000 10000]
                                   [--instructions 3]

Timings on a shared machine vary from minute to minute; the instruction count (callgrind, when
valgrind is installed) does not: it is what a worker spends per replication, engine and record.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import simpy

from simulator.engine import engine_is_compiled
from simulator.language.loading import load_scenario
from simulator.engine.model import simulate_replication


def engine(scenario_path: str, runs: int) -> None:
    """SimPy events and replications per second in one process, no result files."""
    scenario = load_scenario(scenario_path)
    steps = 0
    original = simpy.Environment.step

    def counting_step(env):
        nonlocal steps
        steps += 1
        return original(env)

    simpy.Environment.step = counting_step
    try:
        spells = 0
        started = time.perf_counter()
        for replication in range(runs):
            result = simulate_replication(scenario, 0, replication, runs)
            spells += sum(len(t.spell_youth) for t in result.trajectories.values())
        seconds = time.perf_counter() - started
    finally:
        simpy.Environment.step = original
    print(f"engine: {runs} replications in {seconds:.2f} s = {runs / seconds:.1f} replications/s; "
          f"{steps / seconds:,.0f} SimPy events/s; {steps / runs:,.0f} events and "
          f"{spells / runs:,.0f} spells per replication ({len(scenario.arms)} arms)")


def cli_run(scenario_path: str, runs: int, workers: int) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB, of the largest process) of `simulator run`.

    Each run is measured from a fresh wrapper process, because the peak that getrusage reports
    for children never goes down.
    """
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "simulator", "run", scenario_path, "--runs", str(runs),
                   "--workers", str(workers), "--out", out, "--no-report"]
        wrapper = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
                   "subprocess.run(sys.argv[1:], check=True, capture_output=True); "
                   "print(time.perf_counter() - t, "
                   "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
        output = subprocess.run([sys.executable, "-c", wrapper, *command], check=True,
                                capture_output=True, text=True).stdout.split()
    return float(output[0]), float(output[1]) / 1024


def startup(scenario_path: str, repeats: int = 5) -> None:
    """Wall seconds of the quickest of `repeats` runs of `simulator validate` and `simulator --help`."""
    for arguments in (["validate", scenario_path], ["--help"]):
        best = float("inf")
        for _ in range(repeats):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "simulator", *arguments], check=True, capture_output=True)
            best = min(best, time.perf_counter() - started)
        print(f"simulator {' '.join(arguments)}: {best:.2f} s (quickest of {repeats})")


_CHUNK = """
import sys
from simulator.language.loading import load_scenario
from simulator.runner import simulate_chunk
scenario = load_scenario(sys.argv[1])
simulate_chunk(scenario, 0, [0], 1000)  # warm: caches and first-use imports
if int(sys.argv[2]):
    simulate_chunk(scenario, 0, list(range(1, int(sys.argv[2]) + 1)), 1000)
"""


def instructions(scenario_path: str, replications: int) -> None:
    """Instructions per replication of a worker's chunk (engine and record), counted by callgrind.

    The difference between a chunk of `replications` and none, so that start-up drops out;
    deterministic given PYTHONHASHSEED and one BLAS thread (idle BLAS threads spin).
    """
    if shutil.which("valgrind") is None:
        print("instructions per replication: valgrind is not installed")
        return
    environment = {**os.environ, "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}

    def count(n: int) -> int:
        output = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                                 sys.executable, "-c", _CHUNK, scenario_path, str(n)],
                                env=environment, capture_output=True, text=True, check=True).stderr
        return int(re.search(r"Collected : (\d+)", output).group(1))

    per_replication = (count(replications) - count(0)) / replications
    print(f"instructions per replication (callgrind, chunk of {replications}): {per_replication / 1e6:.0f} M")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="scenarios/aarhus.yaml")
    parser.add_argument("--engine-runs", type=int, default=50)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--memory-runs", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--instructions", type=int, default=3, metavar="REPLICATIONS",
                        help="replications to count instructions over (0: skip)")
    args = parser.parse_args()
    print(f"scenario {args.scenario}; engine "
          f"{'compiled (mypyc)' if engine_is_compiled() else 'plain Python'}")
    startup(args.scenario)
    if args.instructions:
        instructions(args.scenario, args.instructions)
    engine(args.scenario, args.engine_runs)
    rates = {}
    for workers in (1, 2):
        seconds, peak = cli_run(args.scenario, args.runs, workers)
        rates[workers] = args.runs / seconds
        print(f"simulator run --runs {args.runs} --workers {workers}: {seconds:.1f} s = "
              f"{rates[workers]:.1f} replications/s (whole command, results included)")
    print(f"parallel efficiency with 2 workers: {rates[2] / (2 * rates[1]):.0%}")
    for runs in args.memory_runs:
        seconds, peak = cli_run(args.scenario, runs, 2)
        print(f"--runs {runs} --workers 2: {seconds:.1f} s, peak memory of the largest process "
              f"{peak:.0f} MiB")


if __name__ == "__main__":
    main()
