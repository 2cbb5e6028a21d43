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


def file_hashes(folder: Path) -> dict[str, str]:
    """sha256 of each result file a person or a program reads (not the manifest, which has times)."""
    files = [folder / "summary.json", *sorted(folder.glob("*.csv"))]
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in files}


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/result-hashes")
    shutil.rmtree(root, ignore_errors=True)
    for name, arguments in RUNS.items():
        out = root / name
        subprocess.run([sys.executable, "-m", "simulator", *arguments, "--out", str(out), "--workers", "2"],
                       check=True, capture_output=True)
        for file, digest in file_hashes(out).items():
            print(f"{digest}  {name}/{file}")


if __name__ == "__main__":
    main()
