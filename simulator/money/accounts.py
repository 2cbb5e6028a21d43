"""Accounts across contracts: where each department stands when everything is paid (spec §4.2).

A department's position in an arm is its net gain against the baseline arm (baseline cost − arm
cost, every flow and every youth), minus its shares of the payments of every contract on that
arm, plus, for a department that provides an investment, its share of the investor's cash
(−disbursed, +received), minus what it pays as a guarantor, plus what a guarantee pays it. The
contracts' own `payer_net` looks at one contract's youths; the position looks at the whole arm,
so savings are counted once however many contracts a department pays for.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from numpy.typing import NDArray

from simulator.language.scenario import Contract, plain
from simulator.money.finance import discount_factor
from simulator.money.flows import contract_years
from simulator.money.pricing import MUNICIPAL, ContractResults


@dataclass(frozen=True)
class Priced:
    """A contract as the scenario writes it (its shares are plain numbers) and its results on R
    replications."""

    contract: Contract
    results: ContractResults


def positions(departments: Sequence[str], arms: Sequence[str], baseline: str, cost: NDArray[np.float64],
              priced: Sequence[Priced], annual_rates: NDArray[np.float64]) -> NDArray[np.float64]:
    """(R, arms, departments, years, nominal | discounted): each department's position per
    contract year (year k covers months [12(k − 1), 12k); money at a time t falls in month bin
    floor(t), the horizon itself in the last bin), from `cost` (R, arms, departments, months,
    nominal | discounted) and the contracts priced on the same R replications.
    """
    n_months = cost.shape[3]
    by_month = cost[:, [arms.index(baseline)]] - cost  # the net gain of every arm
    for item in priced:
        a, c, results = arms.index(item.contract.arm), item.contract, item.results
        moves = _cash_moves(c, results, departments)
        for department, times, amounts in moves:
            _add(by_month, a, departments.index(department), times, amounts, n_months, annual_rates)
    return contract_years(by_month.swapaxes(-1, -2)).swapaxes(-1, -2)


def _cash_moves(c: Contract, results: ContractResults, departments: Sequence[str]
                ) -> list[tuple[str, NDArray[np.float64], NDArray[np.float64]]]:
    """(department, times (R, n), amounts (R, n)) of every payment the contract moves in or out of
    a department, nominal, positive = the department receives."""
    paid, times = results.settlements, results.settlement_times
    moves = [(d, times, -plain(share, f"payers.{d}") * paid) for d, share in c.payers.items()]
    investor = [(d, plain(share, f"investor.provided_by.{d}")) for d, share in c.investor.provided_by.items()]
    for d, share in investor:
        moves.append((d, times, share * paid))
        moves.append((d, results.disbursed_at, -share * results.disbursed))
    municipal = {d: plain(s, f"payers.{d}") for d, s in c.payers.items() if d.startswith(MUNICIPAL)}
    at = results.guarantee_at[:, None]
    for g, guarantee in enumerate(c.guarantees):
        payout = results.guarantees_paid[:, g:g + 1]
        moves.append((guarantee.by, at, -payout))
        if guarantee.covers == "investor_loss":
            receivers = dict(investor)  # the investor: inside the accounts only when provided by them
        else:  # the outcome fund's overrun: the municipal payers, who draw on it
            total = sum(municipal.values())
            receivers = {d: share / total for d, share in municipal.items()} if total else {}
        moves += [(d, at, share * payout) for d, share in receivers.items()]
    return [(d, t, amount) for d, t, amount in moves if d in departments]


def _add(by_month: NDArray[np.float64], arm: int, department: int, times: NDArray[np.float64],
         amounts: NDArray[np.float64], n_months: int, annual_rates: NDArray[np.float64]) -> None:
    """Add amounts received at `times` (R, n; NaN: none) to the arm's and department's months,
    nominal and discounted at their own times."""
    times = np.broadcast_to(times, amounts.shape)
    row, column = np.nonzero(~np.isnan(times))
    t, amount = times[row, column], amounts[row, column]
    month = np.minimum(np.floor(t), n_months - 1).astype(np.int64)
    np.add.at(by_month, (row, arm, department, month, 0), amount)
    rates, which = np.unique(annual_rates[row], return_inverse=True)
    discounted = np.zeros(len(t))
    for k, rate in enumerate(rates):
        here = which.ravel() == k
        discounted[here] = amount[here] * discount_factor(t[here], rate)
    np.add.at(by_month, (row, arm, department, month, 1), discounted)
