"""The words a reader sees, in English or Danish, and numbers written the way that reader writes them.

The words are data, in words.toml beside this module; the labels of result metrics and of their
units are in metrics.py, with the metrics. report.html and summary.xlsx take all their words from
a `Words`, so a Danish report gets a Danish workbook.
"""
from __future__ import annotations

import functools
import math
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Callable, Mapping, Sequence

from simulator.language.errors import Issue, ScenarioError
from simulator.outputs import metrics
from simulator.outputs.metrics import Unit

LANGUAGES = ("en", "da")


@functools.cache
def words_file() -> dict[str, dict]:
    """words.toml: key -> {"en": text, "da": text}; `levels` holds the levels of government."""
    return tomllib.loads(resources.files(__package__).joinpath("words.toml").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Words:
    """The words of one language, and numbers written the way its readers write them."""

    lang: str
    currency: str

    def __post_init__(self) -> None:
        if self.lang not in LANGUAGES:
            raise ScenarioError([Issue("--lang", "", f"one of {', '.join(LANGUAGES)}", repr(self.lang))])

    def __call__(self, key: str, **values) -> str:
        return words_file()[key][self.lang].format(**values)

    def label(self, name: str) -> str:
        """A result metric's label, by its name (`metrics.by_name`)."""
        return getattr(metrics.by_name(name), self.lang)

    def unit(self, unit: Unit) -> str:
        """A unit as a unit column names it: the currency for money."""
        return self.currency if unit.is_money else getattr(unit, self.lang)

    def level(self, level: str) -> str:
        """A level's name (the first dotted part of a department), translated when it is a known one."""
        known = words_file()["levels"].get(level)
        return known[self.lang] if known else level

    def number(self, value: float | None, decimals: int = 0) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        text = f"{abs(value):,.{decimals}f}"
        if self.lang == "da":
            text = text.translate(str.maketrans(",.", ".,"))
        return ("−" if value < 0 and text.strip("0.,") else "") + text

    def percent(self, share: float | None, decimals: int = 0) -> str:
        if share is None:
            return "–"
        return self.number(100 * share, decimals) + (" %" if self.lang == "da" else "%")

    def money(self, value: float | None, millions: bool | None = None) -> str:
        """`value` in the currency, in millions when it is that large (or when `millions` says so)."""
        if millions is None:
            millions = value is not None and abs(value) >= 1e6
        if millions:
            return f"{self.number(value / 1e6, 1)} {self('million')} {self.currency}"
        return f"{self.number(value)} {self.currency}"

    def value(self, unit: Unit, value: float | None) -> str:
        """A metric's value as its unit is shown: money, a percentage, or a number."""
        if unit.is_money:
            return self.money(value)
        if unit.percent:
            return self.percent(value, unit.decimals)
        return self.number(value, unit.decimals)

    def stat(self, stat: Mapping | None, show: Callable[[float | None], str] | None = None) -> str:
        """Mean and 90 % interval; money in one scale, so that the three numbers compare at a glance."""
        if not stat:
            return "–"
        if show is None:
            values = (stat.get(key) for key in ("mean", "p05", "p95"))
            large = any(v is not None and abs(v) >= 1e6 for v in values)
            show = functools.partial(self.money, millions=large)
        return self("interval", mean=show(stat.get("mean")), low=show(stat.get("p05")),
                    high=show(stat.get("p95")))

    def money_scale(self, values: Sequence[float]) -> tuple[Callable[[float], str], str]:
        """Tick formatter and unit for a money axis: millions when the numbers are that large."""
        finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
        if finite and max(finite) >= 1e6:
            return (lambda v: self.number(v / 1e6, 1)), f"{self('million')} {self.currency}"
        return (lambda v: self.number(v)), self.currency
