"""Time and peak memory of writing the result files (and the report) of a very large run, cheaply.

A run of 100,000 Aarhus replications takes half an hour or more; what happens after the last chunk
(summary.json, the CSVs, the report) depends on how many runs are stored, not on what is in them.
So this makes a results folder of COPIES renumbered copies of a finished run's chunks (1,000 runs
copied 100 times: 100,000 runs, about 9 GB on disk) and measures `write_results` and the report on
it in a fresh process. Never part of the test suite. Usage:

    python -m simulator run scenarios/aarhus.yaml --runs 1000 --out /tmp/aarhus-1000 --no-report
    python benchmarks/benchmark_results.py /tmp/aarhus-1000 /tmp/aarhus-100000 100
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from simulator.outputs.folder import CHUNK_SHA256, REPLICATION, TABLE, ResultsFolder

_MEASURE = """
import resource, sys, time
from simulator.outputs.folder import ResultsFolder
from simulator.outputs.report import write_readable
from simulator.outputs.results import write_results
folder = ResultsFolder(sys.argv[1])
started = time.perf_counter()
write_results(folder.path, folder.scenario())
written = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
write_readable(folder.path, "en")
print(f"result files {written - started:.1f} s, peak {peak:.0f} MiB; with the report "
      f"{time.perf_counter() - written:.1f} s more, peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
"""


def copies(source: Path, target: Path, count: int) -> int:
    """`target` made a finished folder of `count` renumbered copies of `source`'s chunks; returns its runs."""
    original = ResultsFolder(source)
    runs = original.manifest["runs_requested"]
    shutil.rmtree(target, ignore_errors=True)
    folder = ResultsFolder(target)
    manifest = {**original.manifest, CHUNK_SHA256: {}, "runs_requested": runs * count, "runs_done": runs * count}
    for copy in range(count):
        for path in original.chunk_files():
            with np.load(path) as chunk:
                records = {key: chunk[key].copy() for key in chunk.files}
            records[REPLICATION] += copy * runs
            for key in records:
                if key.startswith(TABLE):
                    records[key][:, 0] += copy * runs
            name, sha256 = folder.write_chunk(records[REPLICATION].tolist(), records)
            manifest[CHUNK_SHA256][name] = sha256
    folder.write_manifest(manifest)
    return runs * count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="a finished results folder")
    parser.add_argument("target", type=Path, help="the folder to fill with copies (replaced)")
    parser.add_argument("copies", type=int)
    args = parser.parse_args()
    runs = copies(args.source, args.target, args.copies)
    figures = subprocess.run([sys.executable, "-c", _MEASURE, str(args.target)], check=True,
                             capture_output=True, text=True).stdout.strip()
    print(f"{runs} runs ({args.copies} copies of {args.source}): {figures}")


if __name__ == "__main__":
    main()
