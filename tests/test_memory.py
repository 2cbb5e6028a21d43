"""The client of `simulator run` keeps its memory flat in the number of runs.

`simulator run` runs in a process of its own at two sizes, and its peak resident memory (the
kernel's own count, `ru_maxrss`) is compared. benchmarks/benchmark.py measures the same at
1,000 to 100,000 runs of the shipped scenarios.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.end_to_end

# A cheap scenario with a large record: six states over 240 months, so occupancy alone is
# 2 arms x 6 states x 241 months = 2,892 numbers per run (about 46 kB per run when a whole
# column of them is held in float64 with the copies statistics make).
SCENARIO = """
name: Long and small
horizon: 240
intake: {cohort: {count: 3}}
tracks:
  life:
    states: [a, b, c, d, e, f]
    initial: {a: 1.0}
    transitions:
      a->b: {time: {exponential: {mean: 40}}}
      b->c: {time: {exponential: {mean: 40}}}
      c->d: {time: {exponential: {mean: 40}}}
      d->e: {time: {exponential: {mean: 40}}}
      e->f: {time: {exponential: {mean: 40}}}
      f->a: {time: {exponential: {mean: 40}}}
arms:
  usual: {}
  faster:
    patch: {tracks: {life: {transitions: {a->b: {time: {exponential: {mean: 10}}}}}}}
"""

# The client in-process, with blocks of 1 MiB: the result files are computed from disk a block of
# columns at a time, and with the default 64 MiB a block of this scenario fills only beyond
# about 3,000 runs (64 MiB / (8 B x 2,892)); memory is flat from there on.
CLIENT = """
import resource, sys
from simulator.outputs import statistics
statistics.BLOCK_BYTES = 2**20
from simulator.cli import main
assert main(sys.argv[1:]) == 0
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

SMALL, LARGE = 300, 2400
# What may grow with the runs: a few numbers per run (the replications' places in order, the set
# of finished ones, one per-run column of a summary at a time): well under 1 kB a run, so at most
# 2.1 MB over the 2,100 extra runs; and the noise of the allocator and of page-sized counting,
# a few MB. Holding the occupancy of every run, as the client once did, adds ~46 kB a run (~97 MB).
ALLOWED_GROWTH_KB = 1 * (LARGE - SMALL) + 8 * 1024


def peak_kb(scenario, out, runs: int) -> int:
    output = subprocess.run([sys.executable, "-c", CLIENT, "run", str(scenario), "--runs", str(runs),
                             "--workers", "1", "--no-report", "--out", str(out)],
                            check=True, capture_output=True, text=True).stdout
    return int(output.splitlines()[-1])


def test_the_clients_peak_memory_does_not_grow_with_the_number_of_runs(tmp_path):
    scenario = tmp_path / "long.yaml"
    scenario.write_text(textwrap.dedent(SCENARIO), encoding="utf-8")
    small = peak_kb(scenario, tmp_path / "small", SMALL)
    large = peak_kb(scenario, tmp_path / "large", LARGE)
    assert large - small <= ALLOWED_GROWTH_KB, (
        f"peak {small / 1024:.0f} MiB at {SMALL} runs, {large / 1024:.0f} MiB at {LARGE}")
