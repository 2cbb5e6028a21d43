"""sha256 of the result files of four fixed runs: run this before and after a change that must not
change the numbers (a speed-up), and compare the two outputs line for line.

The runs: Aarhus (300 runs, two arms with resources, contracts), the research scenario (200), the
minimal example (300) and the Aarhus forecast from the observed example (200). Never part of the
test suite. Usage:

    python benchmarks/result_hashes.py /tmp/before > before.txt
    ... change the code (and `pip install -e .` after an edit to the engine) ...
    python benchmarks/result_hashes.py /tmp/after > after.txt && diff before.txt after.txt
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

RUNS = {
    "aarhus": ["run", "scenarios/aarhus.yaml", "--runs", "300", "--no-report"],
    "research": ["run", "scenarios/research/housing-first-vs-shelter.yaml", "--runs", "200", "--no-report"],
    "minimal": ["run", "scenarios/examples/minimal.yaml", "--runs", "300", "--no-report"],
    "forecast": ["forecast", "scenarios/aarhus.yaml", "--observed", "scenarios/aarhus/observed-example",
                 "--at", "2024-08", "--runs", "200", "--no-report"],
}


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/result-hashes")
    shutil.rmtree(root, ignore_errors=True)
    for name, arguments in RUNS.items():
        out = root / name
        subprocess.run([sys.executable, "-m", "simulator", *arguments, "--out", str(out), "--workers", "2"],
                       check=True, capture_output=True)
        for path in [out / "summary.json", *sorted(out.glob("*.csv"))]:
            print(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {name}/{path.name}")


if __name__ == "__main__":
    main()
