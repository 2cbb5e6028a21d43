"""Pricing: what a contract's outcome units earn, what is paid and settled, what the investor gets.

`price_replications(contract, values, units, baseline_units, savings, ...)` does everything
money — prices, window, per-youth and total caps, `versus_baseline`, settlement, payers,
investor, outcome fund — from the outcome units of both arms (`simulator.money.units`) and
their savings, for R replications at once, as arrays (`price` is its one-replication case). It
needs no trajectories, so a sweep re-prices stored units without re-simulating (spec §1.7,
STYLE §6).

This module does not simulate, does not aggregate over replications and writes no files.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from simulator.money.finance import discount_factor, irr_by_row, settlement_of_month, settlement_times
from simulator.money.flows import DepartmentCosts
from simulator.money.units import OutcomeUnits, StackedUnits, check_units
from simulator.language.scenario import Contract, Ref, plain

MUNICIPAL = "municipality."


@dataclass(frozen=True)
class ContractResult:
    """One contract priced on one replication. Money in the scenario's currency.

    Nominal amounts are undiscounted; `*_discounted` are discounted to t = 0 at the settlement
    times (payments move when settled). `outcome_fund_draw` is nominal, like the savings it is
    set against. Savings are counted over the contract's `youths` only (spec §4.2).
    """

    contract: str
    settlement_times: NDArray[np.float64]  # months
    settlements: NDArray[np.float64]  # nominal, paid at each settlement time
    earned: float  # nominal value earned before `cap` and `max_multiple` (after per-youth cuts)
    earned_by_outcome: Mapping[str, float]
    payments_nominal: float
    payments_discounted: float
    payer_payments_nominal: Mapping[str, float]  # per payer department
    payer_payments_discounted: Mapping[str, float]
    received: float  # nominal, by the investor
    irr: float  # annual; −1.0 when nothing is repaid
    multiple: float  # received / principal
    full_repayment: bool  # received ≥ principal
    expected_loss: float  # max(0, principal − received), nominal
    outcome_fund_draw: float  # nominal
    fund_exhausted: bool  # outcome_fund_draw > reserve (reserve 0 when the contract has no outcome fund)
    payer_net: float  # discounted: the payers' net savings on the contract's youths minus their payments
    break_even_month: float  # month end; 0 when the payers are never behind, NaN if they never break even
    at_cap: bool  # payments reached `cap` or `max_multiple` × principal
    guarantee_paid: float  # nominal, by every guarantee together, at window.until
    null_effect_payments: float  # discounted: what it pays on the baseline arm's units (NaN without them)
    deadweight_share: float  # min(null_effect_payments, payments_discounted) / payments_discounted; NaN if nothing is paid


@dataclass(frozen=True)
class ContractResults:
    """One contract priced on R replications: `ContractResult`'s numbers with a first axis of
    replications (payers and outcomes in columns, in the contract's order). A replication with
    fewer settlements than others (its window drawn shorter) has NaN times and 0 in the rest.
    `cumulative_cash` gives the payers' and the investor's cash month by month."""

    contract: str
    outcomes: tuple[str, ...]
    payers: tuple[str, ...]
    settlement_times: NDArray[np.float64]  # (R, n_settlements)
    settlements: NDArray[np.float64]  # (R, n_settlements)
    earned: NDArray[np.float64]
    earned_by_outcome: NDArray[np.float64]  # (R, n_outcomes)
    payments_nominal: NDArray[np.float64]
    payments_discounted: NDArray[np.float64]
    payer_payments_nominal: NDArray[np.float64]  # (R, n_payers)
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
    at_cap: NDArray[np.bool_]
    guarantee_paid: NDArray[np.float64]
    null_effect_payments: NDArray[np.float64]
    deadweight_share: NDArray[np.float64]
    guarantees_paid: NDArray[np.float64]  # (R, n_guarantees), nominal, in the contract's order
    guarantee_at: NDArray[np.float64]  # (R,): when the guarantees pay, window.until
    payer_balance: NDArray[np.float64]  # (R, n_months): payer_net so far, at month ends 1 … n_months
    disbursed_at: NDArray[np.float64]  # (R, n_disbursements), months
    disbursed: NDArray[np.float64]  # (R, n_disbursements), nominal

    def replication(self, r: int) -> ContractResult:
        """Replication r's results."""
        settled = ~np.isnan(self.settlement_times[r])
        fields = {f.name: getattr(self, f.name)[r].item() for f in dataclasses.fields(ContractResult)
                  if f.name not in _RESULT_COLUMNS}
        return ContractResult(
            **fields, contract=self.contract, settlement_times=self.settlement_times[r, settled],
            settlements=self.settlements[r, settled],
            earned_by_outcome=dict(zip(self.outcomes, self.earned_by_outcome[r].tolist())),
            payer_payments_nominal=dict(zip(self.payers, self.payer_payments_nominal[r].tolist())),
            payer_payments_discounted=dict(zip(self.payers, self.payer_payments_discounted[r].tolist())))

    def cumulative_cash(self) -> NDArray[np.float64]:
        """(R, 2, n_months + 1): cumulative at each month end 0 … n_months, [:, 0] the payers'
        discounted net savings minus their discounted payments, [:, 1] the investor's nominal
        cash (−disbursements, +settlements; a disbursement counts at the month end on or after it)."""
        replications, n_months = self.payer_balance.shape
        payers = np.column_stack([np.zeros(replications), self.payer_balance])
        month_end = lambda times: np.clip(np.ceil(times).astype(np.int64), 0, n_months)
        investor = np.zeros((replications, n_months + 1))
        row, column = np.nonzero(~np.isnan(self.settlement_times))
        np.add.at(investor, (row, month_end(self.settlement_times[row, column])), self.settlements[row, column])
        row = np.repeat(np.arange(replications), self.disbursed.shape[1])
        np.add.at(investor, (row, month_end(self.disbursed_at.ravel())), -self.disbursed.ravel())
        return np.stack([payers, np.cumsum(investor, axis=1)], axis=1)

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


_RESULT_COLUMNS = ("contract", "settlement_times", "settlements", "earned_by_outcome", "payer_payments_nominal",
                   "payer_payments_discounted")  # the fields `replication` makes per replication


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
    rate = plain(discount_rate, "economics.discount_rate")
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
    (floored at zero), or above a reference level's count (`above: {count}`: count × price off
    each outcome's earnings in each settlement, floored at zero), and finally cut on the running total by `cap` and `max_multiple` ×
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
    times = settlement_times(terms.window_start[0], terms.window_until[0], contract.settlement)  # whole months
    start, until = int(terms.window_start[0]), int(terms.window_until[0])
    settle = settlement_of_month(start, until, contract.settlement)
    earned, limit, paid = _paid(contract, terms, units, baseline_units, start, until, settle, len(times))
    factor = _discount_factors(times, discount_rates)
    payments, payments_discounted = paid.sum(axis=1), np.sum(paid * factor, axis=1)
    # A programme with no effect: its youths live the baseline arm's lives, under the same terms
    # (set against the baseline itself, they earn exactly nothing: x − x is 0 in floating point).
    if contract.versus_baseline:
        null_effect = np.zeros(len(paid))
    elif baseline_units is None:
        null_effect = np.full(len(paid), np.nan)
    else:
        null_paid = _paid(contract, terms, baseline_units, None, start, until, settle, len(times))[2]
        null_effect = np.sum(null_paid * factor, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        deadweight = np.where(payments_discounted > 0,
                              np.minimum(null_effect, payments_discounted) / payments_discounted, np.nan)

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
    # Break-even: the first month end from which the payers' cumulative net stays >= 0; 0 when
    # it never falls below (ahead from the start), NaN when it ends below.
    payer_saving = savings.discounted[:, [d for d, _ in payers], :n_months].sum(axis=1)
    paid_by_month_end = np.zeros((len(paid), n_months))
    paid_by_month_end[:, times.astype(np.int64) - 1] = paid * factor
    balance = np.cumsum(payer_saving, axis=1) - np.cumsum(paid_by_month_end, axis=1)
    below = balance < 0
    last_below = n_months - 1 - np.argmax(below[:, ::-1], axis=1)
    break_even = np.where(below[:, -1], np.nan, np.where(below.any(axis=1), last_below + 2.0, 0.0))
    # Guarantees, paid at window.until: the investor's loss or the outcome fund's overrun, up to each's amount.
    shortfall = {"investor_loss": np.maximum(0.0, terms.principal - received),
                 "outcome_fund_overrun": np.maximum(0.0, fund_draw - terms.reserve)}
    guarantees = np.zeros((len(paid), len(contract.guarantees)))
    for g, guarantee in enumerate(contract.guarantees):
        guarantees[:, g] = np.minimum(shortfall[guarantee.covers], terms.guarantee_up_to[:, g])
    return ContractResults(
        contract=contract.name, outcomes=units.outcomes, payers=tuple(contract.payers),
        settlement_times=np.tile(times, (len(paid), 1)), settlements=paid,
        earned=earned.sum(axis=1).sum(axis=1), earned_by_outcome=earned.sum(axis=2),
        payments_nominal=payments, payments_discounted=payments_discounted,
        payer_payments_nominal=terms.shares * payments[:, None],
        payer_payments_discounted=terms.shares * payments_discounted[:, None],
        received=received, irr=irr_by_row(cash_times, cash), multiple=received / terms.principal,
        full_repayment=received >= terms.principal, expected_loss=np.maximum(0.0, terms.principal - received),
        outcome_fund_draw=fund_draw, fund_exhausted=fund_draw > terms.reserve,
        payer_net=payer_saving.sum(axis=1) - payments_discounted, break_even_month=break_even,
        at_cap=np.isfinite(limit[:, 0]) & (payments >= limit[:, 0] * (1 - 1e-12)),
        guarantee_paid=guarantees.sum(axis=1), null_effect_payments=null_effect, deadweight_share=deadweight,
        guarantees_paid=guarantees, guarantee_at=terms.window_until,
        payer_balance=balance, disbursed_at=terms.disbursed_at, disbursed=terms.disbursed)


def _paid(contract: Contract, terms: "_Terms", units: StackedUnits, baseline_units: StackedUnits | None,
          start: int, until: int, settle: NDArray[np.int64], n_settlements: int
          ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """What `units` earn (R, n_outcomes, n_settlements), the limit on the running total (R, 1),
    and what is paid at each settlement (R, n_settlements), nominal."""
    earned = _earned(terms, units, start, until, settle, n_settlements)
    if contract.versus_baseline:
        earned = np.maximum(earned - _earned(terms, baseline_units, start, until, settle, n_settlements), 0.0)
    if terms.free_units.any():  # reference levels of a count: the first units of each settlement are not paid
        earned = np.maximum(earned - (terms.prices * terms.free_units)[:, :, None], 0.0)
    by_settlement = earned.sum(axis=1)
    limit = np.minimum(terms.cap, terms.max_multiple * terms.principal)[:, None]
    before = np.cumsum(by_settlement, axis=1) - by_settlement
    return earned, limit, np.minimum(by_settlement, np.maximum(limit - before, 0.0))


def _discount_factors(times: NDArray[np.float64], annual_rates: NDArray[np.float64]) -> NDArray[np.float64]:
    """(R, n_times): each replication's discount factors (the rate is mostly the same in all)."""
    rates, which = np.unique(annual_rates, return_inverse=True)
    return np.stack([discount_factor(times, rate) for rate in rates])[which.ravel()]


@dataclass(frozen=True)
class _Terms:
    """A contract's numbers in each of R replications, a row each (inf for an absent cap)."""

    window_start: NDArray[np.float64]  # whole months
    window_until: NDArray[np.float64]
    prices: NDArray[np.float64]  # (R, n_outcomes)
    unit_caps: NDArray[np.float64]  # (R, n_outcomes): per youth
    free_units: NDArray[np.float64]  # (R, n_outcomes): a reference level's count per settlement, else 0
    max_per_youth: NDArray[np.float64]
    cap: NDArray[np.float64]
    max_multiple: NDArray[np.float64]
    principal: NDArray[np.float64]
    disbursed_at: NDArray[np.float64]  # (R, n_disbursements)
    disbursed: NDArray[np.float64]  # (R, n_disbursements)
    shares: NDArray[np.float64]  # (R, n_payers), in the order of `contract.payers`
    reserve: NDArray[np.float64]
    guarantee_up_to: NDArray[np.float64]  # (R, n_guarantees)

    @classmethod
    def of(cls, c: Contract, values: Mapping[str, NDArray[np.float64]], replications: int) -> "_Terms":
        """The terms of `c`, each `$name` taking its value in every replication from `values`."""
        def number(value: Any, what: str) -> NDArray[np.float64]:
            if isinstance(value, Ref) and value.name in values:
                return np.broadcast_to(np.asarray(values[value.name], dtype=float), (replications,))
            return np.full(replications, plain(value, what))

        def columns(numbers: list[NDArray[np.float64]]) -> NDArray[np.float64]:
            return np.stack(numbers, axis=1) if numbers else np.zeros((replications, 0))

        start, until = number(c.window_start, "window.from"), number(c.window_until, "window.until")
        caps = [np.full(replications, math.inf) if o.max_units_per_youth is None
                else number(o.max_units_per_youth, f"outcomes.{o.name} per-youth cap") for o in c.outcomes]
        principal = number(c.investor.principal, "investor.principal")
        optional = {key: np.full(replications, math.inf) if getattr(c, key) is None
                    else number(getattr(c, key), key) for key in ("max_per_youth", "cap", "max_multiple")}
        return cls(
            window_start=start, window_until=until,
            prices=columns([number(o.price, f"outcomes.{o.name}.price") for o in c.outcomes]),
            unit_caps=columns(caps), principal=principal,
            free_units=columns([np.full(replications, o.above.value if o.above is not None and
                                        o.above.kind == "count" else 0.0) for o in c.outcomes]),
            disbursed_at=columns([number(at, "investor.disbursed.at") for at, _ in c.investor.disbursements]),
            disbursed=columns([number(a, "investor.disbursed.amount") for _, a in c.investor.disbursements]),
            shares=columns([number(s, f"payers.{d}") for d, s in c.payers.items()]),
            reserve=np.zeros(replications) if c.outcome_fund_reserve is None else number(
                c.outcome_fund_reserve, "outcome_fund.reserve"),
            guarantee_up_to=columns([number(g.up_to, "guarantee.up_to") for g in c.guarantees]),
            **optional)

    def take(self, replications: NDArray[np.int64]) -> "_Terms":
        return _Terms(**{f.name: getattr(self, f.name)[replications] for f in dataclasses.fields(self)})


def _earned(terms: _Terms, units: StackedUnits, start: int, until: int, settle: NDArray[np.int64],
            n_settlements: int) -> NDArray[np.float64]:
    """(R, n_outcomes, n_settlements): value earned in each settlement period, after the per-youth cuts.
    The last answer is kept on `units` (read-only): a sweep of the cap, the multiple or the
    principal, and the null-effect payments of every design, then cost no recount."""
    key = ("earned", start, until, settle.tobytes(), n_settlements, terms.unit_caps.tobytes(),
           terms.prices.tobytes(), terms.max_per_youth.tobytes())
    if key not in units._counted:
        earned = _earn(terms, units, start, until, settle, n_settlements)
        earned.setflags(write=False)
        for old in [k for k in units._counted if k[0] == "earned"]:
            del units._counted[old]
        units._counted[key] = earned
    return units._counted[key]


def _earn(terms: _Terms, units: StackedUnits, start: int, until: int, settle: NDArray[np.int64],
          n_settlements: int) -> NDArray[np.float64]:
    """`_earned`, computed."""
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
    key = ("counted", start, until, settle.tobytes(), unit_caps.tobytes())
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
