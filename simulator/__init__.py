"""Monte Carlo simulation of social investment contracts for young homeless people.

The public API (`simulator/api.py`): `load_scenario`, `run`, `calibrate`, `open_results`,
`price_contract`.
Its names are imported on first use, so that `import simulator` (and every command) stays quick.
"""

__version__ = "0.1.0"
__all__ = ["load_scenario", "run", "calibrate", "open_results", "price_contract", "ResultsFolder", "Scenario",
           "ContractResults", "ScenarioError"]


def __getattr__(name: str):
    if name in __all__:
        from simulator import api

        return getattr(api, name)
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
