"""`simulator forecast` through the real command line: every kind of bad observed data (spec §4.7)
exits 2 with one line naming the file, line and column, no traceback and no results folder; good
data gives the result files of `run` with `observed_until` and `settled_to_date`.

Each case is the valid observed folder below with one thing broken, run in a subprocess as a user
would (concurrently: each costs about a second and a half, most of it importing scipy).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.end_to_end

SCENARIO = ROOT / "tests" / "data" / "forecast.yaml"  # start 2022-01, horizon 36

YOUTHS = """\
youth,arrival,departure,group
A,0,,a
B,2022-03-01,,b
C,5,10,a
"""
SPELLS = """\
youth,track,state,start,end
A,housing,shelter,0,4
A,housing,housed,4,
A,activity,idle,0,
B,housing,shelter,2,
B,activity,idle,2,7.5
B,activity,working,7.5,
C,housing,shelter,5,10
C,activity,working,5,10
"""


@dataclass(frozen=True)
class Case:
    id: str
    file: str  # the file edited and named in the message: youths.csv or spells.csv
    old: str
    new: str
    where: str  # "LINE:COL" the message must give
    column: str  # the column named
    expected: str  # a fragment of what was expected
    at: str = "12"
    named: str | None = None  # the file named, when not the one edited



CASES = [
    Case("unknown youth", "spells.csv", "B,housing,shelter,2,", "Z,housing,shelter,2,", "5:1", "youth",
         "a youth of youths.csv"),
    Case("unknown track", "spells.csv", "A,activity,idle", "A,actvity,idle", "4:2", "track",
         "one of housing, activity"),
    Case("unknown state", "spells.csv", "A,housing,housed,4,", "A,housing,home,4,", "3:3", "state",
         "a state of track housing"),
    Case("unknown attribute value", "youths.csv", "B,2022-03-01,,b", "B,2022-03-01,,c", "3:4", "group",
         "one of a, b"),
    Case("overlapping spells", "spells.csv", "A,housing,housed,4,", "A,housing,housed,3,", "3:4", "start",
         "a start at the end of the spell before"),
    Case("gapped spells", "spells.csv", "A,housing,housed,4,", "A,housing,housed,5,", "3:4", "start",
         "a start at the end of the spell before"),
    Case("a spell after the cut-off", "spells.csv", "B,activity,idle,2,7.5\nB,activity,working,7.5,",
         "B,activity,idle,2,13\nB,activity,working,13,", "6:5", "end", "a time up to the cut-off"),
    Case("a departure after the cut-off", "youths.csv", "C,5,10,a", "C,5,2023-02-01,a", "4:3", "departure",
         "a time up to the cut-off"),
    Case("an arrival after the cut-off", "youths.csv", "C,5,10,a", "C,12.5,,a", "4:2", "arrival",
         "an arrival before the cut-off"),
    Case("a youth in no state of a track", "spells.csv", "A,activity,idle,0,\n", "", "2:1", "youth",
         "a spell in track activity", named="youths.csv"),
    Case("a date before start", "youths.csv", "B,2022-03-01,,b", "B,2021-11-01,,b", "3:2", "arrival",
         "a time from the scenario's start"),
    Case("not a time", "spells.csv", "A,housing,housed,4,", "A,housing,housed,soon,", "3:4", "start",
         "months since start (a number) or a date YYYY-MM-DD"),
    Case("a spell ending before the departure", "spells.csv", "C,housing,shelter,5,10", "C,housing,shelter,5,9",
         "8:5", "end", "an end at the departure"),
]


def _forecast(folder: Path, out: Path, at: str = "12", *more: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "simulator", "forecast", str(SCENARIO), "--observed", str(folder),
                           "--at", at, "--runs", "4", "--workers", "1", "--out", str(out), "--no-report", *more],
                          capture_output=True, text=True, env=environment, cwd=ROOT, timeout=300)


def _observed(folder: Path, youths: str = YOUTHS, spells: str = SPELLS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "youths.csv").write_text(youths, encoding="utf-8")
    (folder / "spells.csv").write_text(spells, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """Every case run once, concurrently: case id -> (case, folder, out, completed process)."""
    base = tmp_path_factory.mktemp("forecast-cli")

    def one(case: Case):
        texts = {"youths.csv": YOUTHS, "spells.csv": SPELLS}
        assert texts[case.file].count(case.old) == 1, case.id
        texts[case.file] = texts[case.file].replace(case.old, case.new)
        folder = _observed(base / case.id.replace(" ", "-"), texts["youths.csv"], texts["spells.csv"])
        out = base / (case.id.replace(" ", "-") + "-out")
        return case.id, (case, folder, out, _forecast(folder, out, case.at))

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return dict(pool.map(one, CASES))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_observed_data_exits_2_naming_the_file_line_and_column(outcomes, case):
    _, folder, out, done = outcomes[case.id]
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    prefix = f"{folder / (case.named or case.file)}:{case.where}: {case.column}: expected "
    lines = [line for line in done.stderr.splitlines() if line.startswith(prefix)]
    assert lines, f"no line starting {prefix!r} in:\n{done.stderr}"
    assert any(case.expected in line for line in lines), done.stderr
    assert not out.exists(), "a refused forecast writes nothing"


@pytest.mark.parametrize("at, expected", [("2030-01", "a time from 0 to the horizon"),
                                          ("soon", "months since start (a number) or a date")])
def test_a_bad_cut_off_exits_2(tmp_path, at, expected):
    done = _forecast(_observed(tmp_path / "observed"), tmp_path / "out", at)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("--at: expected ") and expected in done.stderr, done.stderr


def test_a_missing_file_exits_2(tmp_path):
    folder = _observed(tmp_path / "observed")
    (folder / "spells.csv").unlink()
    done = _forecast(folder, tmp_path / "out")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"{folder / 'spells.csv'}: expected the observed folder's spells.csv"), done.stderr


def test_good_data_gives_the_result_files_with_what_is_settled(tmp_path):
    out = tmp_path / "out"
    done = _forecast(_observed(tmp_path / "observed"), out, "2023-01")
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["observed_until"] == 12.0
    assert summary["forecast"]["observed_youths"] == 3
    assert summary["forecast"]["parameter_update"]["parameters"] == ["programme_mean"]
    contract = summary["contracts"]["homes"]
    # A's 8 housed months (4 to 12) by the first settlement at month 12, at 1,000 DKK a month.
    assert contract["settled_to_date"] == 8000.0 and contract["settled_to_date_fixed"] is True
    for name in ("manifest.json", "occupancy.csv", "money.csv", "contracts.csv", "replications.csv"):
        assert (out / name).is_file(), name
    assert "settled to date 8,000 DKK" in done.stdout


def test_a_forecast_never_replaces_the_results_of_run(tmp_path):
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    plan = tmp_path / "plan"
    subprocess.run([sys.executable, "-m", "simulator", "run", str(SCENARIO), "--runs", "2", "--workers", "1",
                    "--out", str(plan), "--no-report"], check=True, capture_output=True, env=environment, cwd=ROOT)
    before = (plan / "summary.json").read_bytes()
    done = _forecast(_observed(tmp_path / "observed"), plan)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"{plan}: expected an empty folder or an earlier forecast"), done.stderr
    assert (plan / "summary.json").read_bytes() == before
    again = _forecast(_observed(tmp_path / "observed"), tmp_path / "forecast", "12", "--plan", str(plan))
    assert again.returncode == 0, again.stderr
    assert _forecast(_observed(tmp_path / "observed"), tmp_path / "forecast").returncode == 0  # replaced
    summary = json.loads((tmp_path / "forecast" / "summary.json").read_text(encoding="utf-8"))
    assert "p_full_repayment_at_signing" not in summary["contracts"]["homes"]
