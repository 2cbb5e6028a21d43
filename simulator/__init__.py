"""Monte Carlo simulation of social investment contracts for young homeless people.

The stages, each usable from Python: `load_scenario` (YAML → Scenario), `simulate_replication`
(SimPy → Trajectories per arm), `run` (replications → result files).
"""
__version__ = "0.1.0"
