"""Outcome payments: what a contract's outcomes earn, what is paid and settled, what the investor gets.

Two steps, both pure functions (no SimPy, no random numbers), so that one simulation can price
many contract designs (spec §1.7, STYLE §6):

1. `outcome_units(contract, trajectories, n_months)`: the units each youth earns for each outcome
   in each month bin over the whole horizon. It depends only on what the outcomes measure (their
   metric, states, `for_months`, checkpoints, periods, thresholds) and on `youths`.
2. `price(contract, units, baseline_units, costs_by_arm, ...)`: everything money — prices, window,
   per-youth and total caps, `versus_baseline`, settlement, payers, investor, outcome fund. It
   needs only the units of both arms and their `DepartmentCosts`, so a sweep re-prices stored
   units without re-simulating. `with_terms` makes the changed designs, and
   `price_replications` prices one on all replications at once, as arrays (`price` is its
   one-replication case).

This module does not simulate, does not aggregate over replications and writes no files.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from simulator.money.finance import discount_factor, irr_by_row, settlement_of_month, settlement_times
from simulator.money.flows import DepartmentCosts, split_by_month
from simulator.language.scenario import Condition, Contract, Outcome, Ref
from simulator.engine.trajectories import Stays, Trajectories

Months = float
MUNICIPAL = "municipality."
SETTLEMENTS = ("yearly", "monthly", "at_end")


# --- 1. Units earned: per outcome, youth and month bin ---------------------------------------------


@dataclass(frozen=True)
class OutcomeUnits:
    """Units earned per (outcome, youth, month bin) over the whole horizon: a sparse table.

    Rows are sorted by (outcome, youth, month), one row per non-zero cell. Units are 1 per
    event (`achieved`, `entered`, `status_at`, `per_period`) and months for `months_in`. Every
    occurrence is kept (each stay that reaches `for_months`, each entry): "once per youth" and the
    `max_months`/`max_periods` caps are applied by `price`, within the contract's window.
    `definitions` records what each outcome measured, so that `price` can refuse terms whose
    metrics differ from the ones these units were counted for.
    """

    contract: str
    arm: str
    outcomes: tuple[str, ...]
    definitions: tuple[str, ...]
    n_months: int
    n_youths: int
    outcome: NDArray[np.int16]
    youth: NDArray[np.int32]
    month: NDArray[np.int32]
    units: NDArray[np.float64]

    def totals(self) -> NDArray[np.float64]:
        """Units per outcome over the whole horizon (no window, no caps)."""
        return np.bincount(self.outcome, weights=self.units, minlength=len(self.outcomes))


def outcome_units(contract: Contract, trajectories: Trajectories, n_months: int,
                  memo: dict | None = None) -> OutcomeUnits:
    """Units earned by the youths matching `contract.youths`, per outcome, youth and month bin.

    An event at time t falls in bin floor(t); an event at the horizon itself (a period or a stay
    ending there, a checkpoint there) falls in the last bin. `memo` (one per `trajectories`)
    keeps what each outcome measured for every youth, for contracts that measure the same.

    References: spec §1.7.
    """
    if n_months != math.ceil(trajectories.horizon):
        raise ValueError(f"n_months must be the number of month bins of the horizon, "
                         f"ceil({trajectories.horizon:g}) = {math.ceil(trajectories.horizon)}; found {n_months}")
    chosen = trajectories.youths_matching(contract.youths.attributes)
    n_youths = trajectories.youths
    memo = {} if memo is None else memo
    keys, amounts = [np.zeros(0, dtype=np.int64)], [np.zeros(0)]
    for index, outcome in enumerate(contract.outcomes):
        measure = _measure_text(outcome)
        if measure not in memo:
            stays = trajectories.stays(outcome.condition, inside=outcome.inside)
            memo[measure] = _METRICS[outcome.metric](outcome, stays, trajectories, n_months)
        youth, month, units = memo[measure]
        keep = chosen[youth] & (units > 0)
        keys.append((index * n_youths + youth[keep].astype(np.int64)) * n_months + month[keep])
        amounts.append(units[keep])
    cells, where = np.unique(np.concatenate(keys), return_inverse=True)
    units = np.bincount(where, weights=np.concatenate(amounts), minlength=len(cells)).astype(float)
    return OutcomeUnits(
        contract=contract.name, arm=trajectories.arm,
        outcomes=tuple(o.name for o in contract.outcomes), definitions=definitions(contract),
        n_months=n_months, n_youths=n_youths,
        outcome=(cells // max(n_youths * n_months, 1)).astype(np.int16),
        youth=((cells // n_months) % max(n_youths, 1)).astype(np.int32),
        month=(cells % n_months).astype(np.int32), units=units)


def _event_bin(time: np.ndarray, n_months: int) -> np.ndarray:
    return np.minimum(np.floor(time), n_months - 1).astype(np.int64)


def _achieved(outcome: Outcome, stays: Stays, trajectories: Trajectories, n_months: int):
    """1 when a continuous stay reaches `for_months` (every such stay; once per youth at pricing)."""
    reached = stays.start + _plain(outcome.for_months, f"outcomes.{outcome.name}.for_months")
    ok = reached <= stays.end
    return stays.youth[ok], _event_bin(reached[ok], n_months), np.ones(int(ok.sum()))


def _months_in(outcome: Outcome, stays: Stays, trajectories: Trajectories, n_months: int):
    """Months spent in the states, per month bin."""
    month, a, b, youth = split_by_month(stays.start, stays.end, stays.youth)
    keep = month < n_months
    return youth[keep], month[keep], (b - a)[keep]


def _entered(outcome: Outcome, stays: Stays, trajectories: Trajectories, n_months: int):
    """1 at every entry (a transition or jump into the states; once per youth at pricing)."""
    return stays.youth[stays.entered], _event_bin(stays.start[stays.entered], n_months), \
        np.ones(int(stays.entered.sum()))


def _status_at(outcome: Outcome, stays: Stays, trajectories: Trajectories, n_months: int):
    """1 at each checkpoint (months after arrival) at which the youth is present and in/out."""
    checkpoints = np.array([_plain(c, f"outcomes.{outcome.name}.months_after_arrival")
                            for c in outcome.checkpoints], dtype=float)
    youth = np.repeat(np.arange(trajectories.youths), len(checkpoints))
    time = trajectories.arrival[youth] + np.tile(checkpoints, trajectories.youths)
    present = (time < trajectories.departure[youth]) & (time <= trajectories.horizon)
    youth, time = youth[present], time[present]
    holds = stays.covers(youth, time, trajectories.horizon)
    return youth[holds], _event_bin(time[holds], n_months), np.ones(int(holds.sum()))


def _per_period(outcome: Outcome, stays: Stays, trajectories: Trajectories, n_months: int):
    """1 at the end of each `every`-month period after arrival, spent whole in the population,
    whose months in (or out of) the states are within [at_least, at_most]."""
    every = _plain(outcome.every, f"outcomes.{outcome.name}.every")
    arrival, leaving = trajectories.presence()
    if trajectories.youths == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    periods = int(np.max(np.floor((leaving - arrival) / every))) + 1
    j = np.arange(1, periods + 1, dtype=float)
    ends = arrival[:, None] + every * j[None, :]
    begins = arrival[:, None] + every * (j[None, :] - 1.0)
    youth, column = np.nonzero(ends <= leaving[:, None])
    end, begin = ends[youth, column], begins[youth, column]
    both = stays.time_before(np.concatenate([youth, youth]), np.concatenate([end, begin]))  # one search
    months = both[:len(youth)] - both[len(youth):]
    ok = np.ones(len(youth), dtype=bool)
    if outcome.at_least is not None:
        ok &= months >= _plain(outcome.at_least, f"outcomes.{outcome.name}.at_least")
    if outcome.at_most is not None:
        ok &= months <= _plain(outcome.at_most, f"outcomes.{outcome.name}.at_most")
    return youth[ok], _event_bin(end[ok], n_months), np.ones(int(ok.sum()))


_METRICS = {"achieved": _achieved, "months_in": _months_in, "entered": _entered,
            "status_at": _status_at, "per_period": _per_period}


def definitions(contract: Contract) -> tuple[str, ...]:
    """What each outcome measures, as canonical text (prices and caps left out)."""
    youths = _condition_text(contract.youths)
    return tuple(f"{o.name}|{_measure_text(o)}|youths={youths}" for o in contract.outcomes)


def _measure_text(o: Outcome) -> str:
    """What an outcome measures for every youth, whoever the contract is for."""
    return "|".join([
        o.metric, "in" if o.inside else "not_in", _condition_text(o.condition),
        f"for_months={_text(o.for_months)}", "checkpoints=" + ",".join(_text(c) for c in o.checkpoints),
        f"every={_text(o.every)}", f"at_least={_text(o.at_least)}", f"at_most={_text(o.at_most)}"])


def _condition_text(condition: Condition) -> str:
    parts = [f"{k}:{','.join(sorted(v))}" for k, v in sorted(condition.states.items())]
    parts += [f"{k}={','.join(sorted(v))}" for k, v in sorted(condition.attributes.items())]
    return ";".join(parts)


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, Ref):
        return "$" + value.name
    return repr(float(value))


# --- 2. Pricing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContractResult:
    """One contract priced on one replication. Money in the scenario's currency.

    Nominal amounts are undiscounted; `*_discounted` are discounted to t = 0 at the settlement
    times (payments move when settled). `outcome_fund_draw` is nominal, like the savings it is set
    against. `break_even_month` is NaN when the payers never break even.
    """

    contract: str
    settlement_times: NDArray[np.float64]  # months
    settlements: NDArray[np.float64]  # nominal, paid at each settlement time
    earned: float  # nominal value earned before `cap` and `max_multiple` (after per-youth cuts)
    earned_by_outcome: Mapping[str, float]
    payments: float  # nominal
    payments_discounted: float
    payer_payments: Mapping[str, float]  # nominal, per payer department
    payer_payments_discounted: Mapping[str, float]
    received: float  # nominal, by the investor
    irr: float  # annual; −1.0 when nothing is repaid
    multiple: float  # received / principal
    full_repayment: bool  # received ≥ principal
    expected_loss: float  # max(0, principal − received), nominal
    outcome_fund_draw: float  # nominal
    fund_exhausted: bool  # outcome_fund_draw > reserve (reserve 0 when the contract has no outcome fund)
    payer_net: float  # discounted: the payers' net savings minus their payments
    break_even_month: float  # month end; NaN if never

    def metrics(self) -> dict[str, float]:
        """The scalar results, for one row of a table."""
        return {"payments": self.payments, "payments_discounted": self.payments_discounted,
                "earned": self.earned, "received": self.received, "irr": self.irr,
                "multiple": self.multiple, "full_repayment": float(self.full_repayment),
                "expected_loss": self.expected_loss, "outcome_fund_draw": self.outcome_fund_draw,
                "fund_exhausted": float(self.fund_exhausted), "payer_net": self.payer_net,
                "break_even_month": self.break_even_month}


@dataclass(frozen=True)
class ContractResults:
    """One contract priced on R replications: `ContractResult`'s numbers with a first axis of
    replications (payers and outcomes in columns, in the contract's order). A replication with
    fewer settlements than others (its window drawn shorter) has NaN times and 0 in the rest."""

    contract: str
    outcomes: tuple[str, ...]
    payers: tuple[str, ...]
    settlement_times: NDArray[np.float64]  # (R, n_settlements)
    settlements: NDArray[np.float64]  # (R, n_settlements)
    earned: NDArray[np.float64]
    earned_by_outcome: NDArray[np.float64]  # (R, n_outcomes)
    payments: NDArray[np.float64]
    payments_discounted: NDArray[np.float64]
    payer_payments: NDArray[np.float64]  # (R, n_payers)
    payer_payments_discounted: NDArray[np.float64]  # (R, n_payers)
    received: NDArray[np.float64]
    irr: NDArray[np.float64]
    multiple: NDArray[np.float64]
    full_repayment: NDArray[np.bool_]
    expected_loss: NDArray[np.float64]
    outcome_fund_draw: NDArray[np.float64]
    fund_exhausted: NDArray[np.bool_]
    payer_net: NDArray[np.float64]
    break_even_month: NDArray[np.float64]

    def replication(self, r: int) -> ContractResult:
        """Replication r's results."""
        settled = ~np.isnan(self.settlement_times[r])
        fields = {f.name: getattr(self, f.name)[r].item() for f in dataclasses.fields(ContractResult)
                  if f.name not in _RESULT_COLUMNS}
        return ContractResult(
            **fields, contract=self.contract, settlement_times=self.settlement_times[r, settled],
            settlements=self.settlements[r, settled],
            earned_by_outcome=dict(zip(self.outcomes, self.earned_by_outcome[r].tolist())),
            payer_payments=dict(zip(self.payers, self.payer_payments[r].tolist())),
            payer_payments_discounted=dict(zip(self.payers, self.payer_payments_discounted[r].tolist())))

    @classmethod
    def joined(cls, parts: list[tuple[NDArray[np.int64], "ContractResults"]],
               replications: int) -> "ContractResults":
        """The results of groups of replications, given as (their rows, their results), as one."""
        width = max(part.settlements.shape[1] for _, part in parts)
        first = parts[0][1]
        arrays = {}
        for f in dataclasses.fields(cls):
            sample = getattr(first, f.name)
            if not isinstance(sample, np.ndarray):
                arrays[f.name] = sample
                continue
            shape = (replications, width) if f.name in ("settlement_times", "settlements") else \
                (replications, *sample.shape[1:])
            arrays[f.name] = np.full(shape, np.nan if f.name == "settlement_times" else 0, dtype=sample.dtype)
            for rows, part in parts:
                value = getattr(part, f.name)
                arrays[f.name][(rows, *(slice(n) for n in value.shape[1:]))] = value
        return cls(**arrays)


_RESULT_COLUMNS = ("contract", "settlement_times", "settlements", "earned_by_outcome", "payer_payments",
                   "payer_payments_discounted")


@dataclass(frozen=True)
class StackedUnits:
    """The outcome units of R replications of one arm in one table: their `OutcomeUnits` rows
    with a replication column (0 … R − 1), sorted by (replication, outcome, youth, month).

    The row orders and groups that the per-youth cuts need are worked out once, and the units
    counted for the last window and per-youth caps asked for are kept: the designs of a sweep
    mostly share them and change prices and caps on the total.
    """

    outcomes: tuple[str, ...]
    definitions: tuple[str, ...]
    n_months: int
    replications: int
    replication: NDArray[np.int64]
    outcome: NDArray[np.int64]
    youth: NDArray[np.int64]
    month: NDArray[np.int64]
    units: NDArray[np.float64]
    _counted: dict = dataclasses.field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def of(cls, units: Sequence[OutcomeUnits]) -> "StackedUnits":
        """Replications' units, counted for the same outcomes and horizon, stacked in this order."""
        first = units[0]
        if any(u.definitions != first.definitions or u.n_months != first.n_months for u in units):
            raise ValueError("units to stack must be counted for the same outcomes and horizon")
        column = lambda name: np.concatenate([getattr(u, name) for u in units])
        return cls(first.outcomes, first.definitions, first.n_months, len(units),
                   np.repeat(np.arange(len(units)), [len(u.units) for u in units]),
                   column("outcome").astype(np.int64), column("youth").astype(np.int64),
                   column("month").astype(np.int64), column("units").astype(float))

    def take(self, replications: NDArray[np.int64]) -> "StackedUnits":
        """The units of some replications (in increasing order), numbered 0 … len − 1 again."""
        number = np.full(self.replications, -1)
        number[replications] = np.arange(len(replications))
        keep = number[self.replication] >= 0
        return StackedUnits(self.outcomes, self.definitions, self.n_months, len(replications),
                            number[self.replication[keep]], self.outcome[keep], self.youth[keep],
                            self.month[keep], self.units[keep])

    @cached_property
    def position(self) -> NDArray[np.int64]:
        """Each row's place within its replication's rows."""
        return np.arange(len(self.units)) - np.searchsorted(self.replication, self.replication)

    @cached_property
    def first_of_youth_outcome(self) -> NDArray[np.bool_]:
        """Rows that start a (replication, outcome, youth) group."""
        return _starts(self.replication, self.outcome, self.youth)

    @cached_property
    def by_youth(self) -> NDArray[np.int64]:
        """The rows in the order `max_per_youth` cuts them: by replication, youth, month, outcome."""
        return np.lexsort((self.outcome, self.month, self.youth, self.replication))

    @cached_property
    def first_of_youth(self) -> NDArray[np.bool_]:
        """In the order `by_youth`, the rows that start a (replication, youth) group."""
        return _starts(self.replication[self.by_youth], self.youth[self.by_youth])


@dataclass(frozen=True)
class Savings:
    """Each department's net savings (baseline cost − arm cost) per month bin in R replications:
    what the payers' net and the outcome-fund draws are set against."""

    departments: tuple[str, ...]
    nominal: NDArray[np.float64]  # (R, n_departments, n_months)
    discounted: NDArray[np.float64]  # (R, n_departments, n_months)

    @classmethod
    def of(cls, arms: Sequence[DepartmentCosts], baselines: Sequence[DepartmentCosts]) -> "Savings":
        """Replications' savings, from each one's costs of the contract's arm and of the baseline."""
        departments = arms[0].departments
        if any(costs.departments != departments for costs in [*arms, *baselines]):
            raise ValueError("the arms' DepartmentCosts list different departments")
        return cls(departments, np.stack([b.nominal - a.nominal for a, b in zip(arms, baselines)]),
                   np.stack([b.discounted - a.discounted for a, b in zip(arms, baselines)]))

    def take(self, replications: NDArray[np.int64]) -> "Savings":
        return Savings(self.departments, self.nominal[replications], self.discounted[replications])

    def index(self, department: str) -> int:
        if department not in self.departments:
            raise ValueError(f"no department {department!r} (departments: {', '.join(self.departments)})")
        return self.departments.index(department)


def price(contract: Contract, units: OutcomeUnits, baseline_units: OutcomeUnits | None,
          costs_by_arm: Mapping[str, DepartmentCosts], baseline: str, n_months: int,
          discount_rate: float) -> ContractResult:
    """Price a bound contract on one replication: the outcome units of its arm (and of the
    baseline arm) and both arms' money. `price_replications` with one replication, where the
    rules are described.

    References: spec §1.7 and §3.
    """
    rate = _plain(discount_rate, "economics.discount_rate")
    stacked_baseline = None if baseline_units is None else StackedUnits.of([baseline_units])
    savings = Savings.of([costs_by_arm[contract.arm]], [costs_by_arm[baseline]])
    return price_replications(contract, {}, StackedUnits.of([units]), stacked_baseline, savings, n_months,
                              np.array([rate])).replication(0)


def price_replications(contract: Contract, values: Mapping[str, NDArray[np.float64]], units: StackedUnits,
                       baseline_units: StackedUnits | None, savings: Savings, n_months: int,
                       discount_rates: NDArray[np.float64]) -> ContractResults:
    """Price a contract on R replications at once, each as it would be priced alone.

    `values` gives each parameter's value in every replication (R,), for the contract's `$name`
    terms; `units` and `baseline_units` stack the outcome units of the contract's arm and of the
    baseline arm; `savings` and the annual `discount_rates` (R,) are per replication too.

    Earned value = price × units in the month bins of [window.from, window.until), cut per youth
    and outcome by once-per-youth / `max_months` / `max_periods`, per youth by `max_per_youth`
    (each cumulatively in time order; outcomes in contract order within a month), then — with
    `versus_baseline` — reduced per outcome and settlement to the excess over the baseline arm
    (floored at zero), and finally cut on the running total by `cap` and `max_multiple` ×
    principal at each settlement. Replications whose window or disbursement dates differ (drawn
    parameters) are priced in groups that share them.

    References: spec §1.7 and §3.
    """
    terms = _Terms.of(contract, values, units.replications)
    check_units(contract, units, n_months, "units")
    if contract.versus_baseline:
        if baseline_units is None:
            raise ValueError(f"contract {contract.name}: versus_baseline needs the baseline arm's units")
        check_units(contract, baseline_units, n_months, "baseline_units")
        if baseline_units.replications != units.replications:
            raise ValueError(f"contract {contract.name}: units of {units.replications} replications but "
                             f"baseline_units of {baseline_units.replications}")
    late = terms.window_until > n_months
    if late.any():
        raise ValueError(f"contract {contract.name}: window.until ({terms.window_until[late][0]:g}) is after "
                         f"the last month ({n_months})")
    if savings.nominal.shape[2] < n_months:
        raise ValueError(f"DepartmentCosts cover {savings.nominal.shape[2]} months, fewer than {n_months}")
    dates = np.column_stack([terms.window_start, terms.window_until, terms.disbursed_at])
    if np.all(dates == dates[0]):
        return _price_alike(contract, terms, units, baseline_units, savings, n_months, discount_rates)
    groups, group = np.unique(dates, axis=0, return_inverse=True)
    parts = []
    for g in range(len(groups)):
        rows = np.flatnonzero(group.ravel() == g)
        parts.append((rows, _price_alike(
            contract, terms.take(rows), units.take(rows),
            None if baseline_units is None else baseline_units.take(rows), savings.take(rows), n_months,
            discount_rates[rows])))
    return ContractResults.joined(parts, units.replications)


def _price_alike(contract: Contract, terms: "_Terms", units: StackedUnits, baseline_units: StackedUnits | None,
                 savings: Savings, n_months: int, discount_rates: NDArray[np.float64]) -> ContractResults:
    """`price_replications` for replications that share the window and the disbursement dates."""
    start, until = int(terms.window_start[0]), int(terms.window_until[0])
    times = settlement_times(start, until, contract.settlement)
    settle = settlement_of_month(start, until, contract.settlement)
    earned = _earned(terms, units, start, until, settle, len(times))
    if contract.versus_baseline:
        earned = np.maximum(earned - _earned(terms, baseline_units, start, until, settle, len(times)), 0.0)
    by_settlement = earned.sum(axis=1)
    limit = np.minimum(terms.cap, terms.max_multiple * terms.principal)[:, None]
    before = np.cumsum(by_settlement, axis=1) - by_settlement
    paid = np.minimum(by_settlement, np.maximum(limit - before, 0.0))
    factor = _discount_factors(times, discount_rates)
    payments, payments_discounted = paid.sum(axis=1), np.sum(paid * factor, axis=1)

    # The investor: −disbursements, +settlements.
    cash_times = np.concatenate([terms.disbursed_at[0], times])
    cash = np.column_stack([-terms.disbursed, paid])
    received = payments

    # The payers: their savings against what they pay.
    payers = [(savings.index(d), d) for d in contract.payers]
    starts = np.concatenate([[start], times[:-1]]).astype(np.int64)
    fund_draw = np.zeros(len(paid))
    for p, (d, name) in enumerate(payers):
        if name.startswith(MUNICIPAL):
            saved_by_settlement = np.add.reduceat(savings.nominal[:, d, :until], starts, axis=1)
            owed = terms.shares[:, p, None] * paid
            fund_draw += np.sum(np.clip(owed - saved_by_settlement, 0.0, owed), axis=1)
    payer_saving = savings.discounted[:, [d for d, _ in payers], :n_months].sum(axis=1)
    paid_by_month_end = np.zeros((len(paid), n_months))
    paid_by_month_end[:, times.astype(np.int64) - 1] = paid * factor
    balance = np.cumsum(payer_saving, axis=1) - np.cumsum(paid_by_month_end, axis=1)
    below = balance < 0
    last_below = n_months - 1 - np.argmax(below[:, ::-1], axis=1)
    break_even = np.where(below[:, -1], np.nan, np.where(below.any(axis=1), last_below + 2.0, 1.0))
    return ContractResults(
        contract=contract.name, outcomes=units.outcomes, payers=tuple(contract.payers),
        settlement_times=np.tile(times, (len(paid), 1)), settlements=paid,
        earned=by_settlement.sum(axis=1), earned_by_outcome=earned.sum(axis=2),
        payments=payments, payments_discounted=payments_discounted,
        payer_payments=terms.shares * payments[:, None],
        payer_payments_discounted=terms.shares * payments_discounted[:, None],
        received=received, irr=irr_by_row(cash_times, cash), multiple=received / terms.principal,
        full_repayment=received >= terms.principal, expected_loss=np.maximum(0.0, terms.principal - received),
        outcome_fund_draw=fund_draw, fund_exhausted=fund_draw > terms.reserve,
        payer_net=payer_saving.sum(axis=1) - payments_discounted, break_even_month=break_even)


def _discount_factors(times: NDArray[np.float64], annual_rates: NDArray[np.float64]) -> NDArray[np.float64]:
    """(R, n_times): each replication's discount factors (the rate is mostly the same in all)."""
    rates, which = np.unique(annual_rates, return_inverse=True)
    return np.stack([discount_factor(times, rate) for rate in rates])[which.ravel()]


def check_units(contract: Contract, units: OutcomeUnits | StackedUnits, n_months: int, what: str) -> None:
    """Refuse units counted for other metrics or another horizon than the contract's."""
    if units.n_months != n_months:
        raise ValueError(f"contract {contract.name}: {what} cover {units.n_months} months, not {n_months}")
    expected = definitions(contract)
    if units.definitions != expected:
        changed = [o.name for o, a, b in zip(contract.outcomes, expected, units.definitions) if a != b]
        raise ValueError(f"contract {contract.name}: {what} were counted for other outcome definitions "
                         f"({', '.join(changed) or 'different outcomes'}); recompute them with outcome_units")


@dataclass(frozen=True)
class _Terms:
    """A contract's numbers in each of R replications, a row each (inf for an absent cap)."""

    window_start: NDArray[np.float64]  # whole months
    window_until: NDArray[np.float64]
    prices: NDArray[np.float64]  # (R, n_outcomes)
    unit_caps: NDArray[np.float64]  # (R, n_outcomes): per youth
    max_per_youth: NDArray[np.float64]
    cap: NDArray[np.float64]
    max_multiple: NDArray[np.float64]
    principal: NDArray[np.float64]
    disbursed_at: NDArray[np.float64]  # (R, n_disbursements)
    disbursed: NDArray[np.float64]  # (R, n_disbursements)
    shares: NDArray[np.float64]  # (R, n_payers), in the order of `contract.payers`
    reserve: NDArray[np.float64]

    @classmethod
    def of(cls, c: Contract, values: Mapping[str, NDArray[np.float64]], replications: int) -> "_Terms":
        """The terms of `c`, each `$name` taking its value in every replication from `values`."""
        def number(value: Any, what: str) -> NDArray[np.float64]:
            if isinstance(value, Ref) and value.name in values:
                return np.broadcast_to(np.asarray(values[value.name], dtype=float), (replications,))
            return np.full(replications, _plain(value, what))

        def columns(numbers: list[NDArray[np.float64]]) -> NDArray[np.float64]:
            return np.stack(numbers, axis=1) if numbers else np.zeros((replications, 0))

        if c.settlement not in SETTLEMENTS:
            raise ValueError(f"contract {c.name}: settlement must be one of {', '.join(SETTLEMENTS)}, "
                             f"found {c.settlement!r}")
        start, until = number(c.window_start, "window.from"), number(c.window_until, "window.until")
        bad = (start != np.floor(start)) | (until != np.floor(until)) | (until <= start) | (start < 0)
        if bad.any():
            raise ValueError(f"contract {c.name}: the window must be whole months with 0 ≤ from < until, "
                             f"found [{start[bad][0]:g}, {until[bad][0]:g})")
        caps = []
        for o in c.outcomes:
            if o.metric in ("achieved", "entered"):
                caps.append(np.ones(replications))
            elif o.metric == "months_in" and o.max_months is not None:
                caps.append(number(o.max_months, f"outcomes.{o.name}.max_months"))
            elif o.metric == "per_period" and o.max_periods is not None:
                caps.append(number(o.max_periods, f"outcomes.{o.name}.max_periods"))
            else:
                caps.append(np.full(replications, math.inf))
        principal = number(c.investor.principal, "investor.principal")
        if not np.all(principal > 0):
            raise ValueError(f"contract {c.name}: investor.principal must be positive, "
                             f"found {float(principal[~(principal > 0)][0])!r}")
        optional = {key: np.full(replications, math.inf) if getattr(c, key) is None
                    else number(getattr(c, key), key) for key in ("max_per_youth", "cap", "max_multiple")}
        return cls(
            window_start=start, window_until=until,
            prices=columns([number(o.price, f"outcomes.{o.name}.price") for o in c.outcomes]),
            unit_caps=columns(caps), principal=principal,
            disbursed_at=columns([number(at, "investor.disbursed.at") for at, _ in c.investor.disbursements]),
            disbursed=columns([number(a, "investor.disbursed.amount") for _, a in c.investor.disbursements]),
            shares=columns([number(s, f"payers.{d}") for d, s in c.payers.items()]),
            reserve=np.zeros(replications) if c.outcome_fund_reserve is None else number(
                c.outcome_fund_reserve, "outcome_fund.reserve"),
            **optional)

    def take(self, replications: NDArray[np.int64]) -> "_Terms":
        return _Terms(**{f.name: getattr(self, f.name)[replications] for f in dataclasses.fields(self)})


def _earned(terms: _Terms, units: StackedUnits, start: int, until: int, settle: NDArray[np.int64],
            n_settlements: int) -> NDArray[np.float64]:
    """(R, n_outcomes, n_settlements): value earned in each settlement period, after the per-youth cuts."""
    kept, settlement, counted = _counted(units, start, until, settle, n_settlements, terms.unit_caps)
    if np.all(np.isinf(terms.max_per_youth)):
        return terms.prices[:, :, None] * counted
    order = units.by_youth
    value = (kept * terms.prices[units.replication, units.outcome])[order]
    value = _cut_cumulative(value, units.first_of_youth, terms.max_per_youth[units.replication], units)
    cell = (units.replication * len(units.outcomes) + units.outcome) * n_settlements + settlement
    return np.bincount(cell[order], weights=value, minlength=counted.size).reshape(counted.shape)


def _counted(units: StackedUnits, start: int, until: int, settle: NDArray[np.int64], n_settlements: int,
             unit_caps: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray]:
    """Units counted in the window [start, until) after each outcome's per-youth cap, cumulatively
    in time order: per row, each row's settlement, and their sums (R, n_outcomes, n_settlements).
    The last answer is kept on `units`, for the next design of a sweep."""
    key = (start, until, settle.tobytes(), unit_caps.tobytes())
    if key not in units._counted:
        inside = (units.month >= start) & (units.month < until)
        kept = _cut_cumulative(np.where(inside, units.units, 0.0), units.first_of_youth_outcome,
                               unit_caps[units.replication, units.outcome], units)
        settlement = settle[np.clip(units.month - start, 0, until - start - 1)]
        shape = (units.replications, len(units.outcomes), n_settlements)
        cell = (units.replication * shape[1] + units.outcome) * n_settlements + settlement
        counted = np.bincount(cell, weights=kept, minlength=math.prod(shape)).reshape(shape)
        units._counted.clear()
        units._counted[key] = kept, settlement, counted
    return units._counted[key]


def _cut_cumulative(values: NDArray[np.float64], first: NDArray[np.bool_], limit: NDArray[np.float64] | float,
                    units: StackedUnits) -> NDArray[np.float64]:
    """What each row keeps under `limit` given the earlier rows of its group (rows in time order,
    `first` marking the start of each group, groups contiguous and within one replication's rows,
    values ≥ 0; rows in the order of `units` or of `units.by_youth`, which keep each replication's
    rows in the same places). Running totals restart in every replication, so that a
    replication's numbers do not depend on the others priced with it."""
    if len(values) == 0:
        return values.astype(float)
    running = np.zeros((units.replications, int(units.position.max()) + 1))
    running[units.replication, units.position] = values
    before = (np.cumsum(running, axis=1) - running)[units.replication, units.position]
    used = before - before[np.maximum.accumulate(np.where(first, np.arange(len(values)), 0))]
    return np.minimum(values, np.maximum(limit - used, 0.0))


def _starts(*columns: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Rows where any of the (sorted) columns changes: the first row of each group."""
    first = np.zeros(len(columns[0]), dtype=bool)
    first[:1] = True
    for column in columns:
        first[1:] |= column[1:] != column[:-1]
    return first


# --- Designs for a sweep -------------------------------------------------------------------------

_CONTRACT_TERMS = {"cap": "cap", "max_per_youth": "max_per_youth", "max_multiple": "max_multiple",
                   "settlement": "settlement", "versus_baseline": "versus_baseline",
                   "window.from": "window_start", "window.until": "window_until",
                   "window_start": "window_start", "window_until": "window_until",
                   "outcome_fund.reserve": "outcome_fund_reserve",
                   "outcome_fund_reserve": "outcome_fund_reserve"}
_OUTCOME_TERMS = {  # key -> (field, metrics it applies to; None: all)
    "price": ("price", None), "max_months": ("max_months", ("months_in",)),
    "max_periods": ("max_periods", ("per_period",)), "for_months": ("for_months", ("achieved",)),
    "months_after_arrival": ("checkpoints", ("status_at",)), "every": ("every", ("per_period",)),
    "at_least": ("at_least", ("per_period",)), "at_most": ("at_most", ("per_period",))}
_OPTIONAL = {"cap", "max_per_youth", "max_multiple", "outcome_fund_reserve", "max_months", "max_periods",
             "at_least", "at_most"}


def with_terms(contract: Contract, changes: Mapping[str, Any]) -> Contract:
    """The contract with some terms changed, keys written as in the YAML.

    Keys: `cap`, `max_per_youth`, `max_multiple`, `settlement`, `versus_baseline`, `window.from`,
    `window.until`, `outcome_fund.reserve`, `investor.principal` (the disbursements are scaled
    with it), and `outcomes.NAME.FIELD` with FIELD one of `price`, `max_months`, `max_periods`,
    or a metric's own field written as `outcomes.NAME.METRIC.FIELD` (or without METRIC):
    `achieved.for_months`, `status_at.months_after_arrival`, `per_period.every|at_least|at_most`.
    A changed metric field needs new `outcome_units`; `price` refuses the old ones.
    """
    result = contract
    for key, value in changes.items():
        result = _with_term(result, key, value)
    return result


def _with_term(contract: Contract, key: str, value: Any) -> Contract:
    where = f"contract {contract.name}: {key!r}"
    if key in _CONTRACT_TERMS:
        field = _CONTRACT_TERMS[key]
        if field == "settlement":
            if value not in SETTLEMENTS:
                raise ValueError(f"{where}: expected one of {', '.join(SETTLEMENTS)}, found {value!r}")
        elif field == "versus_baseline":
            if not isinstance(value, bool):
                raise ValueError(f"{where}: expected true or false, found {value!r}")
        else:
            value = _number(value, where, optional=field in _OPTIONAL)
        return dataclasses.replace(contract, **{field: value})
    if key == "investor.principal":
        principal = _number(value, where, optional=False)
        if principal <= 0:
            raise ValueError(f"{where}: expected a positive number, found {value!r}")
        old = _plain(contract.investor.principal, "investor.principal")
        scaled = tuple((at, _plain(amount, "investor.disbursed.amount") * principal / old)
                       for at, amount in contract.investor.disbursements)
        return dataclasses.replace(contract, investor=dataclasses.replace(
            contract.investor, principal=principal, disbursements=scaled))
    if key.startswith("outcomes."):
        rest = key[len("outcomes."):]
        names = [o.name for o in contract.outcomes if rest.startswith(o.name + ".")]
        if not names:
            raise ValueError(f"{where}: no such outcome (outcomes: {', '.join(o.name for o in contract.outcomes)})")
        name = max(names, key=len)
        index = [o.name for o in contract.outcomes].index(name)
        outcome = contract.outcomes[index]
        parts = rest[len(name) + 1:].split(".")
        if len(parts) == 2 and parts[0] == outcome.metric:
            parts = parts[1:]
        if len(parts) != 1 or parts[0] not in _OUTCOME_TERMS:
            raise ValueError(f"{where}: not a term of outcome {name} (terms: "
                             f"{', '.join(k for k, (_, m) in _OUTCOME_TERMS.items() if m is None or outcome.metric in m)})")
        field, metrics = _OUTCOME_TERMS[parts[0]]
        if metrics is not None and outcome.metric not in metrics:
            raise ValueError(f"{where}: {parts[0]} does not apply to a {outcome.metric} outcome")
        if field == "checkpoints":
            if not isinstance(value, (list, tuple)) or not value:
                raise ValueError(f"{where}: expected a list of months, found {value!r}")
            value = tuple(_number(v, where, optional=False) for v in value)
        else:
            value = _number(value, where, optional=field in _OPTIONAL)
        outcomes = list(contract.outcomes)
        outcomes[index] = dataclasses.replace(outcome, **{field: value})
        return dataclasses.replace(contract, outcomes=tuple(outcomes))
    raise ValueError(f"{where}: no such contract term (terms: {', '.join(sorted(set(_CONTRACT_TERMS)))}, "
                     f"investor.principal, outcomes.NAME.FIELD)")


def _number(value: Any, where: str, optional: bool) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(float(value)) or float(value) < 0:
        raise ValueError(f"{where}: expected a number ≥ 0{' or None' if optional else ''}, found {value!r}")
    return float(value)


def _plain(value: Any, what: str) -> float:
    if isinstance(value, Ref):
        raise ValueError(f"{what} is still ${value.name}: bind the contract with the arm's parameter values")
    if value is None:
        raise ValueError(f"{what} is missing")
    return float(value)
