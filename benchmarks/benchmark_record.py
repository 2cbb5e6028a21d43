"""Cost of the record step alone: reducing replications to their records (`record_replications`).

Prints figures; it is never part of the test suite. The replications are made once and kept, so
the engine is not counted. Usage:

    python benchmarks/benchmark_record.py [SCENARIO] [--replications 40] [--instructions]

`--instructions` counts them with callgrind (a record of N replications less a record of none,
over N; deterministic given PYTHONHASHSEED and one BLAS thread), as benchmarks/benchmark.py does
for a whole chunk.
"""
from __future__ import annotations

import argparse
import os
import pickle
import re
import subprocess
import sys
import tempfile
import time

from simulator.engine.model import simulate
from simulator.language.loading import load_scenario
from simulator.outputs.records import Layout, record_replications

_COUNT = """
import pickle, sys
from simulator.language.loading import load_scenario
from simulator.outputs.records import Layout, record_replications
with open(sys.argv[1], "rb") as file:
    path, replications = pickle.load(file)
scenario = load_scenario(path)
record_replications(scenario, Layout.of(scenario), replications[:1])  # warm: first-use imports
if int(sys.argv[2]):
    record_replications(scenario, Layout.of(scenario), replications[1:])
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="scenarios/aarhus.yaml")
    parser.add_argument("--replications", type=int, default=40)
    parser.add_argument("--instructions", action="store_true", help="count instructions with callgrind")
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    made = list(simulate(scenario, 0, range(args.replications + 1), 1000))  # one more, to warm up
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "replications.pickle")
        with open(path, "wb") as file:
            pickle.dump((args.scenario, made), file)
        best = float("inf")
        for _ in range(3):  # fresh copies: a record caches stays on the trajectories it reads
            with open(path, "rb") as file:
                replications = pickle.load(file)[1]
            started = time.perf_counter()
            record_replications(scenario, Layout.of(scenario), replications[1:])
            best = min(best, time.perf_counter() - started)
        print(f"record: {best / args.replications * 1e3:.2f} ms per replication (best of 3)")
        if args.instructions:
            environment = {**os.environ, "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}

            def count(run: int) -> int:
                output = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                                         sys.executable, "-c", _COUNT, path, str(run)],
                                        env=environment, capture_output=True, text=True, check=True).stderr
                return int(re.search(r"Collected : (\d+)", output).group(1))

            per_replication = (count(1) - count(0)) / args.replications
            print(f"record: {per_replication / 1e6:.1f} M instructions per replication (callgrind)")


if __name__ == "__main__":
    main()
