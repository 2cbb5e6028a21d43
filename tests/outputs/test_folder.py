"""The results folder: atomic writes, the chunk format, clearing, reading back, and one owner.

Exact tests on hand-made records; the stored strings are checked literally, because an old
folder must still `--resume`.
"""
from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import simulator
from simulator.language.errors import ScenarioError
from simulator.outputs import folder as folder_module
from simulator.outputs.folder import (CHUNKS_DIR, FIGURES_DIR, REPLICATION, RESULT_FILES, ContractKeys,
                                      ResultsFolder, format_cell, parse_cell, stack_records, write_atomically,
                                      write_csv, write_json)

pytestmark = pytest.mark.exact

PACKAGE = Path(simulator.__file__).parent


def chunk(replications: list[int]) -> dict[str, np.ndarray]:
    """Records of some replications: a fixed-shape array and a table with one row per replication."""
    records = [{"youths": np.array([float(r), 2.0 * r]), "table_units0": np.array([[r, 10.0 * r]])}
               for r in replications]
    return stack_records(records, replications)


def test_the_record_keys_are_the_stored_strings():
    keys = ContractKeys(3)
    assert (keys.youths, keys.metrics, keys.payers, keys.cash, keys.units) == (
        "contract3_youths", "contract3_metrics", "contract3_payers", "contract3_cash", "table_units3")


def test_chunks_read_back_in_replication_order_whatever_order_they_were_written(tmp_path):
    folder = ResultsFolder(tmp_path)
    folder.write_chunk([4, 5], chunk([4, 5]))
    folder.write_chunk([0, 1, 2, 3], chunk([0, 1, 2, 3]))
    assert [path.name for path in folder.chunk_files()] == ["chunk-0000000-0000003-4.npz",
                                                            "chunk-0000004-0000005-2.npz"]
    assert folder.completed_replications() == set(range(6))
    records = folder.records()
    np.testing.assert_array_equal(records[REPLICATION], np.arange(6))
    np.testing.assert_array_equal(records["youths"][:, 1], 2.0 * np.arange(6))
    np.testing.assert_array_equal(records["table_units0"], [[r, r, 10.0 * r] for r in range(6)])
    assert "table_units0" not in folder.records(tables=False)
    halved = folder.records(reduce=lambda part: {REPLICATION: part[REPLICATION], "half": part["youths"] / 2})
    assert set(halved) == {REPLICATION, "half"}
    assert ResultsFolder(tmp_path / "empty").records() is None
    assert not list(tmp_path.rglob("*.tmp"))


def test_gather_places_each_chunks_rows_in_replication_order_even_when_chunks_interleave(tmp_path):
    """After --resume a chunk may hold replications on both sides of another's (3, 4, 7, 8 and 5, 6)."""
    folder = ResultsFolder(tmp_path)
    folder.write_chunk([5, 6], chunk([5, 6]))
    folder.write_chunk([0, 1, 2], chunk([0, 1, 2]))
    folder.write_chunk([3, 4, 7, 8], chunk([3, 4, 7, 8]))
    assert folder.stored_runs == 9
    np.testing.assert_array_equal(folder.gather(lambda data: data["youths"][:, 1]), 2.0 * np.arange(9))
    np.testing.assert_array_equal(folder.gather(lambda data: data[REPLICATION], rows=(4, 8)), [4, 5, 6, 7])
    assert ResultsFolder(tmp_path / "empty").gather(lambda data: data[REPLICATION]) is None


def test_a_csv_column_is_read_when_asked_for(tmp_path):
    write_csv(tmp_path / "replications.csv", ["replication", "x"], [["0", "1.5"], ["1", ""]])
    columns = ResultsFolder(tmp_path).replications
    assert list(columns) == ["replication", "x"] and "y" not in columns
    np.testing.assert_array_equal(columns["x"], [1.5, np.nan])
    write_csv(tmp_path / "empty" / "replications.csv", ["replication", "x"], [])
    assert not ResultsFolder(tmp_path / "empty").replications


def test_a_failed_write_leaves_the_old_file_whole(tmp_path):
    path = write_json(tmp_path / "summary.json", {"runs": 10})

    def crash(temporary: Path) -> None:
        temporary.write_text('{"runs": ', encoding="utf-8")
        raise OSError("disk full")

    with pytest.raises(ScenarioError, match="summary.json: expected a file that can be written, found disk full"):
        write_atomically(path, crash)
    assert path.read_text(encoding="utf-8") == '{\n  "runs": 10\n}'
    assert not list(tmp_path.glob("*.tmp"))


def test_clear_removes_what_a_run_wrote_and_nothing_else(tmp_path):
    folder = ResultsFolder(tmp_path / "out")
    folder.write_chunk([0], chunk([0]))
    for name in RESULT_FILES:
        write_csv(folder.file(name), ["x"], [[1]])
    folder.figure("who gains").parent.mkdir()
    folder.figure("who gains").write_bytes(b"png")
    (folder.path / "notes.txt").write_text("mine", encoding="utf-8")
    folder.clear()
    assert sorted(p.name for p in folder.path.iterdir()) == ["notes.txt"]
    ResultsFolder(tmp_path / "new").clear()
    assert (tmp_path / "new").is_dir()


def test_the_manifest_reads_as_last_written_and_a_broken_one_as_none(tmp_path):
    folder = ResultsFolder(tmp_path)
    assert folder.manifest == {}
    folder.write_manifest({"runs_done": 3})
    assert folder.manifest == {"runs_done": 3} == ResultsFolder(tmp_path).manifest
    folder.file("manifest.json").write_text("{broken", encoding="utf-8")
    assert ResultsFolder(tmp_path).manifest == {}


def test_a_folder_without_a_summary_or_a_manifest_is_a_clear_error(tmp_path):
    with pytest.raises(ScenarioError, match="summary.json"):
        ResultsFolder(tmp_path).summary
    with pytest.raises(ScenarioError, match="manifest.json"):
        ResultsFolder(tmp_path).scenario()


def test_csv_cells_round_trip():
    assert [format_cell(v) for v in (3.0, -2.0, 0.1, np.nan, 1e15)] == [
        "3", "-2", "0.1", "", "1000000000000000.0"]
    assert [parse_cell(c) for c in ("3", "0.1", "", None)] == [3.0, 0.1, None, None]
    value = 1 / 3
    assert parse_cell(format_cell(value)) == value


def test_figures_are_named_safely():
    folder = ResultsFolder("out")
    assert folder.figure("cash_flow_bond 2/ø") == Path("out") / FIGURES_DIR / "cash_flow_bond_2_.png"


def test_only_the_folder_module_names_a_file_in_a_results_folder():
    """No other module holds a results-folder file name as a string: each asks folder.py for it."""
    names = set(RESULT_FILES) | {CHUNKS_DIR, FIGURES_DIR}
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == Path(folder_module.__file__):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in names:
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {node.value!r}")
    assert not offenders, "\n".join(offenders)
