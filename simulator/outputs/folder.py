"""The results folder: its layout, its file formats, and reading it back. Nothing else builds a path in it.

    manifest.json     what was run (the resolved scenario, seed, sha256 of every file) and how far
    chunks/           the replications' records, one .npz per chunk: what --resume and sweep read
    summary.json, occupancy.csv, money.csv, contracts.csv, replications.csv   (outputs/results.py)
    report.html, summary.xlsx, figures/                                       (outputs/report.py)
    sweep.csv, sensitivity.csv, sobol.csv, metamodel.csv  (`simulator sweep`, `simulator sensitivity`)
    voi.csv  (`simulator voi`)
    compare.csv, compare.html, figures/compare.png        (`simulator compare`, in a folder of its own)

Every file is written under a temporary name and then renamed, so a crash never leaves half a
file; a chunk is also flushed to disk before its rename, and the manifest keeps each chunk's sha256,
so that --resume notices a chunk damaged on disk since. A file that cannot be written (a full disk,
a read-only mount, no permission) is a `ScenarioError` naming it, and leaves nothing behind.
The chunk format and the record keys are stored: a key never changes meaning, and the manifest's
`records_format` says which keys a folder's chunks hold (a run does not resume, nor a sweep
re-price, a folder of another format). This module decides nothing about what the numbers are:
runner.py schedules the replications, records.py makes the records, results.py the summaries.
"""
from __future__ import annotations

import contextlib
import csv
import errno
import hashlib
import io
import json
import math
import os
import re
import shutil
import tempfile
import zipfile
from array import array
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

import numpy as np

from simulator.language.errors import Issue, ScenarioError
from simulator.language.loading import load_resolved
from simulator.language.scenario import Scenario

# --- The files --------------------------------------------------------------------------------------

MANIFEST_JSON = "manifest.json"
CHUNKS_DIR = "chunks"
SUMMARY_JSON = "summary.json"
OCCUPANCY_CSV = "occupancy.csv"
MONEY_CSV = "money.csv"
CONTRACTS_CSV = "contracts.csv"
REPLICATIONS_CSV = "replications.csv"
REPORT_HTML = "report.html"
REPORT_DA_HTML = "report.da.html"  # `--lang da`: beside the English report, never over it
WORKBOOK_XLSX = "summary.xlsx"
WORKBOOK_DA_XLSX = "summary.da.xlsx"
REPORTS = {"en": REPORT_HTML, "da": REPORT_DA_HTML}  # by language
WORKBOOKS = {"en": WORKBOOK_XLSX, "da": WORKBOOK_DA_XLSX}
FIGURES_DIR = "figures"
SWEEP_CSV = "sweep.csv"
SENSITIVITY_CSV = "sensitivity.csv"
SOBOL_CSV = "sobol.csv"
COMPARE_CSV = "compare.csv"  # `simulator compare`, in its own --out folder: never cleared by a run
COMPARE_HTML = "compare.html"
METAMODEL_CSV = "metamodel.csv"  # first-order variance shares from the stored runs
VOI_CSV = "voi.csv"  # `simulator voi`: the value of resolving each parameter before deciding
POSTERIOR_CSV = "posterior.csv"  # `simulator calibrate`, in its own --out folder: one row per weighted draw
CALIBRATION_JSON = "calibration.json"
CALIBRATION_HTML = {"en": "calibration.html", "da": "calibration.da.html"}  # by language
CHUNK_SHA256 = "chunk_sha256"  # the manifest's {chunk file name: sha256 of its bytes}
RESULT_FILES = (MANIFEST_JSON, SUMMARY_JSON, OCCUPANCY_CSV, MONEY_CSV, CONTRACTS_CSV, REPLICATIONS_CSV,
                REPORT_HTML, REPORT_DA_HTML, WORKBOOK_XLSX, WORKBOOK_DA_XLSX, SWEEP_CSV, SENSITIVITY_CSV,
                SOBOL_CSV, METAMODEL_CSV, VOI_CSV)  # what a new run clears

# --- The records: a replication's arrays; a chunk stacks them along a first, replication axis -------

REPLICATION = "replication"  # (R,) the replications' numbers
PARAMETERS = "parameters"  # (R, uncertain parameters): their draws, in `Layout.parameters` order
YOUTHS = "youths"  # (R, arms)
OCCUPANCY = "occupancy"  # (R, arms, (track, state) rows, months 0 … months), float32
WAIT_MONTHS = "wait_months"  # (R, arms, resources): mean wait of the served requests
COST = "cost"  # (R, arms, departments, months, nominal | discounted)
POSITION = "position"  # (R, arms, departments, years, nominal | discounted): `money.accounts.positions`
RECORDS_FORMAT = 3  # the manifest's `records_format`: 2 added each contract's savings and the positions,
# 3 the null-effect payments and the deadweight share (contract metric columns 14 and 15)
TABLE = "table_"  # a table of one row per event: rows vary, a chunk adds the replication as column 0


@dataclass(frozen=True)
class ContractKeys:
    """The record keys of a contract, by its position in the scenario (its name is the user's and
    may be anything, so it is never part of a key)."""

    index: int

    @property
    def youths(self) -> str:
        """(R, 1): youths the contract counts."""
        return f"contract{self.index}_youths"

    @property
    def metrics(self) -> str:
        """(R, recorded metrics): the per-replication results, a column per `metrics.recorded()`."""
        return f"contract{self.index}_metrics"

    @property
    def payers(self) -> str:
        """(R, payers): each payer's discounted payments."""
        return f"contract{self.index}_payers"

    @property
    def cash(self) -> str:
        """(R, 2, months + 1): cumulative cash flow of the payers and of the investor."""
        return f"contract{self.index}_cash"

    @property
    def savings(self) -> str:
        """(R, payers, months, nominal | discounted): the payers' savings on the contract's youths."""
        return f"contract{self.index}_savings"

    @property
    def units(self) -> str:
        """The outcome units table that a sweep re-prices (`records.units_table`)."""
        return f"{TABLE}units{self.index}"


def stack_records(records: list[dict[str, np.ndarray]], replications: list[int]) -> dict[str, np.ndarray]:
    """Records of consecutive work stacked along a first, replication axis (tables gain a column)."""
    stacked: dict[str, np.ndarray] = {REPLICATION: np.asarray(replications, dtype=np.int64)}
    for key in records[0]:
        if key.startswith(TABLE):
            stacked[key] = np.concatenate([
                np.column_stack([np.full(len(r[key]), rep, dtype=float), r[key]])
                for rep, r in zip(replications, records)]) if records else np.zeros((0, 1))
        else:
            stacked[key] = np.stack([r[key] for r in records])
    return stacked


def concatenate_records(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Chunks joined and put in replication order, whatever order they finished in."""
    joined = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
    order = np.argsort(joined[REPLICATION], kind="stable")
    result = {}
    for key, value in joined.items():
        if key.startswith(TABLE):
            result[key] = value[np.argsort(value[:, 0], kind="stable")] if len(value) else value
        else:
            result[key] = value[order]
    return result


# --- Cells of the CSV files -----------------------------------------------------------------------


def format_cell(value: float) -> str:
    """A number as the result CSVs write it: empty when missing (NaN), whole numbers without a
    decimal point, others with every digit (`repr`)."""
    value = float(value)
    if math.isnan(value):  # math, not numpy: a million cells in replications.csv at 10,000 runs
        return ""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def parse_cell(text: str | None) -> float | None:
    """The number in a CSV cell; None when it is empty (missing)."""
    return None if text in (None, "") else float(text)


def column_name(*parts: str) -> str:
    """A column of replications.csv: `contract@metric`, `parameter@arm`, `cost@arm@department`."""
    return "@".join(parts)


# --- Writing a file whole or not at all ---------------------------------------------------------------


def write_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """Let `write` fill a temporary file beside `path`, then rename it to `path`; returns `path`.

    When that fails, the temporary file goes and `path` is as it was; an OSError (a full disk, a
    read-only mount, no permission) becomes a ScenarioError naming the file.
    """
    temporary = path.with_name(path.name + ".tmp")
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            write(temporary)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
            raise
    return path


@contextlib.contextmanager
def writing(path: Path, expected: str = "a file that can be written") -> Iterator[None]:
    """Turn an OSError met while writing `path` into a one-line ScenarioError that says why."""
    try:
        yield
    except OSError as error:
        raise ScenarioError([Issue(str(path), "", expected, _why(error, path))]) from None


def _why(error: OSError, path: Path) -> str:
    """What went wrong, in the operating system's words: "no space left on device"."""
    reason = error.strerror or str(error) or type(error).__name__
    reason = reason[:1].lower() + reason[1:]
    if error.errno == errno.ENOSPC:
        reason += " (the disk is full)"
    elif error.errno == errno.ENOTDIR:
        reason += " (a parent is a file)"
    named = os.fsdecode(error.filename) if isinstance(error.filename, (str, bytes)) else ""
    if named and Path(named) not in (path, path.with_name(path.name + ".tmp")):
        reason += f": {named}"
    return reason


def write_json(path: Path, data: Any) -> Path:
    text = json.dumps(data, indent=2, default=_json_value)
    return write_atomically(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def write_text(path: Path, text: str) -> Path:
    return write_atomically(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def write_csv(path: Path, header: list[str], rows: Iterable[list]) -> Path:
    """A CSV file (cells as given: format numbers with `format_cell` first where that matters).

    The rows go to the file as they come, so a generator of rows keeps memory flat however many.
    """
    def write(temporary: Path) -> None:
        with open(temporary, "w", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)

    return write_atomically(path, write)


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> str:
    """Arrays in one .npz, on disk (flushed and synced) before it takes its name; returns the
    sha256 of its bytes."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    data = buffer.getvalue()
    write_atomically(path, lambda temporary: _write_synced(temporary, data))
    return hashlib.sha256(data).hexdigest()


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _json_value(value: Any) -> Any:
    """What json.dumps cannot write itself: numpy numbers and arrays, dates."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _open_whole_chunk(path: Path, sha256: str | None) -> Any:
    """The chunk at `path`, open, if its bytes have `sha256` or (when None) all read back; else raises."""
    data = path.read_bytes()
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(f"{path.name} has changed since it was written")
    chunk = np.load(io.BytesIO(data))
    if sha256 is None:
        try:
            for key in chunk.files:
                chunk[key]  # reading a whole array checks its zip CRC
        except BaseException:
            chunk.close()
            raise
    return chunk


def _chunk_replications(name: str) -> str:
    """The replications a chunk file holds, from its name: "replications 4-7" (or "… 4-9, 5 of them")."""
    match = re.fullmatch(r"chunk-(\d+)-(\d+)-(\d+)\.npz", name)
    if not match:
        return "its replications"
    first, last, count = (int(group) for group in match.groups())
    span = f"replication {first}" if first == last else f"replications {first}-{last}"
    return span if count == last - first + 1 else f"{span} ({count} of them)"


def _read_rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


class _Columns(Mapping[str, np.ndarray]):
    """A CSV file of numbers by column, missing values NaN; each column is parsed when first asked
    for and then kept, so that one column of a large replications.csv does not hold the table."""

    def __init__(self, path: Path):
        self._path = path
        self._parsed: dict[str, np.ndarray] = {}
        header: list[str] = []
        if path.exists():
            with open(path, newline="", encoding="utf-8") as handle:
                reader = csv.reader(handle)
                header = next(reader, [])
                if next(reader, None) is None:
                    header = []  # no rows: no columns, as an empty table
        self._header = header

    def __getitem__(self, key: str) -> np.ndarray:
        if key not in self._parsed:
            if key not in self._header:
                raise KeyError(key)
            column = self._header.index(key)
            with open(self._path, newline="", encoding="utf-8") as handle:
                reader = csv.reader(handle)
                next(reader)
                values = array("d", (float(row[column]) if row[column] != "" else np.nan for row in reader))
            self._parsed[key] = np.array(values, dtype=float)
        return self._parsed[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._header)

    def __len__(self) -> int:
        return len(self._header)


# --- The folder -------------------------------------------------------------------------------------


class ResultsFolder:
    """One results folder: where each file is, writing it, and what a finished run left in it.

    The files are read when first asked for and then kept (the manifest is kept as last written):
    open the folder again to see what another process wrote since. A file that is absent reads as
    empty, except summary.json, without which there is nothing to report.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"ResultsFolder({str(self.path)!r})"

    def file(self, name: str) -> Path:
        """The path of one of the files named above."""
        return self.path / name

    def figure(self, name: str) -> Path:
        """figures/NAME.png, with what a file name may not hold replaced by `_`."""
        return self.path / FIGURES_DIR / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"

    def check_not_a_file(self) -> None:
        """Raises ScenarioError when the folder's path is a file (or anything but a folder)."""
        if self.path.exists() and not self.path.is_dir():
            raise ScenarioError([Issue(str(self.path), "", "a folder for the results (--out)", "a file")])

    def clear(self) -> None:
        """Remove what a previous run wrote, and only that; the folder exists afterwards.

        Raises ScenarioError, having removed nothing, when the path is a file or the folder
        cannot be created or written.
        """
        self.check_not_a_file()
        with writing(self.path, "a folder that can be created and written"):
            self.path.mkdir(parents=True, exist_ok=True)
            if not os.access(self.path, os.W_OK | os.X_OK):  # before anything is removed
                read_only = hasattr(os, "statvfs") and os.statvfs(self.path).f_flag & os.ST_RDONLY
                code = errno.EROFS if read_only else errno.EACCES
                raise OSError(code, os.strerror(code))
            for name in os.listdir(self.path):
                path = self.path / name
                if name in (CHUNKS_DIR, FIGURES_DIR) and path.is_dir():
                    shutil.rmtree(path)
                elif path.is_file() and (name in RESULT_FILES or name.startswith("replications.")):
                    path.unlink()

    # --- the manifest

    @cached_property
    def manifest(self) -> dict:
        """manifest.json; empty when there is none or it cannot be read."""
        path = self.file(MANIFEST_JSON)
        if not path.exists():
            return {}
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return {}

    def label(self, kind: str, id: str, lang: str) -> str:
        """What a reader sees for an id of the scenario: its label in `lang`, from the resolved
        scenario in the manifest, else the id. `kind`: department (a party outside the public
        accounts too), contract, arm or parameter."""
        from simulator.language.labels import Label

        resolved = self.manifest.get("resolved") or {}
        economics = resolved.get("economics") or {}
        parties = {}  # departments and parties outside the accounts, where written with labels
        for key in ("outside", "departments"):
            if isinstance(economics.get(key), dict):
                parties.update(economics[key])
        section = {"department": parties,
                   "contract": resolved.get("contracts"), "arm": resolved.get("arms"),
                   "parameter": resolved.get("parameters")}[kind]
        raw = section.get(id) if isinstance(section, dict) else None
        label = Label.of(id, raw.get("label") if isinstance(raw, dict) else None)
        if kind == "arm" and not label.texts and SUMMARY_JSON in os.listdir(self.path):
            return self.summary.get("arms", {}).get(id, {}).get("label") or id  # an older folder
        return label.get(lang)

    def write_manifest(self, manifest: dict) -> None:
        write_json(self.file(MANIFEST_JSON), manifest)
        vars(self)["manifest"] = manifest  # what `manifest` gives from now on

    def scenario(self) -> Scenario:
        """The resolved scenario the manifest keeps (the scenario files themselves are not needed)."""
        if not self.manifest:
            raise ScenarioError([Issue(str(self.path), "", "a results folder with manifest.json", "none")])
        return load_resolved(self.manifest["resolved"], self.manifest.get("files", {}),
                             str(self.file(MANIFEST_JSON)))

    # --- the chunks

    def write_chunk(self, replications: list[int], records: dict[str, np.ndarray]) -> tuple[str, str]:
        """A chunk on disk; returns its file name and sha256, for the manifest's CHUNK_SHA256."""
        name = f"chunk-{replications[0]:07d}-{replications[-1]:07d}-{len(replications)}.npz"
        return name, write_npz(self.path / CHUNKS_DIR / name, records)

    def chunk_files(self) -> list[Path]:
        folder = self.path / CHUNKS_DIR
        return sorted(folder.glob("chunk-*.npz")) if folder.exists() else []

    def completed_replications(self) -> set[int]:
        """The replications of the whole chunks; a damaged chunk raises (see `_read_chunks`)."""
        done: set[int] = set()
        for part in self._read_chunks(lambda data: {REPLICATION: data[REPLICATION]}):
            done.update(int(r) for r in part[REPLICATION])
        return done

    def records(self, tables: bool = True,
                reduce: Callable[[dict], dict] | None = None) -> dict[str, np.ndarray] | None:
        """Every stored replication's records, in replication order (None if there are none).

        The outcome-unit tables are the bulk of a chunk and only a sweep needs them: `tables=False`
        leaves them out. `reduce` maps each chunk's records to what the caller needs before the
        chunks are joined, so memory holds only that.
        """
        def read(data: Any) -> dict:
            part = {key: data[key] for key in data.files if tables or not key.startswith(TABLE)}
            return reduce(part) if reduce else part

        parts = self._read_chunks(read)
        return concatenate_records(parts) if parts else None

    @property
    def stored_runs(self) -> int:
        """How many replications the whole chunks hold (a damaged chunk raises, see `_read_chunks`)."""
        return self._places[1]

    def gather(self, read: Callable[[Any], np.ndarray], rows: tuple[int, int] | None = None) -> np.ndarray | None:
        """`read` of every stored chunk (an open .npz to an array with its replications along a
        first axis), placed in replication order; None when no replication is stored.

        Memory holds the result and one chunk's part, never all the chunks: read a column, or a
        block of columns, at a time (`outputs.statistics.statistics_by_blocks`). `rows`
        (start, stop) asks for those places of the order only, and reads only the chunks with one.
        """
        places, total = self._places
        start, stop = rows or (0, total)
        gathered = None
        for path, place in places:
            if place.max() < start or place.min() >= stop:
                continue
            inside = (place >= start) & (place < stop)
            with np.load(path) as chunk:
                part = np.asarray(read(chunk))
            if gathered is None:
                gathered = np.empty((stop - start, *part.shape[1:]), dtype=part.dtype)
            gathered[place[inside] - start] = part[inside]
        return gathered

    @contextlib.contextmanager
    def by_columns(self, read: Callable[[Any], np.ndarray], rows_per_pass: int
                   ) -> Iterator[Callable[[slice], np.ndarray]]:
        """Yields `block(columns)`: those columns of `read` (flattened to one row of float64 per
        replication) over every stored replication, in replication order, as (runs, width).

        On entering, `read` of every chunk is spilled, `rows_per_pass` rows at a time, to a scratch
        file in the folder, column after column; a block of columns is then one read of it,
        however many the blocks. (`gather` reads every chunk again for each block.) The file is
        anonymous: it goes when the block is left, or the process ends.
        """
        runs = self.stored_runs

        def flat(chunk: Any) -> np.ndarray:
            values = np.asarray(read(chunk), dtype=float)
            return values.reshape(len(values), -1)

        with writing(self.path, "a folder with room for a scratch file"), \
                tempfile.TemporaryFile(dir=self.path) as scratch:
            for start in range(0, runs, rows_per_pass):
                rows = self.gather(flat, rows=(start, min(runs, start + rows_per_pass)))
                for column in range(rows.shape[1]):
                    os.pwrite(scratch.fileno(), rows[:, column].tobytes(), 8 * (column * runs + start))
                del rows

            def block(columns: slice) -> np.ndarray:
                values = np.empty((columns.stop - columns.start, runs))
                scratch.seek(8 * columns.start * runs)
                if scratch.readinto(memoryview(values).cast("B")) != values.nbytes:
                    raise OSError(errno.EIO, "a short read of the scratch file")
                return np.ascontiguousarray(values.T)

            yield block

    @cached_property
    def _places(self) -> tuple[list[tuple[Path, np.ndarray]], int]:
        """Each whole chunk and where its replications fall in replication order, and how many
        there are; every chunk is checked once, here."""
        paths = self.chunk_files()
        numbers = [part[REPLICATION] for part in self._read_chunks(lambda data: {REPLICATION: data[REPLICATION]})]
        order = np.sort(np.concatenate(numbers)) if numbers else np.zeros(0, dtype=np.int64)
        return [(path, np.searchsorted(order, number)) for path, number in zip(paths, numbers)], len(order)

    def _read_chunks(self, read: Callable[[Any], dict]) -> list[dict]:
        """`read` applied to each chunk (an open .npz), once every chunk is known to be whole.

        A chunk is whole when its bytes have the sha256 the manifest recorded for it; one the
        manifest does not list (an older folder, or a crash between the chunk and the manifest)
        when every array in it reads back with its zip CRC. Raises one ScenarioError naming each
        damaged chunk and its replications: those, and only those, are run again by --resume once
        the file is deleted. Nothing is deleted here: a finished chunk is never thrown away.
        """
        recorded = self.manifest.get(CHUNK_SHA256) or {}
        parts, damaged = [], []
        for path in self.chunk_files():
            try:
                chunk = _open_whole_chunk(path, recorded.get(path.name))
            except (OSError, ValueError, EOFError, zipfile.BadZipFile):
                damaged.append(Issue(str(path), "", "the chunk as it was written",
                                     f"a truncated or changed file (it held {_chunk_replications(path.name)}): "
                                     "delete it and run again with --resume to re-run just those"))
                continue
            with chunk:
                if not damaged:
                    parts.append(read(chunk))
        if damaged:
            raise ScenarioError(damaged)
        return parts

    # --- the result files, read back

    @cached_property
    def summary(self) -> dict:
        """summary.json; raises ScenarioError when there is none (no finished run to report)."""
        path = self.file(SUMMARY_JSON)
        if not path.exists():
            raise ScenarioError([Issue(str(self.path), "", "a results folder with summary.json "
                                       "(made by simulator run)", "no summary.json")])
        return json.loads(path.read_text(encoding="utf-8"))

    @cached_property
    def occupancy(self) -> list[dict[str, str]]:
        return _read_rows(self.file(OCCUPANCY_CSV))

    @cached_property
    def money(self) -> list[dict[str, str]]:
        return _read_rows(self.file(MONEY_CSV))

    @cached_property
    def contracts(self) -> list[dict[str, str]]:
        return _read_rows(self.file(CONTRACTS_CSV))

    @cached_property
    def replications(self) -> Mapping[str, np.ndarray]:
        """replications.csv by column, missing values NaN (each column read when first asked for)."""
        return _Columns(self.file(REPLICATIONS_CSV))

    @cached_property
    def sensitivity(self) -> list[dict[str, str]]:
        return _read_rows(self.file(SENSITIVITY_CSV))

    @cached_property
    def sobol(self) -> list[dict[str, str]]:
        return _read_rows(self.file(SOBOL_CSV))

    @cached_property
    def metamodel(self) -> list[dict[str, str]]:
        return _read_rows(self.file(METAMODEL_CSV))

    @cached_property
    def voi(self) -> list[dict[str, str]]:
        return _read_rows(self.file(VOI_CSV))
