"""Monte Carlo replications, run in chunks on local processes or a Dask cluster, kept on disk as they finish.

Replication r depends only on (seed, r), so the numbers are the same whatever the number of
workers, the scheduler, or how often a run was interrupted and resumed. Each finished chunk is
written into the results folder (`outputs/folder.py`, which owns its files and formats); the
manifest is written first with `complete: false` and rewritten after each chunk. Nothing is
aggregated until every replication is on disk, and then always in replication order.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from simulator import __version__
from simulator.outputs.records import Layout, record_replications
from simulator.engine.model import simulate, simulate_continued
from simulator.engine.sampling import JointDraws
from simulator.language.observed import Observed
from simulator.language.errors import Issue, ScenarioError
from simulator.language.scenario import Scenario
from simulator.outputs.folder import CHUNK_SHA256, MANIFEST_JSON, RECORDS_FORMAT, ResultsFolder
from simulator.parallel import Workers, collector_paused
from simulator.progress import Advance, progress


@dataclasses.dataclass(frozen=True)
class RunOptions:
    runs: int = 1000
    seed: int = 0
    workers: int | None = None  # None: every core
    scheduler: str | None = None  # a Dask scheduler address, tcp://HOST:PORT
    resume: bool = False
    force: bool = False
    chunk_size: int | None = None  # None: chosen from runs and workers
    progress: bool = False
    overrides: tuple[tuple[str, float], ...] = ()  # parameters fixed at a value (sensitivity)
    joint: JointDraws | None = None  # weighted joint draws of some parameters (a posterior)
    observed: Observed | None = None  # a forecast: the observed youths continued from the cut-off


def simulate_chunk(scenario: Scenario, seed: int, replications: list[int], runs: int,
                   overrides: tuple[tuple[str, float], ...] = (), joint: JointDraws | None = None,
                   observed: Observed | None = None) -> dict:
    """The stacked records of some replications: the unit of work a worker does (with the cycle
    collector paused, `parallel.collector_paused`)."""
    with collector_paused():
        made = simulate(scenario, seed, replications, runs, dict(overrides), joint) if observed is None \
            else simulate_continued(scenario, observed, seed, replications, runs, joint)
        return record_replications(scenario, Layout.of(scenario), made)


def run(scenario: Scenario, out: Path, options: RunOptions, advance: Advance | None = None) -> dict:
    """Run (or complete) the replications of `scenario` into `out`; returns the final manifest.

    `advance`, when given, is told how many replications each finished chunk adds (a bar of the
    caller's, over several runs); otherwise `options.progress` shows a bar of this run's own.

    Raises ScenarioError when `out` holds another scenario's results or an interrupted run (unless
    `force`), when `resume` does not match what is on disk or finds a damaged chunk, and when a
    file cannot be written (a full disk, a read-only mount, no permission). Whatever stops it,
    every finished chunk and a valid manifest stay behind for `resume`.
    """
    folder = ResultsFolder(out)
    manifest, done = _prepare(scenario, folder, options)
    todo = [r for r in range(options.runs) if r not in done]
    chunks = _chunks(todo, options)
    started = time.monotonic()
    bar = (contextlib.nullcontext(advance) if advance else
           progress(options.runs, "replications", "rep", initial=len(done), shown=options.progress))
    with bar as step:
        for replications, records in _execute(scenario, chunks, options):
            with _saying_what_is_kept(folder, done, options.runs):
                name, sha256 = folder.write_chunk(replications, records)
                manifest.setdefault(CHUNK_SHA256, {})[name] = sha256
                done.update(replications)
                manifest["runs_done"] = len(done)
                folder.write_manifest(manifest)
            step(len(replications))
    manifest.update(runs_done=len(done), complete=len(done) == options.runs,
                    finished=_now(), seconds=round(manifest.get("seconds", 0.0)
                                                   + time.monotonic() - started, 3))
    with _saying_what_is_kept(folder, done, options.runs):
        folder.write_manifest(manifest)
    return manifest


@contextlib.contextmanager
def _saying_what_is_kept(folder: ResultsFolder, done: set[int], runs: int) -> Iterator[None]:
    """A file that cannot be written mid-run (say the disk fills) stops the run; its one-line
    message adds what is kept and how to go on."""
    try:
        yield
    except ScenarioError as error:
        kept = (f"; {len(done)} of {runs} replications are kept in {folder.path}: when it can be "
                f"written again, add --resume to complete them")
        raise ScenarioError([dataclasses.replace(issue, found=issue.found + kept)
                             for issue in error.issues]) from None


def _prepare(scenario: Scenario, folder: ResultsFolder, options: RunOptions) -> tuple[dict, set[int]]:
    """The manifest to run under and the replications already done: a fresh one and none, or
    what is on disk when resuming the same run. A folder it refuses is left as it was."""
    identity = {"scenario": scenario.name, "files": dict(scenario.files), "seed": options.seed,
                "runs_requested": options.runs, "overrides": dict(options.overrides),
                "records_format": RECORDS_FORMAT}
    if options.joint is not None:
        identity["posterior_sha256"] = options.joint.sha256
    if options.observed is not None:
        identity["observed"] = {"arm": options.observed.arm, "until": options.observed.until,
                                "sha256": options.observed.sha256}
    folder.check_not_a_file()
    existing = folder.manifest
    if existing:
        same = all(existing.get(key) == value for key, value in identity.items())
        if options.resume:
            if not same:
                raise ScenarioError([Issue(str(folder.file(MANIFEST_JSON)), "", _identity_text(identity),
                                           _identity_text(existing) + " (start afresh with --force instead of --resume)")])
            done = folder.completed_replications()  # raises for a damaged chunk
            existing.update(complete=False, started=existing.get("started") or _now())
            existing.update(_where(options))
            folder.write_manifest(existing)
            return existing, done
        if existing.get("files") != identity["files"] and not options.force:
            raise ScenarioError([Issue(str(folder.file(MANIFEST_JSON)), "", "an empty folder or results of "
                                       "this scenario (use --force to replace them, or --out)",
                                       "results of " + _identity_text(existing))])
        kept = existing.get("runs_done") or 0
        if not existing.get("complete") and kept and not options.force:
            raise ScenarioError([Issue(str(folder.path), "", "--resume to complete the interrupted run kept "
                                       "here, or --force to discard it and start afresh",
                                       f"an interrupted run with {kept} of {existing.get('runs_requested')} "
                                       "replications kept, and neither option")])
    elif options.resume and folder.path.exists() and any(folder.path.iterdir()):
        raise ScenarioError([Issue(str(folder.path), "", "a folder with a manifest.json to resume", "none")])
    folder.clear()
    manifest = {**identity, "resolved": scenario.resolved, "runs_done": 0, "complete": False,
                "version": __version__, "started": _now(), "finished": None, "seconds": 0.0,
                **_where(options), CHUNK_SHA256: {}}
    if options.joint is not None:  # the report says these were drawn from a posterior
        manifest["posterior_parameters"] = list(options.joint.names)
    folder.write_manifest(manifest)
    return manifest, set()


def _identity_text(manifest: dict) -> str:
    return (f"scenario {manifest.get('scenario')!r} (seed {manifest.get('seed')}, "
            f"{manifest.get('runs_requested')} runs, files {sorted(manifest.get('files') or {})}, "
            f"records format {manifest.get('records_format', 1)})")


def _where(options: RunOptions) -> dict:
    if options.scheduler:
        return {"scheduler": options.scheduler}
    return {"workers": options.workers or os.cpu_count() or 1}


def _chunks(todo: list[int], options: RunOptions) -> list[list[int]]:
    """The replications to do, cut into chunks: at most 50 so that an interruption loses little,
    then shrinking towards the end (a quarter of a worker's share of what is left, at least 4 so
    that overhead stays small) so that all workers finish at about the same time."""
    if options.chunk_size:
        return [todo[i:i + options.chunk_size] for i in range(0, len(todo), options.chunk_size)]
    workers = 8 if options.scheduler else (options.workers or os.cpu_count() or 1)
    chunks, start = [], 0
    while start < len(todo):
        size = max(4, min(50, (len(todo) - start) // (4 * workers)))
        chunks.append(todo[start:start + size])
        start += size
    return chunks


def _execute(scenario: Scenario, chunks: list[list[int]], options: RunOptions
             ) -> Iterator[tuple[list[int], dict]]:
    """Each chunk's records as it finishes, on this process, a process pool or a Dask cluster."""
    if not chunks:
        return
    with Workers(scenario, options.workers, options.scheduler) as workers:
        yield from workers.completed(_simulate_shared, chunks, options.seed, options.runs, options.overrides,
                                     options.joint, options.observed)


def _simulate_shared(scenario: Scenario, replications: list[int], seed: int, runs: int, overrides,
                     joint, observed) -> dict:
    """`simulate_chunk` in the order `Workers` calls its work (looked up when called, so a test
    can stand in for it)."""
    return simulate_chunk(scenario, seed, replications, runs, overrides, joint, observed)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")

