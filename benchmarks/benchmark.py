"""Speed and memory of the engine and the runner on a scenario (default: scenarios/aarhus.yaml).

Prints figures; it is never part of the test suite. Usage:

    python benchmarks/benchmark.py [SCENARIO] [--engine-runs 50] [--runs 1000] [--memory-runs 1000 10000]
                                   [--instructions 3] [--dask] [--no-startup]

Timings on a shared machine vary from minute to minute; the instruction count (callgrind, when
valgrind is installed) does not: it is what a worker spends per replication, engine and record.
Peak memory is the client's: the process that runs `simulator run` (report included), which
holds the results as they come and computes the result files; the workers' is the pool's own
and does not depend on --runs. `--memory-runs 0` (or `--runs 0`, `--engine-runs 0`) skips a part;
e.g. `--runs 0 --engine-runs 0 --instructions 0 --no-startup --memory-runs 1000 10000 100000`
measures memory alone.
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


_CLIENT = """
import resource, sys, time
from simulator.cli import main
started = time.perf_counter()
status = main(sys.argv[1:])
print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, status)
"""


def client_peak(scenario_path: str, runs: int, workers: int = 2, scheduler: str | None = None
                ) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB) of the client of `simulator run`, report included:
    the process that schedules the chunks, stores them and writes every result file."""
    with tempfile.TemporaryDirectory() as out:
        where = ["--scheduler", scheduler] if scheduler else ["--workers", str(workers)]
        output = subprocess.run([sys.executable, "-c", _CLIENT, "run", scenario_path, "--runs", str(runs),
                                 "--out", out, *where], check=True, capture_output=True, text=True).stdout
        output = output.splitlines()[-1].split()  # after what the command prints
    if output[2] != "0":
        raise RuntimeError(f"simulator run exited {output[2]}")
    return float(output[0]), float(output[1]) / 1024


def local_cluster() -> tuple[subprocess.Popen, str]:
    """A Dask LocalCluster of two one-thread worker processes in a process of its own, and its address."""
    code = ("from distributed import LocalCluster; import sys, time; "
            "cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None); "
            "print(cluster.scheduler_address, flush=True); sys.stdin.read()")
    process = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    return process, process.stdout.readline().strip()


def memory(scenario_path: str, runs: list[int], dask: bool) -> None:
    """The client's peak memory at each number of runs, on the process pool and on a Dask LocalCluster."""
    for count in runs:
        seconds, peak = client_peak(scenario_path, count)
        print(f"--runs {count} --workers 2: {seconds:.1f} s, peak memory of the client {peak:.0f} MiB")
    if dask:
        cluster, address = local_cluster()
        try:
            for count in runs:
                seconds, peak = client_peak(scenario_path, count, scheduler=address)
                print(f"--runs {count} --scheduler (LocalCluster, 2 workers): {seconds:.1f} s, "
                      f"peak memory of the client {peak:.0f} MiB")
        finally:
            cluster.communicate(timeout=60)  # its stdin closes: it shuts the cluster down


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

    def count(n: int, within: list[str]) -> int:
        output = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *within,
                                 sys.executable, "-c", _CHUNK, scenario_path, str(n)],
                                env=environment, capture_output=True, text=True, check=True).stderr
        return int(re.search(r"Collected : (\d+)", output).group(1))

    per_replication = (count(replications, []) - count(0, [])) / replications
    line = f"instructions per replication (callgrind, chunk of {replications}): {per_replication / 1e6:.0f} M"
    if engine_is_compiled():  # the compiled engine's function that makes one replication: the engine's part
        within = ["--toggle-collect=CPyDef__simulate"]
        engine = (count(replications, within) - count(0, within)) / replications
        line += f", of which the engine {engine / 1e6:.0f} M and its record and pricing {(per_replication - engine) / 1e6:.0f} M"
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="scenarios/aarhus.yaml")
    parser.add_argument("--engine-runs", type=int, default=50)
    parser.add_argument("--runs", type=int, default=1000, help="runs per speed measurement (0: skip)")
    parser.add_argument("--memory-runs", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--dask", action="store_true", help="also measure memory on a Dask LocalCluster")
    parser.add_argument("--no-startup", action="store_true")
    parser.add_argument("--instructions", type=int, default=3, metavar="REPLICATIONS",
                        help="replications to count instructions over (0: skip)")
    args = parser.parse_args()
    print(f"scenario {args.scenario}; engine "
          f"{'compiled (mypyc)' if engine_is_compiled() else 'plain Python'}")
    if not args.no_startup:
        startup(args.scenario)
    if args.instructions:
        instructions(args.scenario, args.instructions)
    if args.engine_runs:
        engine(args.scenario, args.engine_runs)
    if args.runs:
        rates = {}
        for workers in (1, 2):
            seconds, peak = cli_run(args.scenario, args.runs, workers)
            rates[workers] = args.runs / seconds
            print(f"simulator run --runs {args.runs} --workers {workers}: {seconds:.1f} s = "
                  f"{rates[workers]:.1f} replications/s (whole command, results included)")
        print(f"parallel efficiency with 2 workers: {rates[2] / (2 * rates[1]):.0%}")
    memory(args.scenario, [count for count in args.memory_runs if count], args.dask)


if __name__ == "__main__":
    main()
