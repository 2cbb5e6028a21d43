"""`simulator compare` through the real command line: three small finished runs side by side,
and the folders it refuses."""
from __future__ import annotations

import csv
import json
import shutil

import pytest

from simulator import api
from simulator.cli import main
from tests.support import SMALL_RUN

pytestmark = pytest.mark.end_to_end

VARIANTS = {  # three scenarios that differ in one term, as variants made with `extends` would
    "sceptical": SMALL_RUN.replace("name: small", "name: small, sceptical").replace("cap: 500000", "cap: 200000"),
    "central": SMALL_RUN.replace("name: small", "name: small, central"),
    "optimistic": SMALL_RUN.replace("name: small", "name: small, optimistic").replace("rate: 2,", "rate: 3,"),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("compare")
    folders = []
    for name, text in VARIANTS.items():
        path = root / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        folders.append(api.run(path, root / name, runs=6, workers=1).path)
    return folders


def compared(runs, out, *options) -> int:
    return main(["compare", *map(str, runs), "--out", str(out), *options])


def test_the_csv_holds_each_runs_headline_numbers_exactly_as_its_summary(runs, tmp_path, capsys):
    assert compared(runs, tmp_path / "out") == 0
    assert "compare.csv" in capsys.readouterr().out
    rows = list(csv.DictReader(open(tmp_path / "out" / "compare.csv", encoding="utf-8")))
    for folder in runs:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        mine = [row for row in rows if row["run"] == folder.name]
        contract = summary["contracts"]["deal"]
        for row in mine:
            if row["kind"] == "contract":
                source = contract[row["measure"]]
                expected = source if row["statistic"] == "value" else source[row["statistic"]]
            else:
                department = row["measure"].removeprefix("position_after_contracts.")
                expected = summary["arms"][row["name"]]["position_after_contracts"][department][row["statistic"]]
            assert float(row["value"]) == expected, row
        measures = {(row["measure"], row["statistic"]) for row in mine}
        for needed in [("p_full_repayment", "value"), ("payments_discounted", "mean"), ("payments_discounted", "p05"),
                       ("payments_discounted", "p95"), ("payer_net", "mean"), ("p_fund_exhausted", "value"),
                       ("outcome_fund_draw", "mean"), ("null_effect_payments", "mean"),
                       ("position_after_contracts.total", "mean"), ("position_after_contracts.total", "p_negative"),
                       ("position_after_contracts.municipality.social", "mean")]:
            assert needed in measures, needed
        units = {row["measure"]: row["unit"] for row in mine if row["statistic"] in ("mean", "value")}
        assert units["p_full_repayment"] == "probability" and units["payments_discounted"] == "DKK, discounted"
        assert units["outcome_fund_draw"] == "DKK, nominal"
    assert {row["run"] for row in rows} == {"sceptical", "central", "optimistic"}


@pytest.mark.parametrize("lang, title", [("en", "Runs compared"), ("da", "Kørsler sammenlignet")])
def test_the_html_names_every_run_in_a_table_with_a_figure(runs, tmp_path, lang, title):
    assert compared(runs, tmp_path / lang, "--lang", lang) == 0
    html = (tmp_path / lang / "compare.html").read_text(encoding="utf-8")
    assert title in html and "<table>" in html and "data:image/png;base64," in html
    for folder, name in zip(runs, VARIANTS):
        assert f"<th>{folder.name}</th>" in html and f"small, {name}" in html
    assert "<link" not in html and "<script" not in html and "Traceback" not in html


def one_line_error(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err, captured.err
    return lines[0]


def test_an_unfinished_run_is_refused(runs, tmp_path, capsys):
    unfinished = tmp_path / "unfinished"
    shutil.copytree(runs[0], unfinished)
    manifest = json.loads((unfinished / "manifest.json").read_text(encoding="utf-8"))
    manifest.update(complete=False, runs_done=3)
    (unfinished / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert compared([runs[1], unfinished], tmp_path / "out") == 2
    line = one_line_error(capsys)
    assert line.startswith(f"{unfinished / 'manifest.json'}: complete: expected a finished run")
    assert "3 of 6 replications" in line and "--resume" in line
    assert not (tmp_path / "out").exists(), "nothing is written when a folder is refused"


def test_a_folder_without_summary_or_manifest_is_refused(runs, tmp_path, capsys):
    no_summary = tmp_path / "no-summary"
    shutil.copytree(runs[0], no_summary)
    (no_summary / "summary.json").unlink()
    assert compared([runs[1], no_summary], tmp_path / "out") == 2
    assert "no summary.json" in one_line_error(capsys)
    assert compared([runs[1], tmp_path / "nowhere"], tmp_path / "out") == 2
    assert one_line_error(capsys) == (f"{tmp_path / 'nowhere'}: expected a results folder written by simulator "
                                      "run, found no such folder")


def test_an_out_that_is_a_file_is_refused(runs, tmp_path, capsys):
    (tmp_path / "taken").write_text("", encoding="utf-8")
    assert compared(runs, tmp_path / "taken") == 2
    assert "a folder for the results (--out)" in one_line_error(capsys)
