"""The runner: same seed, same numbers whatever the workers or scheduler; interruptions lose nothing."""
from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.language.loading import load_scenario
from simulator.outputs.results import write_results
from simulator.outputs.folder import ResultsFolder
from simulator.runner import RunOptions, run
from tests.support import RESULT_FILES, SMALL_RUN

pytestmark = pytest.mark.end_to_end

# Contracts are priced a chunk of replications at a time: the chunking must not show.


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(textwrap.dedent(SMALL_RUN), encoding="utf-8")
    return path


def run_into(scenario_file: Path, out: Path, **options) -> dict[str, bytes]:
    scenario = load_scenario(scenario_file)
    run(scenario, out, RunOptions(**{"runs": 24, "seed": 7, **options}))
    write_results(out, scenario)
    return {name: (out / name).read_bytes() for name in RESULT_FILES}


def test_one_and_two_workers_give_identical_files(scenario_file, tmp_path):
    one = run_into(scenario_file, tmp_path / "one", workers=1)
    two = run_into(scenario_file, tmp_path / "two", workers=2, chunk_size=5)
    assert one == two
    assert json.loads(one["summary.json"])["runs"] == 24


def test_a_contract_may_be_named_like_anything_the_runner_keeps(tmp_path):
    """Contract names are the scenario's own: `rate` or `costs` must not clash with anything."""
    path = tmp_path / "named.yaml"
    path.write_text(textwrap.dedent(SMALL_RUN).replace("\n  deal:", "\n  rate:"), encoding="utf-8")
    renamed = run_into(path, tmp_path / "renamed", workers=1)
    original = path.with_name("original.yaml")
    original.write_text(textwrap.dedent(SMALL_RUN), encoding="utf-8")
    expected = run_into(original, tmp_path / "original", workers=1)
    assert renamed["contracts.csv"] == expected["contracts.csv"].replace(b"deal,", b"rate,")


def test_a_dask_cluster_gives_the_same_files(scenario_file, tmp_path):
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        on_cluster = run_into(scenario_file, tmp_path / "dask", scheduler=cluster.scheduler_address)
    local = run_into(scenario_file, tmp_path / "local", workers=1)
    assert on_cluster == local
    assert ResultsFolder(tmp_path / "dask").manifest["scheduler"].startswith("tcp://")


def test_a_run_that_fails_midway_keeps_its_chunks_and_resumes_to_the_same_numbers(
        scenario_file, tmp_path, monkeypatch):
    import simulator.runner as runner

    real = runner.simulate_chunk
    def failing(scenario, seed, replications, *rest):
        if 13 in replications:
            raise RuntimeError("a worker died")
        return real(scenario, seed, replications, *rest)
    monkeypatch.setattr(runner, "simulate_chunk", failing)
    out = tmp_path / "interrupted"
    scenario = load_scenario(scenario_file)
    with pytest.raises(RuntimeError):
        run(scenario, out, RunOptions(runs=24, seed=7, workers=1, chunk_size=4))
    manifest = ResultsFolder(out).manifest
    assert manifest["complete"] is False and manifest["runs_done"] == 12
    assert len(ResultsFolder(out).chunk_files()) == 3
    monkeypatch.setattr(runner, "simulate_chunk", real)
    run(scenario, out, RunOptions(runs=24, seed=7, workers=1, chunk_size=4, resume=True))
    write_results(out, scenario)
    resumed = {name: (out / name).read_bytes() for name in RESULT_FILES}
    assert resumed == run_into(scenario_file, tmp_path / "whole", workers=1)
    assert ResultsFolder(out).manifest["complete"] is True


def test_ctrl_c_keeps_finished_replications_and_resume_completes_them(scenario_file, tmp_path):
    """A real SIGINT to `simulator run` with two worker processes, then --resume."""
    out = tmp_path / "ctrl-c"
    command = [sys.executable, "-m", "simulator", "run", str(scenario_file), "--runs", "150",
               "--seed", "7", "--workers", "2", "--out", str(out), "--no-report"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(ResultsFolder(out).chunk_files()) < 2 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "--resume" in stderr
    manifest = ResultsFolder(out).manifest
    assert manifest["complete"] is False and 0 < manifest["runs_done"] < 150
    resumed = subprocess.run(command + ["--resume"], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    whole = tmp_path / "whole"
    subprocess.run([*command[:-3], "--out", str(whole), "--no-report"], check=True, capture_output=True,
                   timeout=300)
    for name in RESULT_FILES:
        assert (out / name).read_bytes() == (whole / name).read_bytes(), name


def test_a_folder_with_another_scenarios_results_is_refused(scenario_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(scenario_file), "--runs", "3", "--out", str(out), "--workers", "1"]) == 0
    other = tmp_path / "other.yaml"
    other.write_text(scenario_file.read_text().replace("name: small", "name: other"))
    capsys.readouterr()
    assert main(["run", str(other), "--runs", "3", "--out", str(out), "--workers", "1"]) == 2
    assert "--force" in capsys.readouterr().err
    assert json.loads((out / "manifest.json").read_text())["scenario"] == "small"
    assert main(["run", str(other), "--runs", "3", "--out", str(out), "--workers", "1", "--force"]) == 0
    assert json.loads((out / "manifest.json").read_text())["scenario"] == "other"


def test_result_files_have_the_columns_and_keys_of_the_spec(scenario_file, tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(scenario_file), "--runs", "5", "--out", str(out), "--workers", "1"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    for key in ("scenario", "files", "resolved", "seed", "runs_requested", "runs_done", "complete",
                "version", "started", "finished", "seconds", "workers"):
        assert key in manifest, key
    assert manifest["complete"] is True and manifest["runs_done"] == 5
    summary = json.loads((out / "summary.json").read_text())
    assert summary["runs"] == 5 and summary["seed"] == 0 and summary["baseline"] == "usual"
    assert set(summary["arms"]) == {"usual", "support"}
    assert "mean" in summary["arms"]["usual"]["youths"]
    with open(out / "occupancy.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["arm", "track", "state", "month", "mean", "sd", "p05", "p50", "p95"]
    assert {row["month"] for row in rows} == {str(m) for m in range(25)}
    with open(out / "replications.csv", newline="") as handle:
        replications = list(csv.DictReader(handle))
    assert len(replications) == 5 and "effect" in replications[0]


def test_bad_command_line_values_exit_2_without_a_traceback(scenario_file, capsys):
    assert main(["run", str(scenario_file), "--runs", "0"]) == 2
    assert "--runs" in capsys.readouterr().err
