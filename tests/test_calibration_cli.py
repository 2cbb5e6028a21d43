"""`simulator calibrate` and `simulator run --posterior` through the real command line: the files
they write, the same numbers with 1 and 2 workers, and a bad posterior file or a scenario without
targets refused with one line and exit status 2 (spec §2, §4.5)."""
from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.end_to_end

SCENARIO = """
    name: tiny calibration
    horizon: 12
    parameters:
      mean_wait: {dist: {lognormal: {median: 6, sigma: 0.5}}, unit: months, label: {en: Mean wait, da: Ventetid}}
      effect: {dist: {uniform: {min: 0.5, max: 4}}, label: Effect}
      fixed_thing: 3
    intake: {cohort: {count: 200, at: 0}}
    tracks:
      housing:
        states: [waiting, housed]
        initial: {waiting: 1}
        transitions:
          waiting->housed:
            time: {exponential: {mean: $mean_wait}}
            modifiers: [{when: {programme: "yes"}, hazard_ratio: $effect}]
      programme:
        states: ["no", "yes"]
        initial: {"no": 1}
    arms:
      usual: {label: {en: As usual, da: Som sædvanlig}}
      programme:
        patch: {tracks: {programme: {initial: {"no": 0, "yes": 1}}}}
    targets:
      housed_6m_usual:
        label: {en: "Housed 6 months after arrival, as usual", da: I bolig 6 måneder efter ankomst}
        share_in: {housing: [housed]}
        months_after_arrival: 6
        observed: {count: 45, of: 100}
        source: a made-up study
      housed_within_6m_programme:
        arm: programme
        entered_within: {housing: [housed]}
        months: 6
        observed: {value: 0.7, se: 0.05}
        source: a made-up trial
      time_housed_programme:
        label: Share of time housed, programme
        arm: programme
        share_of_time_in: {housing: [housed]}
        months: 12
        observed: {value: 0.6, se: 0.05}
        source: a made-up follow-up
        hold_out: true
    calibrate: {parameters: [mean_wait, effect], replications: 1, prior_draws: 60, batch: 20, rounds: 2, resample: 50}
    """


def simulator(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "simulator", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    """The scenario calibrated with 1 and with 2 workers."""
    root = tmp_path_factory.mktemp("calibrate")
    (root / "tiny.yaml").write_text(textwrap.dedent(SCENARIO), encoding="utf-8")
    done = {w: simulator("calibrate", "tiny.yaml", "--out", f"w{w}", "--workers", str(w), "--seed", "4", cwd=root)
            for w in (1, 2)}
    for process in done.values():
        assert process.returncode == 0 and "Traceback" not in process.stderr, process.stderr
    return root


def test_calibrate_writes_the_three_files_and_the_same_posterior_with_any_workers(calibrated):
    one, two = (calibrated / f"w{w}" for w in (1, 2))
    assert (one / "posterior.csv").read_bytes() == (two / "posterior.csv").read_bytes()
    with open(one / "posterior.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == ["mean_wait", "effect", "weight"] and len(rows) == 60 + 2 * 20
    summary = json.loads((one / "calibration.json").read_text())
    assert summary["method"].startswith("IMIS") and summary["simulations"] == 100 and summary["seconds"] >= 0
    assert {"effective_sample_size", "schedule", "settings", "parameters", "targets"} <= set(summary)
    assert summary["targets"]["time_housed_programme"]["hold_out"] is True
    for lang, words in [("en", "Housed 6 months after arrival"), ("da", "I bolig 6 måneder efter ankomst")]:
        html = (one / ("calibration.html" if lang == "en" else "calibration.da.html")).read_text()
        assert words in html and "housed_6m_usual" not in html  # labels, not ids
        assert html.count("data:image/png;base64") == 2


def test_run_with_the_posterior_is_the_same_with_1_and_2_workers_and_names_it(calibrated):
    posterior = calibrated / "w1" / "posterior.csv"
    for w in (1, 2):
        process = simulator("run", "tiny.yaml", "--posterior", str(posterior), "--runs", "12", "--workers", str(w),
                            "--out", f"run{w}", "--no-report", cwd=calibrated)
        assert process.returncode == 0, process.stderr
    first, second = ((calibrated / f"run{w}" / "replications.csv").read_bytes() for w in (1, 2))
    assert first == second
    manifest = json.loads((calibrated / "run1" / "manifest.json").read_text())
    import hashlib
    assert manifest["posterior_sha256"] == hashlib.sha256(posterior.read_bytes()).hexdigest()
    assert manifest["posterior_parameters"] == ["mean_wait", "effect"]


LINE = re.compile(r"^\S+?:\d+:\d+: \S+: expected .+, found .+$|^\S+: expected .+, found .+$")


@pytest.mark.parametrize("content, where, expected", [
    ("effect\n2\n", None, None),  # valid: only some of the parameters
    ("mean_wait,nonsense\n5,1\n", ":1:2: nonsense:", "a column per uncertain parameter"),
    ("mean_wait,fixed_thing\n5,1\n", ":1:2: fixed_thing:", "a column per uncertain parameter"),
    ("mean_wait,weight\n5,-1\n", ":2:2: weight:", "a finite weight >= 0"),
    ("mean_wait,weight\n5,nan\n", ":2:2: weight:", "a finite weight >= 0"),
    ("mean_wait,effect\n5,9\n", ":2:2: effect:", "within the prior's support, 0.5 to 4"),
    ("mean_wait,effect\n-5,1\n", ":2:1: mean_wait:", "within the prior's support, 0 to inf"),
    ("mean_wait\n", ":2:1:", "one or more rows"),
    ("weight\n1\n", ":1:1:", "a column per calibrated parameter"),
], ids=["valid", "not_a_parameter", "fixed_parameter", "negative_weight", "nan_weight", "above_support",
        "below_support", "no_rows", "no_parameter"])
def test_a_bad_posterior_file_is_one_line_and_exit_2(calibrated, content, where, expected, tmp_path):
    path = tmp_path / "posterior.csv"
    path.write_text(content, encoding="utf-8")
    process = simulator("run", "tiny.yaml", "--posterior", str(path), "--runs", "2", "--workers", "1",
                        "--out", str(tmp_path / "out"), "--no-report", "--force", cwd=calibrated)
    if expected is None:
        assert process.returncode == 0, process.stderr
        return
    lines = process.stderr.strip().splitlines()
    assert process.returncode == 2 and "Traceback" not in process.stderr, process.stderr
    assert len(lines) == 1 and LINE.match(lines[0]), lines
    assert lines[0].startswith(str(path) + where) and expected in lines[0], lines[0]
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_a_missing_posterior_file_and_a_scenario_without_targets_are_refused(calibrated, tmp_path):
    process = simulator("run", "tiny.yaml", "--posterior", "nowhere.csv", "--runs", "2", "--out", str(tmp_path / "o"),
                        cwd=calibrated)
    assert process.returncode == 2 and process.stderr.startswith("nowhere.csv: expected a posterior.csv")
    no_targets = calibrated / "tiny.yaml"
    text = no_targets.read_text().split("targets:")[0]
    (tmp_path / "plain.yaml").write_text(text, encoding="utf-8")
    process = simulator("calibrate", str(tmp_path / "plain.yaml"), "--out", str(tmp_path / "c"), cwd=calibrated)
    lines = process.stderr.strip().splitlines()
    assert process.returncode == 2 and len(lines) == 1 and "at least one target" in lines[0], process.stderr


def test_calibrate_on_a_dask_cluster_gives_the_same_posterior(calibrated):
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        process = simulator("calibrate", "tiny.yaml", "--out", "dask", "--seed", "4",
                            "--scheduler", cluster.scheduler_address, cwd=calibrated)
    assert process.returncode == 0, process.stderr
    assert (calibrated / "dask" / "posterior.csv").read_bytes() == (calibrated / "w1" / "posterior.csv").read_bytes()
    assert json.loads((calibrated / "dask" / "calibration.json").read_text())["scheduler"].startswith("tcp://")
