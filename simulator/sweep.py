"""`simulator sweep`: price many contract designs on the stored replications, without re-simulating.

Each replication's record holds the contract's outcome units (for its arm and the baseline arm)
and every arm's money per department and month; pricing is a pure function of those and the
terms, so a design is priced by changing the terms and pricing again — all replications at once
(`price_replications`), designs shared out between the workers. A design is made the way a file
is read: each `--vary` value is written into the contract's YAML mapping (the resolved scenario
that the results folder keeps) and the contract is built again by the loader, so a bad value
gets the issue it would get in a file.
"""
from __future__ import annotations

import itertools
import operator
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping, Sequence

import numpy as np

from simulator.outputs.records import Layout, stored_savings, units_from_table
from simulator.outputs.statistics import statistics
from simulator.money.pricing import ContractResults, Savings, price_replications
from simulator.money.units import StackedUnits, definitions
from simulator.language.errors import Issue, ScenarioError
from simulator.language.files import json_copy
from simulator.language.loading import ContractBuilder
from simulator.language.outcomes import METRICS
from simulator.language.scenario import Contract, Scenario, bind
from simulator.outputs import metrics
from simulator.outputs.folder import (MANIFEST_JSON, PARAMETERS, RECORDS_FORMAT, REPLICATION, SWEEP_CSV,
                                      ContractKeys, ResultsFolder, write_csv)
from simulator.progress import progress

TERMS = ("a contract field path such as outcomes.NAME.price, cap, max_multiple, window.until or "
         "payers.DEPARTMENT")
FIGURE = "sweep"  # figures/sweep.png
ZONE_FIGURE = "sweep_zone"  # figures/sweep_zone.png, with requirements
FEASIBLE = "feasible"  # sweep.csv's column, with requirements
PARTS_PER_WORKER = 4  # the designs are shared out in parts, so that the bar moves and workers end together


@dataclass(frozen=True)
class Vary:
    """One term to vary: its contract field path and the values it takes."""

    key: str
    values: tuple[float, ...]

    @classmethod
    def parse(cls, text: str) -> "Vary":
        """`KEY=START:STOP:STEPS`, e.g. `outcomes.housed_12m.price=50000:100000:6`."""
        key, _, spec = text.partition("=")
        parts = spec.split(":")
        try:
            start, stop, steps = float(parts[0]), float(parts[1]), int(parts[2])
            if len(parts) != 3 or steps < 1 or not key:
                raise ValueError
        except (ValueError, IndexError):
            raise ScenarioError([Issue("--vary", "", "KEY=START:STOP:STEPS with STEPS >= 1", repr(text))]) from None
        return cls(key, tuple(float(v) for v in np.linspace(start, stop, steps)))


_OPERATORS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}
_REQUIREMENT = re.compile(r"\s*([A-Za-z_][\w.]*)\s*(>=|<=|>|<)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*")


@dataclass(frozen=True)
class Requirement:
    """One condition a design must meet: a column of sweep.csv against a number."""

    column: str
    operator: str
    bound: float

    @classmethod
    def parse(cls, text: str, columns: Sequence[str]) -> "Requirement":
        """`NAME OP NUMBER`, e.g. `p_full_repayment>=0.6`, with OP one of >=, <=, >, < and NAME one
        of `columns` (sweep.csv's metric columns, or a varied term)."""
        match = _REQUIREMENT.fullmatch(text)
        if match is None or match.group(1) not in columns:
            found = repr(text) if match is None else f"{match.group(1)!r}, which sweep.csv has no column for"
            raise ScenarioError([Issue("--require", "", "NAME>=X, NAME<=X, NAME>X or NAME<X with NAME one of "
                                       + ", ".join(columns), found)])
        return cls(match.group(1), match.group(2), float(match.group(3)))

    def holds(self, row: Mapping[str, float]) -> bool:
        """Whether a design's row of sweep.csv meets it (a value that is NaN meets nothing)."""
        return bool(_OPERATORS[self.operator](row[self.column], self.bound))

    def __str__(self) -> str:
        return f"{self.column} {self.operator} {self.bound:g}"


def sweep(out: Path, contract: str, varies: list[Vary], workers: int | None = None,
          requirements: Sequence["Requirement"] = (), shown: bool = False) -> Path:
    """Price every combination of the varied terms on every stored replication; write sweep.csv
    and figures/sweep.png into `out` and return the CSV's path. With `requirements`, sweep.csv
    says which designs meet them all (`feasible`) and figures/sweep_zone.png draws them
    (`shown`: a bar over the designs priced, on a terminal)."""
    folder = ResultsFolder(out)
    scenario, records = _stored(folder, contract)
    designs = [dict(zip([v.key for v in varies], combination))
               for combination in itertools.product(*[v.values for v in varies])]
    contracts = contract_designs(scenario, contract, varies)  # every design checked before any work
    pricing = _Pricing.of(scenario, Layout.of(scenario), contract, records)
    results = []
    with progress(len(designs), "designs priced", "design", shown=shown) as advance:
        for count, priced in _priced(pricing, contracts, min(workers or os.cpu_count() or 1, len(designs))):
            results.append(priced)
            advance(count)
    runs = {key: np.concatenate([r[key] for r in results], axis=1) for key in _priced_fields()}
    rows = [[*design.values(), *summary] for design, summary in zip(designs, _design_summaries(runs))]
    header = [v.key for v in varies] + metric_columns()
    table = [dict(zip(header, row)) for row in rows]
    if requirements:
        feasible = [all(r.holds(row) for r in requirements) for row in table]
        header.append(FEASIBLE)
        rows = [[*row, "true" if ok else "false"] for row, ok in zip(rows, feasible)]
        for row, ok in zip(table, feasible):
            row[FEASIBLE] = ok
    path = write_csv(folder.file(SWEEP_CSV), header, rows)
    _figure(folder, scenario, varies, table, contract)
    if requirements:
        _zone_figure(folder, scenario, contract, varies, requirements, table)
    return path


def price_design(folder: ResultsFolder, contract: str, terms: Mapping[str, float]) -> ContractResults:
    """One design of `contract` (its terms changed as `--vary` would change them, e.g.
    `{"cap": 8e6}`) priced on every stored replication: what one row of sweep.csv summarises."""
    scenario, records = _stored(folder, contract)
    design, = contract_designs(scenario, contract, [Vary(key, (float(value),)) for key, value in terms.items()])
    return _Pricing.of(scenario, Layout.of(scenario), contract, records).price(design)


def _stored(folder: ResultsFolder, contract: str) -> tuple[Scenario, dict[str, np.ndarray]]:
    """The folder's scenario and every stored record, checking that `contract` is one of its contracts."""
    scenario = folder.scenario()
    if contract not in scenario.contracts:
        raise ScenarioError([Issue("--contract", "", "one of " + ", ".join(scenario.contracts) or
                                   "a contract (the scenario has none)", repr(contract))])
    if folder.manifest.get("records_format") != RECORDS_FORMAT:  # before reading chunks of other keys
        raise ScenarioError([Issue(str(folder.file(MANIFEST_JSON)), "records_format",
                                   f"results of this version's records (format {RECORDS_FORMAT})",
                                   f"format {folder.manifest.get('records_format', 1)}: run the scenario again")])
    records = folder.records()
    if records is None:
        raise ScenarioError([Issue(str(folder.path), "", "stored replications", "none")])
    return scenario, records


def contract_designs(scenario: Scenario, name: str, varies: list[Vary]) -> list[Contract]:
    """Contract `name` with every combination of the varied values, in `itertools.product` order.

    Each is built by the loader from the contract's YAML mapping with the values written in
    (`with_value`). Raises `ScenarioError` (file `--vary`) if a value would be wrong in a file
    or a key changes what an outcome measures: a sweep re-prices the units the run counted.
    """
    builder = ContractBuilder(scenario)
    written = scenario.resolved["contracts"][name]
    measured = definitions(scenario.contracts[name])
    issues: list[Issue] = []
    for vary in varies:  # each value alone first: every bad one reported, each key named
        for value in vary.values:
            try:
                changed = builder.build(name, with_value(written, vary.key, value), "--vary")
            except ScenarioError as error:
                issues += [issue for issue in error.issues if issue not in issues]
                continue
            if definitions(changed) != measured:
                raise ScenarioError([Issue("--vary", vary.key, "a price or a term of payment (a sweep "
                                           "re-prices the outcomes the run counted)", "a change to what "
                                           "an outcome measures: run the scenario with it instead")])
    if issues:
        raise ScenarioError(issues)
    designs = []
    for combination in itertools.product(*[vary.values for vary in varies]):
        raw = written
        for vary, value in zip(varies, combination):
            raw = with_value(raw, vary.key, value)
        designs.append(builder.build(name, raw, "--vary"))  # values fine alone may clash (window.from ≥ until)
    return designs


def with_value(contract: dict, key: str, value: float) -> dict:
    """A copy of a contract's YAML mapping with the term at `key` (its path, as written in the
    YAML) set to `value`.

    A term the file leaves out is added (`cap`, `window.until`, `outcome_fund.reserve`);
    `investor.principal` scales the disbursements with it; `payers.DEPARTMENT` gives the other of
    two payers the rest; `outcomes.NAME.FIELD` may leave out
    the metric before a metric's own field (`outcomes.NAME.for_months`).
    """
    raw = json_copy(contract)
    written = int(value) if float(value).is_integer() else float(value)  # as a file writes it
    if key == "investor.principal":
        return _with_principal(raw, key, written)
    if key.startswith("payers."):
        return _with_share(raw, key, written)
    *parents, last = _path(raw, key)
    mapping = raw
    for part in parents:
        mapping = mapping.setdefault(part, {})
        if not isinstance(mapping, dict):
            raise ScenarioError([Issue("--vary", key, TERMS, f"{part}, which is not a mapping")])
    mapping[last] = written
    return raw


def _path(raw: dict, key: str) -> list[str]:
    """The keys from the contract's mapping down to the term at `key`."""
    if not key.startswith("outcomes."):
        return key.split(".")
    outcomes = raw.get("outcomes") if isinstance(raw.get("outcomes"), dict) else {}
    rest = key[len("outcomes."):]
    names = [str(name) for name in outcomes if rest.startswith(f"{name}.")]  # names may hold dots
    if not names:
        raise ScenarioError([Issue("--vary", key, TERMS, "no outcome of that name (outcomes: "
                                   + ", ".join(map(str, outcomes)) + ")")])
    name = max(names, key=len)
    fields = rest[len(name) + 1:].split(".")
    metric = next((METRICS[m] for m in METRICS if m in outcomes[name]), None)
    if len(fields) == 1 and metric is not None and fields[0] in metric.required_keys + metric.optional_keys:
        fields = [metric.metric, fields[0]]
    return ["outcomes", name, *fields]


def _with_share(raw: dict, key: str, share: float) -> dict:
    """A payer's share changed and the contract's other payer given the rest: shares sum to 1,
    so one share of two payers is a term of its own, and a share of more payers is not."""
    payers = raw.get("payers") if isinstance(raw.get("payers"), dict) else {raw.get("payer"): 1.0}
    department = key[len("payers."):]
    if len(payers) != 2 or department not in payers:
        raise ScenarioError([Issue("--vary", key, "payers.DEPARTMENT with DEPARTMENT one of a contract's two "
                                   "payers (the other takes the rest)", "payers " + ", ".join(map(str, payers)))])
    rest = 1 - float(share)
    raw["payers"] = {name: share if name == department else int(rest) if rest.is_integer() else rest
                     for name in payers}  # in the contract's order
    return raw


def _with_principal(raw: dict, key: str, principal: float) -> dict:
    """The investor's principal changed and each disbursement scaled with it."""
    investor = raw["investor"]  # a mapping: the scenario loaded
    disbursed = investor.get("disbursed", [])
    numbers = [investor["principal"], *(item.get("amount") for item in disbursed)]
    if disbursed and not all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in numbers):
        raise ScenarioError([Issue("--vary", key, "a principal and disbursed amounts written as numbers "
                                   "(to scale them together)", ", ".join(map(str, numbers)))])
    for item in disbursed:
        item["amount"] = float(item["amount"]) * float(principal) / float(investor["principal"])
    investor["principal"] = principal
    return raw


@dataclass(frozen=True)
class _Pricing:
    """What pricing a contract needs in every stored replication: the arm's parameter values
    (for its `$name` terms), both arms' outcome units, savings and discount rates."""

    values: dict[str, np.ndarray]
    units: StackedUnits
    baseline_units: StackedUnits
    savings: Savings
    months: int
    discount_rates: np.ndarray

    @classmethod
    def of(cls, scenario: Scenario, layout: Layout, name: str, records: dict) -> "_Pricing":
        contract = scenario.contracts[name]
        drawn = records[PARAMETERS]
        baseline_values = _parameter_values(scenario, layout, drawn, scenario.baseline)
        rate = bind(scenario.economics.annual_discount_rate, baseline_values)  # as the run had it
        keys = ContractKeys(layout.contracts.index(name))
        return cls(_parameter_values(scenario, layout, drawn, contract.arm),
                   *units_from_table(contract, records[keys.units], layout.money_months, records[REPLICATION]),
                   stored_savings(contract, records[keys.savings]),
                   layout.money_months, np.broadcast_to(np.asarray(rate, dtype=float), (len(drawn),)))

    def price(self, contract: Contract) -> ContractResults:
        """A design priced on every replication at once."""
        return price_replications(contract, self.values, self.units, self.baseline_units, self.savings,
                                  self.months, self.discount_rates)


def _priced_fields() -> tuple[str, ...]:
    """The `ContractResults` fields the swept metrics summarise (`p_payer_loss` those of `payer_net`)."""
    return tuple(dict.fromkeys(m.of or m.key for m in metrics.swept()))


def _priced(pricing: _Pricing, contracts: list[Contract], workers: int
            ) -> Iterator[tuple[int, dict[str, np.ndarray]]]:
    """The swept metrics of the designs, part by part in their order, with each part's number of
    designs: one design at a time on one worker; else parts of a few designs for each worker,
    which receives `pricing` once."""
    if workers == 1:
        for contract in contracts:
            yield 1, _price_designs(pricing, [contract])
        return
    shares = np.array_split(np.arange(len(contracts)), min(len(contracts), PARTS_PER_WORKER * workers))
    parts = [[contracts[d] for d in share] for share in shares]
    with ProcessPoolExecutor(max_workers=workers, initializer=_set_worker_pricing, initargs=(pricing,)) as pool:
        yield from zip(map(len, parts), pool.map(_worker_designs, parts))


_WORKER_PRICING: _Pricing | None = None


def _set_worker_pricing(pricing: _Pricing) -> None:
    global _WORKER_PRICING
    _WORKER_PRICING = pricing


def _worker_designs(contracts: list[Contract]) -> dict[str, np.ndarray]:
    return _price_designs(_WORKER_PRICING, contracts)


def _price_designs(pricing: _Pricing, contracts: list[Contract]) -> dict[str, np.ndarray]:
    """The runs (replications × designs) of the fields the swept metrics summarise, for some designs."""
    out = {key: np.zeros((pricing.units.replications, len(contracts))) for key in _priced_fields()}
    for d, contract in enumerate(contracts):
        results = pricing.price(contract)
        for key, values in out.items():
            values[:, d] = getattr(results, key)
    return out


def _parameter_values(scenario: Scenario, layout: Layout, drawn: np.ndarray, arm: str) -> dict[str, np.ndarray]:
    """An arm's parameter values in every replication: fixed values, and the stored draws."""
    values = {name: np.full(len(drawn), p.value) for name, p in scenario.arms[arm].model.parameters.items()
              if not p.uncertain}
    for column, (owner, name) in enumerate(layout.parameters):
        if owner in ("", arm):
            values[name] = drawn[:, column]
    return values


def _column(metric: metrics.Metric, statistic: str) -> str:
    """A column of sweep.csv: `payments_mean`, `irr_p50`; a share is named as in summary.json."""
    return metric.name if statistic == "share" else f"{metric.name}_{statistic}"


def metric_columns() -> list[str]:
    """The columns of sweep.csv after the varied terms: each swept metric's statistics."""
    return [_column(m, statistic) for m in metrics.swept() for statistic in m.sweep]


def _design_summaries(runs: dict[str, np.ndarray]) -> list[list[float]]:
    """Per design (a column of each metric's runs), the numbers of its row in sweep.csv."""
    columns = [_statistic(m, runs[m.of or m.key], statistic) for m in metrics.swept() for statistic in m.sweep]
    return np.column_stack(columns).tolist()


def _statistic(metric: metrics.Metric, runs: np.ndarray, statistic: str) -> np.ndarray:
    """One statistic of each design's runs (the columns of `runs`)."""
    if statistic == "share":
        return np.mean(metric.flags(runs), axis=0)
    if statistic == "p50":
        return np.median(runs, axis=0)  # sweep.csv's median has always been numpy's
    return statistics(runs)[statistic]


def _figure(folder: ResultsFolder, scenario: Scenario, varies: list[Vary], rows: list[dict], contract: str) -> None:
    """figures/sweep.png: the investor's chance of full repayment and the payers' net savings
    against the first varied term, a line per value of the other terms (at most 12), money in
    millions, the scenario's own value of the first term marked."""
    from simulator.outputs import plots

    currency = scenario.economics.currency
    own = tuple(_written_number(scenario.resolved["contracts"][contract], v.key) for v in varies)
    units = [_money_unit(v) for v in varies]  # (scale, word) per term: millions, thousands or as written
    scale = [unit[0] for unit in units]

    def shown(vary: Vary, value: float, k: int) -> str:
        return f"{value / scale[k]:g} {units[k][1]} {currency}" if scale[k] != 1.0 else f"{value:g}"

    first = varies[0].key
    repaid = _column(metrics.by_name("p_full_repayment"), "share")
    net = _column(metrics.by_name("payer_net"), "mean")
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(row[v.key] for v in varies[1:]), []).append(row)
    figure, axes = plots.new_figure(1, 2, width=11, height_per_row=4.2)
    left, right = axes[0, 0], axes[0, 1]
    for others, group in list(groups.items())[:12]:
        label = ", ".join(f"{v.key} = {shown(v, value, k)}" for k, (v, value) in enumerate(zip(varies[1:], others), 1))
        x = [row[first] / scale[0] for row in group]
        left.plot(x, [row[repaid] for row in group], marker="o", label=label or None)
        right.plot(x, [row[net] / 1e6 for row in group], marker="o", label=label or None)
    xlabel = f"{first} ({units[0][1]} {currency})" if scale[0] != 1.0 else first
    left.set(xlabel=xlabel, ylabel="chance the investor is repaid in full", ylim=(-0.02, 1.02),
             title=f"{folder.label('contract', contract, 'en')}: repaid in full")
    right.set(xlabel=xlabel, ylabel=f"payers' net savings, mean (million {currency}, discounted)",
              title=f"{folder.label('contract', contract, 'en')}: payers' net on its youths")
    right.axhline(0, color="grey", linewidth=0.8)
    for ax in (left, right):
        if own[0] is not None:
            ax.axvline(own[0] / scale[0], color="#edae49", linewidth=2, linestyle="--",
                       label="the scenario's own value" if ax is right else None)
    if len(varies) > 1 or own[0] is not None:
        right.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    plots.save(figure, folder.figure(FIGURE))


def _money_unit(vary: Vary) -> tuple[float, str]:
    """How a varied money term is shown: in millions from a million, in thousands from a thousand."""
    if vary.key.rsplit(".", 1)[-1] not in MONEY_TERMS:
        return 1.0, ""
    largest = max(abs(value) for value in vary.values)
    return (1e6, "million") if largest >= 1e6 else (1e3, "thousand") if largest >= 1e3 else (1.0, "")


MONEY_TERMS = ("price", "cap", "principal", "reserve", "max_per_youth", "up_to", "amount")  # shown in millions


def _zone_figure(folder: ResultsFolder, scenario: Scenario, contract: str, varies: list[Vary],
                 requirements: Sequence[Requirement], rows: list[dict]) -> None:
    """figures/sweep_zone.png: over two varied terms, how many requirements each design meets
    (the feasible zone, the scenario's own design marked); beside it, always, the Pareto front of
    the investor's chance of full repayment against the payers' chance of a loss."""
    from simulator.outputs import plots

    zone = len(varies) == 2
    figure, axes = plots.new_figure(1, 2 if zone else 1, width=12 if zone else 6.5, height_per_row=5)
    wanted = "; ".join(map(str, requirements))
    if zone:
        (x, y), currency = varies, scenario.economics.currency
        met = np.zeros((len(x.values), len(y.values)), dtype=int)
        for index, row in enumerate(rows):  # itertools.product order: the last term fastest
            met[divmod(index, len(y.values))] = sum(r.holds(row) for r in requirements)
        written = scenario.resolved["contracts"][contract]
        own = tuple(_written_number(written, v.key) for v in varies)
        units = [_money_unit(v) for v in varies]
        scale = [unit[0] for unit in units]
        labels = [f"{v.key} ({word} {currency})" if s != 1.0 else v.key for v, (s, word) in zip(varies, units)]
        plots.plot_zone(np.array(x.values) / scale[0], np.array(y.values) / scale[1], met, len(requirements),
                        axes[0, 0], own=tuple(None if o is None else o / s for o, s in zip(own, scale)),
                        title=f"{folder.label('contract', contract, 'en')}:\nrequirements met per design",
                        xlabel=labels[0], ylabel=labels[1], own_label=_own_label(varies, own))
    repaid, loss = _column(metrics.by_name("p_full_repayment"), "share"), _column(metrics.by_name("p_payer_loss"), "share")
    plots.plot_pareto([row[loss] for row in rows], [row[repaid] for row in rows], [row[FEASIBLE] for row in rows],
                      axes[0, -1], title=f"{len(rows)} designs: investor repaid against payers losing",
                      xlabel="payers' chance of a loss (p_payer_loss)",
                      ylabel="investor's chance of full repayment (p_full_repayment)")
    feasible = sum(row[FEASIBLE] for row in rows)
    figure.suptitle(f"Requirements: {wanted} — {feasible} of {len(rows)} designs meet them all", fontsize=10)
    plots.save(figure, folder.figure(ZONE_FIGURE))


def _own_label(varies: list[Vary], own: tuple[float | None, ...]) -> str:
    """What marks the scenario's own design: a star, or a line when one term is a parameter's draw."""
    if None not in own:
        return "the scenario's own design"
    known = [v.key for v, value in zip(varies, own) if value is not None]
    drawn = [v.key for v, value in zip(varies, own) if value is None]
    return f"the scenario's own {known[0]} ({drawn[0]} is drawn or left out)" if known else ""


def _written_number(contract: dict, key: str) -> float | None:
    """The value the scenario's file gives the term at `key`, or None (left out, or a `$parameter`)."""
    if key.startswith("payers."):
        payers = contract.get("payers") or {contract.get("payer"): 1.0}
        value = payers.get(key[len("payers."):])
    else:
        value = contract
        for part in _path(contract, key):
            value = value.get(part) if isinstance(value, dict) else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
