"""Money: what each department pays per month (flows), the units each youth earns for each
outcome of a contract, and pricing (payments, settlement, the investor, the outcome fund).

Pure functions of a spells table and the scenario's terms: no SimPy, no random numbers, so one
simulation prices many contract designs.
"""
