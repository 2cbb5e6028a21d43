"""The result metrics: every number a run reports about a contract or an arm, defined once.

An entry holds the metric's key in the result files, its unit, whether money is discounted or
nominal, its label in English and Danish, and where it shows: its column in the stored records,
its key in summary.json and how the runs are summarised there, the statistics sweep.csv gives,
and whether `simulator sensitivity` can target it. summary.json, contracts.csv,
replications.csv, summary.xlsx, report.html, sweep.csv and the sensitivity targets all read
`METRICS`, in its order; nothing guesses a unit from a name.

Adding a metric is one entry here (plus, for a per-replication contract result, the
`ContractResult` field of the same name that pricing fills in, and the next free `column`).
"""
from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import Literal

import numpy as np


@dataclass(frozen=True)
class Unit:
    """What a number counts, how a unit column names it, and how it is shown."""

    en: str  # "" for money: the unit is the scenario's currency
    da: str
    excel_format: str
    decimals: int
    percent: bool = False  # a share or rate, shown ×100 with a % sign

    @property
    def is_money(self) -> bool:
        return not self.en


CURRENCY = Unit("", "", "#,##0", 0)
PROBABILITY = Unit("probability", "sandsynlighed", "0.0%", 1, percent=True)  # a share of the runs
ANNUAL_RATE = Unit("rate a year", "rente pr. år", "0.0%", 1, percent=True)
RATIO = Unit("ratio", "forhold", "0.00", 2)
MONTHS = Unit("months", "måneder", "0.0", 1)
YOUTHS = Unit("youths", "unge", "0.0", 1)
SHARE_OF_PAYMENTS = Unit("share of payments", "andel af betalingerne", "0.0%", 1, percent=True)

Statistic = Literal[
    "distribution",  # mean, se, sd, p05, p50, p95 over the runs
    "mean",  # mean and se
    "share",  # the share of runs where the flag is set
    "share_and_se",  # that share, and beside it (key + "_se") its standard error
    "share_with_value",  # the share of runs where the metric has a value (is not NaN)
    "share_below_zero",  # the share of runs where the metric is below zero
    "term",  # a contract term, as the scenario gives it: no statistic of the runs
]


@dataclass(frozen=True)
class Metric:
    key: str  # in contracts.csv and replications.csv; the `ContractResult(s)` field it records
    unit: Unit
    en: str  # label, English
    da: str  # label, Danish
    money: Literal["discounted", "nominal"] | None = None  # set for money, and only for money
    scope: Literal["contract", "arm"] = "contract"  # an arm's: reported per department or level
    column: int | None = None  # its column in a chunk's contract records: stored, so never renumbered
    summary: str | None = None  # its key in a contract's section of summary.json
    alias: str | None = None  # a second summary.json key with the same value, kept for older readers
    statistic: Statistic = "distribution"  # how summary.json summarises the runs
    of: str | None = None  # the recorded metric whose runs it summarises, when not its own
    sweep: tuple[str, ...] = ()  # sweep.csv's statistics per design: mean, p05, p50, p95, share (of `flags`)
    target: bool = False  # a `simulator sensitivity --target`

    def unit_text(self, currency: str) -> str:
        """The unit column of contracts.csv: `DKK, discounted`, `DKK, nominal`, `probability` …"""
        return f"{currency}, {self.money}" if self.unit.is_money else self.unit.en

    def flags(self, runs: np.ndarray) -> np.ndarray:
        """The runs a share counts: where the flag is set, the metric has a value, or is below zero."""
        if self.statistic == "share_with_value":
            return ~np.isnan(runs)
        if self.statistic == "share_below_zero":
            return runs < 0
        return runs.astype(bool)

    @property
    def name(self) -> str:
        """The name a reader sees: its summary.json key, else its key."""
        return self.summary or self.key


METRICS: tuple[Metric, ...] = (  # in reading order: summary.json's, the workbook's, sweep.csv's
    Metric("principal", CURRENCY, "Principal", "Investeret beløb", money="nominal",
           summary="principal", statistic="term"),
    Metric("youths", YOUTHS, "Youths per run", "Unge pr. kørsel", summary="youths", statistic="mean"),
    Metric("payments_discounted", CURRENCY, "Expected outcome payments", "Forventede resultatbetalinger",
           money="discounted", column=1, summary="payments_discounted", alias="payments",
           sweep=("mean", "p05", "p95"), target=True),
    Metric("payments_nominal", CURRENCY, "Expected outcome payments, nominal",
           "Forventede resultatbetalinger, nominelt", money="nominal", column=0, summary="payments_nominal",
           sweep=("mean",)),
    Metric("at_cap", PROBABILITY, "Chance the payments reach the cap", "Sandsynlighed for at betalingerne når loftet",
           column=12, summary="p_at_cap", statistic="share", sweep=("share",)),
    Metric("full_repayment", PROBABILITY, "Chance the investor is repaid in full",
           "Sandsynlighed for at investor får hele beløbet tilbage", column=6, summary="p_full_repayment",
           statistic="share_and_se", sweep=("share",), target=True),
    Metric("irr", ANNUAL_RATE, "Investor's internal rate of return", "Investors interne rente", column=4,
           summary="irr", sweep=("p50",)),
    Metric("multiple", RATIO, "Investor's multiple: received over principal",
           "Investors multiplum: modtaget i forhold til investeret beløb", column=5, summary="multiple",
           sweep=("mean",)),
    Metric("expected_loss", CURRENCY, "Investor's expected loss: principal not repaid",
           "Investors forventede tab: ikke tilbagebetalt beløb", money="nominal", column=7,
           summary="expected_loss", sweep=("mean",)),
    Metric("outcome_fund_draw", CURRENCY, "Expected draw on the outcome fund",
           "Forventet træk på resultatfonden", money="nominal", column=8, summary="outcome_fund_draw",
           sweep=("mean",)),
    Metric("fund_exhausted", PROBABILITY, "Chance the outcome fund is exhausted",
           "Sandsynlighed for at resultatfonden bliver brugt op", column=9, summary="p_fund_exhausted",
           statistic="share", sweep=("share",)),
    Metric("payer_net", CURRENCY, "Payers' expected net gain on the contract's youths, after its payments",
           "Betalernes forventede nettogevinst på kontraktens unge efter dens betalinger", money="discounted", column=10,
           summary="payer_net", sweep=("mean", "p05", "p95"), target=True),
    Metric("payer_loss", PROBABILITY, "Chance the payers lose: their net gain on the contract below zero",
           "Sandsynlighed for at betalerne taber: deres nettogevinst på kontrakten under nul",
           summary="p_payer_loss", statistic="share_below_zero", of="payer_net", sweep=("share",)),
    Metric("null_effect_payments", CURRENCY, "Outcome payments to a programme with no effect",
           "Resultatbetalinger til et program uden effekt", money="discounted", column=14,
           summary="null_effect_payments", sweep=("mean",)),
    Metric("deadweight_share", SHARE_OF_PAYMENTS,
           "Deadweight paid: share of the payments the youths would have earned without the programme",
           "Dødvægt: andel af betalingerne som de unge ville have udløst uden programmet", column=15,
           summary="deadweight_share", sweep=("mean",)),
    Metric("break_even_month", MONTHS, "Month the payers break even", "Måned hvor betalerne når break-even",
           column=11, summary="break_even_month"),
    Metric("p_break_even", PROBABILITY, "Chance the payers break even within the horizon",
           "Sandsynlighed for at betalerne når break-even inden for perioden", summary="p_break_even",
           statistic="share_with_value", of="break_even_month", sweep=("share",)),
    Metric("guarantee_paid", CURRENCY, "Expected payout of the guarantees", "Forventet udbetaling fra garantierne",
           money="nominal", column=13, summary="guarantee_paid", sweep=("mean",)),
    Metric("earned", CURRENCY, "Outcome payments earned before the cap and the maximum multiple",
           "Optjente resultatbetalinger før loft og maksimalt multiplum", money="nominal", column=2),
    Metric("received", CURRENCY, "Received by the investor", "Modtaget af investor", money="nominal",
           column=3),
    Metric("cost", CURRENCY, "Cost", "Udgift", money="discounted", scope="arm"),
    Metric("net_gain", CURRENCY, "Net gain", "Nettogevinst", money="discounted", scope="arm", target=True),
    Metric("position", CURRENCY, "Position when everything is paid", "Stilling når alt er betalt",
           money="discounted", scope="arm"),
)
FORMER_KEYS = {"fund_draw": "outcome_fund_draw", "payments": "payments_nominal"}  # keys in earlier versions' files

_BY_KEY = {metric.key: metric for metric in METRICS}
_BY_NAME = {**{metric.alias: metric for metric in METRICS if metric.alias}, **{metric.name: metric for metric in METRICS}}


def by_key(key: str) -> Metric:
    """The metric with this key (a contracts.csv row, a replications.csv column's last part)."""
    return _BY_KEY[FORMER_KEYS.get(key, key)]


def by_name(name: str) -> Metric:
    """The metric with this name (a summary.json key or its alias, a sensitivity target)."""
    return _BY_NAME[name]


def recorded() -> tuple[Metric, ...]:
    """The per-replication contract results, in their stored column order (contracts.csv's rows)."""
    return tuple(sorted((m for m in METRICS if m.column is not None), key=attrgetter("column")))


def summarised() -> tuple[Metric, ...]:
    """The metrics in a contract's section of summary.json, in order."""
    return tuple(m for m in METRICS if m.summary is not None)


def swept() -> tuple[Metric, ...]:
    return tuple(m for m in METRICS if m.sweep)


def targets() -> tuple[Metric, ...]:
    return tuple(m for m in METRICS if m.target)


def target_choices() -> str:
    """The targets as `--target` takes them: `payments, p_full_repayment, payer_net or net_gain:LEVEL`."""
    names = [m.name + (":LEVEL" if m.scope == "arm" else "") for m in targets()]
    return ", ".join(names[:-1]) + " or " + names[-1]
