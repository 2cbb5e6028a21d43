"""Make the synthetic observed youths of this folder from scenarios/aarhus.yaml.

These are NOT real youths: one replication of the scenario's Housing First arm, every uncertain
parameter fixed at its prior median, observed up to the scenario's midpoint and written as a
municipality would export it (dates, one row per youth and per spell). Run it again after the
scenario changes:

    python scenarios/aarhus/observed-example/make.py

It rewrites youths.csv and spells.csv beside it (and nothing else).
"""
from __future__ import annotations

from pathlib import Path

from simulator.engine.model import simulate_replication
from simulator.forecast import date_of, default_arm, observed_from, write_observed
from simulator.language.loading import load_scenario

HERE = Path(__file__).resolve().parent
SCENARIO = HERE.parent.parent / "aarhus.yaml"
SEED = 2024


def main() -> None:
    scenario = load_scenario(SCENARIO)
    medians = {name: float(p.distribution.median()) for name, p in scenario.parameters().items() if p.uncertain}
    arm = default_arm(scenario)
    truth = simulate_replication(scenario, SEED, 0, 1, overrides=medians).trajectories[arm]
    cut_off = scenario.horizon / 2
    observed = observed_from(truth, cut_off, arm)
    write_observed(observed, HERE, [a.name for a in scenario.attributes], start=scenario.start)
    print(f"{len(observed.youths)} synthetic youths of arm {arm!r} observed to month {cut_off:g} "
          f"({date_of(cut_off, scenario.start)[:7]}) -> {HERE}")


if __name__ == "__main__":
    main()
