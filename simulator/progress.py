"""The one progress bar every long command shows: on stderr, and only when stderr is a terminal.

A bar is for the person watching; a pipe, a log file or a test gets nothing, so what a command
prints and writes is the same with or without one. Closing the bar (also when the work is
interrupted) leaves the finished work as it is: the bar only counts it.
"""
from __future__ import annotations

import contextlib
import sys
from typing import Callable, Iterator

Advance = Callable[[int], None]  # called with the number of steps just finished


@contextlib.contextmanager
def progress(total: int, what: str, unit: str, initial: int = 0, shown: bool = True) -> Iterator[Advance]:
    """A bar of `total` steps named `what` (e.g. "replications", unit "rep"), with its rate and
    time left, for the duration of the block; a function that does nothing when not `shown` or
    when stderr is not a terminal."""
    if not shown or not sys.stderr.isatty():
        yield _nothing
        return
    from tqdm import tqdm

    with tqdm(total=total, initial=initial, unit=unit, desc=what, file=sys.stderr) as bar:
        yield bar.update


def _nothing(steps: int) -> None:
    return None
