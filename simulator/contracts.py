"""Outcome payments: what a contract's outcomes earn, what is paid and settled, what the investor gets.

Two steps, both pure functions (no SimPy, no random numbers), so that one simulation can price
many contract designs (spec §1.7, STYLE §6):

1. `outcome_units(contract, trajectories, n_months)`: the units each youth earns for each outcome
   in each month bin over the whole horizon. It depends only on what the outcomes measure (their
   metric, states, `for_months`, checkpoints, periods, thresholds) and on `youths`.
2. `price(contract, units, baseline_units, costs_by_arm, ...)`: everything money — prices, window,
   per-youth and total caps, `versus_baseline`, settlement, payers, investor, outcome fund. It
   needs only the units of both arms and their `DepartmentCosts`, so a sweep re-prices stored
   units without re-simulating. `with_terms` makes the changed designs.

This module does not simulate, does not aggregate over replications and writes no files.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
from numpy.typing import NDArray

from simulator.finance import discount_factor, irr, settlement_of_month, settlement_times
from simulator.flows import DepartmentCosts, split_by_month
from simulator.scenario import Condition, Contract, Outcome, Ref
from simulator.trajectories import Stays, Trajectories

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


def outcome_units(contract: Contract, trajectories: Trajectories, n_months: int) -> OutcomeUnits:
    """Units earned by the youths matching `contract.youths`, per outcome, youth and month bin.

    An event at time t falls in bin floor(t); an event at the horizon itself (a period or a stay
    ending there, a checkpoint there) falls in the last bin.

    References: spec §1.7.
    """
    if n_months != math.ceil(trajectories.horizon):
        raise ValueError(f"n_months must be the number of month bins of the horizon, "
                         f"ceil({trajectories.horizon:g}) = {math.ceil(trajectories.horizon)}; found {n_months}")
    chosen = trajectories.youths_matching(contract.youths.attributes)
    n_youths = trajectories.youths
    keys, amounts = [np.zeros(0, dtype=np.int64)], [np.zeros(0)]
    found: dict[tuple[str, bool], Stays] = {}
    for index, outcome in enumerate(contract.outcomes):
        key = (_condition_text(outcome.condition), outcome.inside)
        if key not in found:
            found[key] = trajectories.stays(outcome.condition, inside=outcome.inside)
        stays = found[key]
        youth, month, units = _METRICS[outcome.metric](outcome, stays, trajectories, n_months)
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
    months = stays.time_before(youth, end) - stays.time_before(youth, begin)
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
    texts = []
    for o in contract.outcomes:
        texts.append("|".join([
            o.name, o.metric, "in" if o.inside else "not_in", _condition_text(o.condition),
            f"for_months={_text(o.for_months)}", "checkpoints=" + ",".join(_text(c) for c in o.checkpoints),
            f"every={_text(o.every)}", f"at_least={_text(o.at_least)}", f"at_most={_text(o.at_most)}",
            f"youths={youths}"]))
    return tuple(texts)


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
    times (payments move when settled). `fund_draw` is nominal, like the savings it is set
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
    fund_draw: float  # nominal
    fund_exhausted: bool  # fund_draw > reserve (reserve 0 when the contract has no outcome fund)
    payer_net: float  # discounted: the payers' net savings minus their payments
    break_even_month: float  # month end; NaN if never

    def metrics(self) -> dict[str, float]:
        """The scalar results, for one row of a table."""
        return {"payments": self.payments, "payments_discounted": self.payments_discounted,
                "earned": self.earned, "received": self.received, "irr": self.irr,
                "multiple": self.multiple, "full_repayment": float(self.full_repayment),
                "expected_loss": self.expected_loss, "fund_draw": self.fund_draw,
                "fund_exhausted": float(self.fund_exhausted), "payer_net": self.payer_net,
                "break_even_month": self.break_even_month}


def price(contract: Contract, units: OutcomeUnits, baseline_units: OutcomeUnits | None,
          costs_by_arm: Mapping[str, DepartmentCosts], baseline: str, n_months: int,
          discount_rate: float) -> ContractResult:
    """Price a bound contract on the outcome units of its arm (and of the baseline arm).

    Earned value = price × units in the month bins of [window.from, window.until), cut per youth
    and outcome by once-per-youth / `max_months` / `max_periods`, per youth by `max_per_youth`
    (each cumulatively in time order; outcomes in contract order within a month), then — with
    `versus_baseline` — reduced per outcome and settlement to the excess over the baseline arm
    (floored at zero), and finally cut on the running total by `cap` and `max_multiple` ×
    principal at each settlement.

    References: spec §1.7 and §3.
    """
    terms = _Terms.of(contract)
    discount_rate = _plain(discount_rate, "economics.discount_rate")
    check_units(contract, units, n_months, "units")
    if contract.versus_baseline:
        if baseline_units is None:
            raise ValueError(f"contract {contract.name}: versus_baseline needs the baseline arm's units")
        check_units(contract, baseline_units, n_months, "baseline_units")
    if terms.window_until > n_months:
        raise ValueError(f"contract {contract.name}: window.until ({terms.window_until}) is after the "
                         f"last month ({n_months})")
    times = settlement_times(terms.window_start, terms.window_until, contract.settlement)
    settle = settlement_of_month(terms.window_start, terms.window_until, contract.settlement)
    earned = _earned(terms, units, settle, len(times))
    if contract.versus_baseline:
        earned = np.maximum(earned - _earned(terms, baseline_units, settle, len(times)), 0.0)
    by_settlement = earned.sum(axis=0)
    limit = min(terms.cap, terms.max_multiple * terms.principal)
    before = np.cumsum(by_settlement) - by_settlement
    paid = by_settlement if math.isinf(limit) else np.minimum(by_settlement, np.maximum(limit - before, 0.0))
    factor = discount_factor(times, discount_rate)
    payments, payments_discounted = float(paid.sum()), float(np.sum(paid * factor))

    # The investor: −disbursements, +settlements.
    cash_times = np.r_[terms.disbursed_at, times]
    cash = np.r_[-terms.disbursed, paid]
    received = payments

    # The payers: their savings against what they pay.
    arm_costs, base_costs = costs_by_arm[contract.arm], costs_by_arm[baseline]
    if arm_costs.departments != base_costs.departments:
        raise ValueError("the arms' DepartmentCosts list different departments")
    if arm_costs.n_months < n_months:
        raise ValueError(f"DepartmentCosts cover {arm_costs.n_months} months, fewer than {n_months}")
    saved = base_costs.nominal - arm_costs.nominal
    saved_discounted = base_costs.discounted - arm_costs.discounted
    payers = [(arm_costs.index(d), d, share) for d, share in terms.payers.items()]
    starts = np.r_[terms.window_start, times[:-1]].astype(np.int64)
    fund_draw = 0.0
    for d, name, share in payers:
        if name.startswith(MUNICIPAL):
            saved_by_settlement = np.add.reduceat(saved[d, :terms.window_until], starts)
            owed = share * paid
            fund_draw += float(np.sum(np.clip(owed - saved_by_settlement, 0.0, owed)))
    payer_rows = [d for d, _, _ in payers]
    payer_saving = saved_discounted[payer_rows, :n_months].sum(axis=0)
    paid_by_month_end = np.zeros(n_months)
    np.add.at(paid_by_month_end, times.astype(np.int64) - 1, paid * factor)
    balance = np.cumsum(payer_saving) - np.cumsum(paid_by_month_end)
    below = np.flatnonzero(balance < 0)
    if len(balance) == 0 or balance[-1] < 0:
        break_even = math.nan
    else:
        break_even = float(below[-1] + 2) if len(below) else 1.0
    return ContractResult(
        contract=contract.name, settlement_times=times, settlements=paid,
        earned=float(by_settlement.sum()),
        earned_by_outcome={name: float(v) for name, v in zip(units.outcomes, earned.sum(axis=1))},
        payments=payments, payments_discounted=payments_discounted,
        payer_payments={name: share * payments for _, name, share in payers},
        payer_payments_discounted={name: share * payments_discounted for _, name, share in payers},
        received=received, irr=irr(cash_times, cash), multiple=received / terms.principal,
        full_repayment=bool(received >= terms.principal),
        expected_loss=max(0.0, terms.principal - received),
        fund_draw=fund_draw, fund_exhausted=bool(fund_draw > terms.reserve),
        payer_net=float(payer_saving.sum()) - payments_discounted, break_even_month=break_even)


def check_units(contract: Contract, units: OutcomeUnits, n_months: int, what: str) -> None:
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
    """A bound contract's numbers as plain floats (inf for an absent cap)."""

    window_start: int
    window_until: int
    prices: NDArray[np.float64]
    unit_caps: NDArray[np.float64]  # per outcome and youth
    max_per_youth: float
    cap: float
    max_multiple: float
    principal: float
    disbursed_at: NDArray[np.float64]
    disbursed: NDArray[np.float64]
    payers: Mapping[str, float]
    reserve: float

    @classmethod
    def of(cls, c: Contract) -> "_Terms":
        if c.settlement not in SETTLEMENTS:
            raise ValueError(f"contract {c.name}: settlement must be one of {', '.join(SETTLEMENTS)}, "
                             f"found {c.settlement!r}")
        start, until = _plain(c.window_start, "window.from"), _plain(c.window_until, "window.until")
        if start != math.floor(start) or until != math.floor(until) or until <= start or start < 0:
            raise ValueError(f"contract {c.name}: the window must be whole months with 0 ≤ from < until, "
                             f"found [{start:g}, {until:g})")
        caps = []
        for o in c.outcomes:
            if o.metric in ("achieved", "entered"):
                caps.append(1.0)
            elif o.metric == "months_in" and o.max_months is not None:
                caps.append(_plain(o.max_months, f"outcomes.{o.name}.max_months"))
            elif o.metric == "per_period" and o.max_periods is not None:
                caps.append(_plain(o.max_periods, f"outcomes.{o.name}.max_periods"))
            else:
                caps.append(math.inf)
        principal = _plain(c.investor.principal, "investor.principal")
        if not principal > 0:
            raise ValueError(f"contract {c.name}: investor.principal must be positive, found {principal!r}")
        optional = {key: math.inf if getattr(c, key) is None else _plain(getattr(c, key), key)
                    for key in ("max_per_youth", "cap", "max_multiple")}
        return cls(
            window_start=int(start), window_until=int(until),
            prices=np.array([_plain(o.price, f"outcomes.{o.name}.price") for o in c.outcomes], dtype=float),
            unit_caps=np.array(caps, dtype=float), principal=principal,
            disbursed_at=np.array([_plain(at, "investor.disbursed.at") for at, _ in c.investor.disbursements]),
            disbursed=np.array([_plain(a, "investor.disbursed.amount") for _, a in c.investor.disbursements]),
            payers={d: _plain(s, f"payers.{d}") for d, s in c.payers.items()},
            reserve=0.0 if c.outcome_fund_reserve is None else _plain(c.outcome_fund_reserve,
                                                                       "outcome_fund.reserve"),
            **optional)


def _earned(terms: _Terms, units: OutcomeUnits, settle: np.ndarray, n_settlements: int) -> np.ndarray:
    """(n_outcomes, n_settlements): value earned in each settlement period, after the per-youth cuts."""
    inside = (units.month >= terms.window_start) & (units.month < terms.window_until)
    outcome, youth, month = units.outcome[inside], units.youth[inside], units.month[inside]
    value = units.units[inside]  # rows stay sorted by (outcome, youth, month)
    value = _cut_cumulative(value, (outcome.astype(np.int64) * units.n_youths + youth),
                            terms.unit_caps[outcome]) * terms.prices[outcome]
    if not math.isinf(terms.max_per_youth):
        order = np.lexsort((outcome, month, youth))
        cut = _cut_cumulative(value[order], youth[order], terms.max_per_youth)
        value = np.empty_like(value)
        value[order] = cut
    s = settle[month - terms.window_start]
    n_outcomes = len(terms.prices)
    return np.bincount(outcome.astype(np.int64) * n_settlements + s, weights=value,
                       minlength=n_outcomes * n_settlements).reshape(n_outcomes, n_settlements)


def _cut_cumulative(values: np.ndarray, group: np.ndarray, limit: np.ndarray | float) -> np.ndarray:
    """What each row keeps under `limit` given the earlier rows of its group (rows in time order,
    each group contiguous, values ≥ 0)."""
    if len(values) == 0:
        return values.astype(float)
    first = np.r_[True, group[1:] != group[:-1]]
    before = np.cumsum(values) - values
    used = before - before[np.maximum.accumulate(np.where(first, np.arange(len(values)), 0))]
    return np.minimum(values, np.maximum(limit - used, 0.0))


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
