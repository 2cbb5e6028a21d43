"""What the engine records for one arm of one replication: the spells of every youth in every track.

See docs/architecture.md for why spells: every money and contract rule is an exact interval
computation on this table, and it is small (a few thousand rows per arm and replication).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


@dataclass(frozen=True)
class Trajectories:
    arm: str
    horizon: float
    tracks: tuple[str, ...]
    states: tuple[tuple[str, ...], ...]
    attributes: tuple[str, ...]
    attribute_values: tuple[tuple[str, ...], ...]
    arrival: np.ndarray  # float64 (n,)
    departure: np.ndarray  # float64 (n,): exit time, inf if the youth never leaves
    youth_attributes: np.ndarray  # int16 (n, n_attributes)
    spell_youth: np.ndarray  # int32, sorted by (youth, track, start)
    spell_track: np.ndarray  # int16
    spell_state: np.ndarray  # int16
    spell_start: np.ndarray  # float64
    spell_end: np.ndarray  # float64, at most the departure and the horizon
    spell_entered: np.ndarray  # bool: entered by a transition or a jump, not held at arrival
    resources: tuple[str, ...]
    wait_resource: np.ndarray  # int16
    wait_youth: np.ndarray  # int32
    wait_requested: np.ndarray  # float64
    wait_granted: np.ndarray  # float64, NaN if withdrawn or still waiting at the horizon

    @classmethod
    def from_records(cls, *, spells: Sequence[tuple], waits: Sequence[tuple], **fields) -> "Trajectories":
        """Arrays from the engine's lists of (youth, track, state, start, end, entered) and waits."""
        table = np.array(spells, dtype=float).reshape(-1, 6)
        # A state left the instant it was entered stays in the table: it was still an entry.
        order = np.lexsort((table[:, 3], table[:, 1], table[:, 0]))
        table = table[order]
        waiting = np.array(waits, dtype=float).reshape(-1, 4)
        return cls(
            spell_youth=table[:, 0].astype(np.int32), spell_track=table[:, 1].astype(np.int16),
            spell_state=table[:, 2].astype(np.int16), spell_start=table[:, 3].copy(),
            spell_end=table[:, 4].copy(), spell_entered=table[:, 5].astype(bool),
            wait_resource=waiting[:, 0].astype(np.int16), wait_youth=waiting[:, 1].astype(np.int32),
            wait_requested=waiting[:, 2].copy(), wait_granted=waiting[:, 3].copy(), **fields)

    @property
    def youths(self) -> int:
        return len(self.arrival)

    def occupancy(self, months: np.ndarray | None = None) -> np.ndarray:
        """Youths in each state at the instants `months` (default 0, 1, …, horizon): [track][state, month].

        A youth counts at t if present (arrival ≤ t < departure); at t = horizon the spells that
        reach the horizon count.
        """
        if months is None:
            months = np.arange(0, int(np.floor(self.horizon)) + 1, dtype=float)
        start, end = self.spell_start[:, None], self.spell_end[:, None]
        present = (start <= months) & ((months < end) | ((end >= self.horizon) & (months == self.horizon)
                                        & (self.departure[self.spell_youth][:, None] > self.horizon)))
        result = []
        for k, states in enumerate(self.tracks):
            rows = self.spell_track == k
            counts = np.zeros((len(self.states[k]), len(months)))
            np.add.at(counts, self.spell_state[rows], present[rows])
            result.append(counts)
        return result
