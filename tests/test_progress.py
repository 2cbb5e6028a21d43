"""Progress bars, as a user sees them: through a pseudo-terminal the long commands (`run`, its
replications and its reports, `sensitivity` re-running settings or reading stored runs, `sweep`)
show a bar with a percentage on stderr; through a pipe they show none; and the files they write
are the same either way.
"""
from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.end_to_end

ROOT = Path(__file__).resolve().parents[1]
BAR = re.compile(r"\d+%\|")  # tqdm's "40%|████"

# 4 youths in a shelter; in the programme they are housed at month 6. Two uncertain parameters.
TINY = """
    name: Tiny
    horizon: 12
    start: 2022-01
    parameters:
      shelter_cost: {dist: {uniform: {min: 20000, max: 30000}}}
      price: {dist: {uniform: {min: 12000, max: 36000}}}
    intake: {cohort: {count: 4, at: 0}}
    tracks:
      housing:
        states: [shelter, housed]
        initial: {shelter: 1.0}
        transitions:
          shelter->housed: {time: {fixed: 6}, modifiers: [{when: {}, hazard_ratio: 0}]}
    arms:
      usual: {}
      programme:
        patch:
          tracks: {housing: {transitions: {shelter->housed: {time: {fixed: 6}, modifiers: []}}}}
    economics:
      currency: DKK
      discount_rate: 0
      departments: [municipality.social]
    flows:
      shelter_stay: {per_month_in: {housing: shelter}, amount: $shelter_cost, pays: municipality.social}
    contracts:
      housed:
        arm: programme
        payer: municipality.social
        investor: {principal: 100000, disbursed: [{at: 0, amount: 100000}]}
        window: {from: 0, until: 12}
        settlement: yearly
        outcomes:
          housed_months: {months_in: {housing: housed}, price: $price}
    """


def simulator(args: list[str], cwd: Path, terminal: bool) -> tuple[str, str]:
    """`python -m simulator ARGS`: stdout and stderr, stderr on a pseudo-terminal or a pipe."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "simulator", *args]
    if not terminal:
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout, done.stderr
    main, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a new one is 0 wide
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=secondary)
    os.close(secondary)
    shown = b""
    while True:
        try:
            data = os.read(main, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        shown += data
    os.close(main)
    out = process.stdout.read().decode()
    assert process.wait(timeout=300) == 0, shown.decode(errors="replace")
    return out, shown.decode(errors="replace")


def folder_files(folder: Path, *names: str) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in names}


def test_sensitivity_shows_a_bar_on_a_terminal_and_nothing_through_a_pipe(tmp_path):
    (tmp_path / "tiny.yaml").write_text(textwrap.dedent(TINY), encoding="utf-8")
    args = ["sensitivity", "tiny.yaml", "--runs", "3", "--workers", "1"]
    out_terminal, bar = simulator([*args, "--out", "terminal"], tmp_path, terminal=True)
    out_pipe, quiet = simulator([*args, "--out", "pipe"], tmp_path, terminal=False)
    # 2 parameters: the medians and 2 × 4 more settings (each scan's middle is the median)
    assert "9 settings × 3 replications" in bar and BAR.search(bar) and "100%" in bar
    assert quiet == ""
    assert out_terminal.replace("terminal", "pipe") == out_pipe
    assert (tmp_path / "terminal" / "sensitivity.csv").read_bytes() == \
        (tmp_path / "pipe" / "sensitivity.csv").read_bytes()


def test_run_sweep_and_stored_run_sensitivity_show_bars_only_on_a_terminal(tmp_path):
    (tmp_path / "tiny.yaml").write_text(textwrap.dedent(TINY), encoding="utf-8")
    _, bar = simulator(["run", "tiny.yaml", "--runs", "24", "--workers", "1", "--out", "a", "--no-report"],
                       tmp_path, terminal=True)
    assert "replications" in bar and "100%" in bar
    _, bar = simulator(["run", "tiny.yaml", "--runs", "24", "--workers", "1", "--out", "b"], tmp_path, terminal=True)
    assert "reports" in bar and "1/1" in bar  # the report takes a few seconds after the replications
    folder = tmp_path / "a"
    sweep = ["sweep", "a", "--contract", "housed", "--vary", "outcomes.housed_months.price=10000:20000:3",
             "--workers", "2"]
    metamodel = ["sensitivity", "a"]
    _, bar = simulator(sweep, tmp_path, terminal=True)
    assert "designs priced" in bar and "3/3" in bar and "100%" in bar
    shown = folder_files(folder, "sweep.csv")
    _, quiet = simulator(sweep, tmp_path, terminal=False)
    assert quiet == "" and folder_files(folder, "sweep.csv") == shown
    _, bar = simulator(metamodel, tmp_path, terminal=True)
    assert "parameters" in bar and "2/2" in bar and "100%" in bar
    shown = folder_files(folder, "metamodel.csv")
    _, quiet = simulator(metamodel, tmp_path, terminal=False)
    assert quiet == "" and folder_files(folder, "metamodel.csv") == shown
