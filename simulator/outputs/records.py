"""Per-replication records: each replication reduced to small, fixed-shape arrays as it is made.

A replication's `Trajectories` are reduced to a record as soon as they are made, so memory does
not grow with the number of replications beyond these records. The record's keys and how a chunk
stacks records are the results folder's (`outputs/folder.py`): chunks are stored and resumed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

from simulator.money.flows import DepartmentCosts, evaluate_flows_by_group
from simulator.money.accounts import Priced, positions
from simulator.money.pricing import Savings, price_replications
from simulator.money.units import Counting, OutcomeUnits, StackedUnits, definitions
from simulator.engine.model import Replication
from simulator.language.scenario import Contract, Scenario, bind, binder
from simulator.outputs import metrics
from simulator.outputs.folder import (COST, OCCUPANCY, PARAMETERS, POSITION, WAIT_MONTHS, YOUTHS, ContractKeys,
                                      stack_records)


@dataclass(frozen=True)
class Layout:
    """The shape of a record: which arm, track, state, resource and parameter sits where."""

    arms: tuple[str, ...]
    occupancy_rows: tuple[tuple[str, str], ...]  # (track, state), over every arm
    months: int  # occupancy at months 0 … months
    resources: tuple[str, ...]
    parameters: tuple[tuple[str, str], ...]  # (arm, name); arm "" for a parameter shared by all
    departments: tuple[str, ...]
    money_months: int  # month bins [m, m+1) of money: ceil(horizon)
    contracts: tuple[str, ...]
    payers: tuple[tuple[str, ...], ...]  # per contract

    @classmethod
    def of(cls, scenario: Scenario) -> "Layout":
        rows: list[tuple[str, str]] = []
        resources: list[str] = []
        parameters: list[tuple[str, str]] = []
        for arm in scenario.arms.values():
            for track in arm.model.tracks:
                rows += [(track.name, state) for state in track.states if (track.name, state) not in rows]
            resources += [name for name in arm.model.resources if name not in resources]
            for name, parameter in arm.model.parameters.items():
                key = (arm.name if name in arm.own_parameters else "", name)
                if parameter.uncertain and key not in parameters:
                    parameters.append(key)
        return cls(tuple(scenario.arms), tuple(rows), int(np.floor(scenario.horizon)),
                   tuple(resources), tuple(parameters), scenario.economics.departments,
                   int(np.ceil(scenario.horizon)), tuple(scenario.contracts),
                   tuple(tuple(c.payers) for c in scenario.contracts.values()))


def record_replications(scenario: Scenario, layout: Layout, replications: Iterable[Replication]
                        ) -> dict[str, np.ndarray]:
    """What some replications contribute to the results, stacked along a first axis.

    Each replication is reduced to fixed-shape arrays as it comes, so memory holds records, not
    trajectories; then each contract is priced on all of them at once (`price_replications`
    gives every replication exactly the numbers it gets priced alone, so how replications are
    grouped into chunks never shows in the results).
    """
    plan = _Plan.of(scenario, layout)
    records, numbers, pricing = [], [], []
    for replication in replications:
        record, inputs = _record(scenario, layout, plan, replication)
        records.append(record)
        numbers.append(replication.replication)
        pricing.append(inputs)
    priced = [_price_contract(scenario, layout, index, name, records, pricing)
              for index, name in enumerate(layout.contracts if layout.departments else ())]
    if layout.departments:
        cost = np.stack([record[COST] for record in records])
        rates = np.array([p.rate for p in pricing])
        for record, position in zip(records, positions(layout.departments, layout.arms, scenario.baseline,
                                                       cost, priced, rates)):
            record[POSITION] = position
    return stack_records(records, numbers)


@dataclass(frozen=True)
class _Plan:
    """What recording a replication needs that no replication's numbers change, worked out once
    per chunk: where each occupancy row goes, and the flows, economics and contracts ready to
    take a replication's parameter values (`binder`), their outcomes' texts already written."""

    occupancy_rows: dict[tuple[str, str], int]  # (track, state) -> its row in the record
    flows: dict[str, Callable]  # arm -> values -> its bound flows
    economics: Callable  # values -> bound economics
    contracts: tuple[Contract, ...]  # in layout order
    counting: tuple[Counting, ...]  # each contract's, unbound: used as it is when `fixed`

    @classmethod
    def of(cls, scenario: Scenario, layout: Layout) -> "_Plan":
        contracts = tuple(scenario.contracts[name] for name in layout.contracts)
        return cls({row: i for i, row in enumerate(layout.occupancy_rows)},
                   {name: binder(arm.model.flows) for name, arm in scenario.arms.items()},
                   binder(scenario.economics), contracts, tuple(Counting.of(c) for c in contracts))


@dataclass(frozen=True)
class _ToPrice:
    """What pricing one replication's contracts needs, kept until its chunk is priced."""

    values: dict[str, dict[str, float]]  # arm -> parameter -> value
    rate: float  # annual discount rate, as the baseline arm has it
    units: dict[str, tuple]  # contract -> (its arm's units, the baseline's)
    savings: dict[str, np.ndarray]  # contract -> its youths' savings: (payers, months, nominal | discounted)


def _record(scenario: Scenario, layout: Layout, plan: _Plan, replication: Replication
            ) -> tuple[dict, _ToPrice | None]:
    """One replication's record (all but what its contracts pay), and what pricing them needs
    (None without departments, hence without contracts to price)."""
    arms = len(layout.arms)
    baseline = layout.arms[0]
    occupancy = np.full((arms, len(layout.occupancy_rows), layout.months + 1), np.nan, dtype=np.float32)
    youths = np.zeros(arms)
    wait = np.full((arms, len(layout.resources)), np.nan)
    for a, arm in enumerate(layout.arms):
        trajectories = replication.trajectories[arm]
        youths[a] = trajectories.youths
        rows = [plan.occupancy_rows[(track, state)]
                for track, states in zip(trajectories.tracks, trajectories.states) for state in states]
        occupancy[a, rows] = np.concatenate(trajectories.occupancy())
        for r, resource in enumerate(trajectories.resources):
            granted = trajectories.wait_granted[trajectories.wait_resource == r]
            requested = trajectories.wait_requested[trajectories.wait_resource == r]
            served = ~np.isnan(granted)
            if served.any():
                wait[a, layout.resources.index(resource)] = float(np.mean(granted[served] - requested[served]))
    values = replication.parameters
    parameters = np.array([values[arm or baseline][name] for arm, name in layout.parameters])
    record = {PARAMETERS: parameters, YOUTHS: youths, OCCUPANCY: occupancy, WAIT_MONTHS: wait}
    if not layout.departments:
        return record, None
    cohort = replication.trajectories[scenario.baseline]  # the same youths in every arm
    members = np.stack([cohort.youths_matching(c.youths.attributes) for c in plan.contracts], axis=1) \
        if plan.contracts else np.zeros((cohort.youths, 0), dtype=bool)  # youth × contract: its youths
    costs, savings = department_costs(scenario, plan, replication, members)
    record[COST] = np.stack([np.stack([costs[arm].nominal, costs[arm].discounted], axis=-1)
                               for arm in layout.arms])
    measured: dict[str, dict] = {arm: {} for arm in layout.arms}  # shared by the contracts
    rate = plan.economics(values[scenario.baseline]).annual_discount_rate
    to_price = _ToPrice(values, rate, {}, {})
    for index, (contract, counting) in enumerate(zip(plan.contracts, plan.counting)):
        if not counting.fixed:  # an outcome measures with a $name: this replication's value
            counting = Counting.of(bind(contract, values[contract.arm]))
        units = [counting.units(replication.trajectories[arm], layout.money_months, measured[arm])
                 for arm in (contract.arm, scenario.baseline)]
        keys = ContractKeys(index)
        record[keys.youths] = np.array([float(members[:, index].sum())])
        record[keys.units] = units_table(*units)
        record[keys.savings] = to_price.savings[contract.name] = savings[index]
        to_price.units[contract.name] = tuple(units)
    return record, to_price


def _price_contract(scenario: Scenario, layout: Layout, index: int, name: str, records: list[dict],
                    pricing: list[_ToPrice]) -> Priced:
    """Price a contract on every replication at once, and add what it pays to their records."""
    arm, months = scenario.contracts[name].arm, layout.money_months
    values = {key: np.array([p.values[arm][key] for p in pricing]) for key in pricing[0].values[arm]}
    results = price_replications(
        scenario.contracts[name], values, StackedUnits.of([p.units[name][0] for p in pricing]),
        StackedUnits.of([p.units[name][1] for p in pricing]),
        stored_savings(scenario.contracts[name], np.stack([p.savings[name] for p in pricing])),
        months, np.array([p.rate for p in pricing]))
    cash = results.cumulative_cash()
    keys, recorded = ContractKeys(index), metrics.recorded()
    for r, record in enumerate(records):
        result = results.replication(r)
        record[keys.metrics] = np.array([float(getattr(result, metric.key)) for metric in recorded])
        record[keys.payers] = np.array([result.payer_payments_discounted[d] for d in layout.payers[index]])
        record[keys.cash] = cash[r]
    return Priced(scenario.contracts[name], results)


def stored_savings(contract, saving: np.ndarray) -> Savings:
    """The payers' savings of R replications as pricing takes them, from their records (R, payers, months, 2)."""
    return Savings(tuple(contract.payers), saving[..., 0], saving[..., 1])


def department_costs(scenario: Scenario, plan: _Plan, replication: Replication, members: np.ndarray
                     ) -> tuple[dict[str, DepartmentCosts], list[np.ndarray]]:
    """Each arm's money per department and month, with that arm's parameter values; and each
    contract's payers' savings on the contract's youths alone (`members`: youth × contract;
    baseline cost − arm cost of their flows; `fixed` flows belong to no youth): what its payer_net
    and outcome-fund draws are set against (spec §4.2), as (payers, months, nominal | discounted)."""
    kinds, group = _kinds(members)  # youths alike for every contract
    costs, by_group = {}, {}
    for name in scenario.arms:
        values = replication.parameters[name]
        costs[name], by_group[name] = evaluate_flows_by_group(
            replication.trajectories[name], plan.flows[name](values), plan.economics(values),
            scenario.start, scenario.horizon, group, len(kinds))
    savings = []
    for c, contract in enumerate(plan.contracts):
        rows = [costs[contract.arm].index(d) for d in contract.payers]
        saving = np.zeros((len(rows), costs[contract.arm].n_months, 2))
        for g in np.flatnonzero(kinds[:, c]):
            base, arm = by_group[scenario.baseline][g], by_group[contract.arm][g]
            saving[..., 0] += base.nominal[rows] - arm.nominal[rows]
            saving[..., 1] += base.discounted[rows] - arm.discounted[rows]
        savings.append(saving)
    return costs, savings


def _kinds(members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of `members` (youth × contract) in increasing order, and each youth's
    row among them: `np.unique(members, axis=0, return_inverse=True)`, on one integer per youth."""
    bits = np.left_shift(1, np.arange(members.shape[1])[::-1]).astype(np.int64)
    codes, group = np.unique(members.astype(np.int64) @ bits, return_inverse=True)
    kinds = (codes[:, None] & bits[None, :]) != 0
    return kinds, group.ravel().astype(np.int64)


def units_table(units: OutcomeUnits, baseline_units: OutcomeUnits) -> np.ndarray:
    """Both arms' outcome units as one table: arm (0 the contract's, 1 the baseline), outcome,
    youth, month, units — what a chunk stores so that a sweep can re-price the contract."""
    return np.concatenate([
        np.column_stack([np.full(len(u.units), flag), u.outcome, u.youth, u.month, u.units])
        for flag, u in ((0, units), (1, baseline_units))]).reshape(-1, 5)


def units_from_table(contract, table: np.ndarray, months: int, replications: np.ndarray) -> list[StackedUnits]:
    """The inverse of `units_table` for the stored replications (the stored table has the
    replication first): the contract's arm's units, then the baseline's, each stacked in the
    order of `replications`."""
    number = np.searchsorted(replications, table[:, 0]).astype(np.int64)
    return [StackedUnits(tuple(o.name for o in contract.outcomes), definitions(contract), months,
                         len(replications), number[rows], *(table[rows, c].astype(np.int64) for c in (2, 3, 4)),
                         table[rows, 5].copy())
            for flag in (0, 1) for rows in [table[:, 1] == flag]]
