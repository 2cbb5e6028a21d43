"""Chunks of work on this process, a local process pool or a Dask cluster: one place for the
three, shared by `run` (and `forecast`) and `calibrate`.

What every chunk needs (the scenario and the like) is `shared`: handed to each pool worker once,
when it starts, and scattered once to a Dask cluster, not sent with every chunk. Results come back
as chunks finish; callers that need an order restore it from the chunk they are given with each.
"""
from __future__ import annotations

import contextlib
import gc
import os
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Callable, Iterator, Sequence

from simulator.language.errors import Issue, ScenarioError

Work = Callable[..., Any]  # work(shared, chunk, *arguments), a module-level function (it is pickled)


class Workers:
    """`with Workers(shared, workers, scheduler) as pool:` then `pool.completed(work, chunks, ...)`,
    as often as needed (calibration runs one round after another on the same pool)."""

    def __init__(self, shared: Any, workers: int | None = None, scheduler: str | None = None):
        self.shared, self.scheduler = shared, scheduler
        self.workers = workers or os.cpu_count() or 1  # local processes (with a scheduler: unused)
        self._pool: ProcessPoolExecutor | None = None
        self._client: Any = None

    def __enter__(self) -> "Workers":
        if self.scheduler:
            try:
                from distributed import Client
            except ImportError:
                raise ScenarioError([Issue("--scheduler", "", "Dask distributed installed "
                                           "(pip install 'simulator[dask]')", "it is missing")]) from None
            self._client = Client(self.scheduler, timeout="10s")
            self._scattered = self._client.scatter(self.shared, broadcast=True)
        elif self.workers > 1:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, initializer=_keep_shared,
                                             initargs=(self.shared,))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self._client is not None:
            self._client.close()

    @property
    def parallel(self) -> int:
        """How many chunks run at once, for sizing them (a cluster is taken as 8)."""
        return 8 if self._client is not None else self.workers

    def completed(self, work: Work, chunks: Sequence[Any], *arguments: Any) -> Iterator[tuple[Any, Any]]:
        """(chunk, work(shared, chunk, *arguments)) for every chunk, as each finishes. Closing the
        iterator early (an error, Ctrl-C) cancels the chunks not yet started."""
        if self._client is not None:
            from distributed import as_completed

            futures = {self._client.submit(work, self._scattered, chunk, *arguments, pure=False): chunk
                       for chunk in chunks}
            try:
                for future in as_completed(futures):
                    # forgotten once handed on, so that the cluster frees its result (memory stays flat)
                    yield futures.pop(future), future.result()
            finally:
                self._client.cancel(list(futures))
            return
        if self._pool is None:
            for chunk in chunks:
                yield chunk, work(self.shared, chunk, *arguments)
            return
        pending: dict[Future, Any] = {self._pool.submit(_with_shared, work, chunk, *arguments): chunk
                                      for chunk in chunks}
        try:
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    yield pending.pop(future), future.result()
        finally:
            for future in pending:
                future.cancel()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cycle collector off while a chunk runs: a replication is freed by reference counting,
    and the collector's passes over what a chunk keeps alive took ~6 % of the time. What little
    cyclic garbage SimPy leaves (~1,000 objects a replication) goes at its next pass."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


_SHARED: Any = None  # in a pool worker: what `Workers` was given


def _keep_shared(shared: Any) -> None:
    global _SHARED
    _SHARED = shared


def _with_shared(work: Work, chunk: Any, *arguments: Any) -> Any:
    return work(_SHARED, chunk, *arguments)
