"""A large run three ways, and whether they give the same result files: the client's peak memory
and the wall time of each.

1. `simulator run` on the process pool (`--workers 2`);
2. the same on a Dask LocalCluster of two workers (`--scheduler`), unless --no-dask;
3. the same interrupted (SIGINT, as Ctrl-C) once half the runs are stored, then completed with
   `--resume` on one worker.

Same seed, same numbers: the three folders' result files (summary.json and the CSVs) must be
identical to the byte, whatever the scheduler, the number of workers or the interruption. Never
part of the test suite (a 100,000-run Aarhus run takes the better part of an hour on two cores).
Usage:

    python benchmarks/benchmark_large.py scenarios/examples/minimal.yaml --runs 100000
    python benchmarks/benchmark_large.py scenarios/aarhus.yaml --runs 10000 --out /tmp/large
"""
from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from benchmark import _CLIENT, local_cluster  # noqa: E402  (scripts beside this one, not a package)
from result_hashes import file_hashes  # noqa: E402


def client(arguments: list[str]) -> subprocess.Popen:
    """`simulator ARGUMENTS` in a process of its own that prints its wall seconds, peak memory and status."""
    # SIGINT as a terminal's Ctrl-C sends it, even when this script runs in the background, where
    # the shell has it ignored (and a child would inherit that)
    return subprocess.Popen([sys.executable, "-c", _CLIENT, *arguments], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def finished(process: subprocess.Popen) -> tuple[float, float, int]:
    """Wall seconds, peak resident memory (MiB) and exit status of a `client`."""
    seconds, peak, status = process.communicate()[0].splitlines()[-1].split()
    return float(seconds), float(peak) / 1024, int(status)


def runs_done(folder: Path) -> int:
    try:
        return json.loads((folder / "manifest.json").read_text()).get("runs_done", 0)
    except (OSError, ValueError):
        return 0  # not written yet, or being replaced


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/benchmark-large"))
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    run = ["run", args.scenario, "--runs", str(args.runs), "--no-report", "--force"]
    hashes = {}

    pool = args.out / "pool"
    seconds, peak, status = finished(client([*run, "--out", str(pool), "--workers", "2"]))
    print(f"{args.runs} runs, process pool of 2: {seconds:.0f} s, client peak {peak:.0f} MiB, exit {status}")
    hashes["pool"] = file_hashes(pool)

    if not args.no_dask:
        cluster, address = local_cluster()
        try:
            dask = args.out / "dask"
            seconds, peak, status = finished(client([*run, "--out", str(dask), "--scheduler", address]))
            print(f"{args.runs} runs, Dask LocalCluster of 2: {seconds:.0f} s, client peak {peak:.0f} MiB, "
                  f"exit {status}")
            hashes["dask"] = file_hashes(dask)
        finally:
            cluster.communicate(timeout=60)

    resumed = args.out / "resumed"
    shutil.rmtree(resumed, ignore_errors=True)
    process = client([*run, "--out", str(resumed), "--workers", "2"])
    while runs_done(resumed) < args.runs // 2 and process.poll() is None:
        time.sleep(0.5)
    if process.poll() is not None:
        print("the run finished before half its runs were seen stored: the interruption was not tested")
    process.send_signal(signal.SIGINT)
    _, _, status = finished(process)
    kept = runs_done(resumed)
    seconds, peak, again = finished(client(["run", args.scenario, "--runs", str(args.runs), "--no-report",
                                            "--resume", "--out", str(resumed), "--workers", "1"]))
    print(f"interrupted at {kept} runs (exit {status}), resumed on 1 worker: {seconds:.0f} s, "
          f"client peak {peak:.0f} MiB, exit {again}")
    hashes["resumed"] = file_hashes(resumed)

    reference = hashes["pool"]
    for name, files in hashes.items():
        same = files == reference
        print(f"{name}: result files {'identical to the process pool' if same else 'DIFFER'} "
              f"({len(files)} files)")
        if not same:
            for file, digest in files.items():
                if reference.get(file) != digest:
                    print(f"  {file} differs")


if __name__ == "__main__":
    main()
