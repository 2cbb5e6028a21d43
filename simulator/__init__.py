"""Monte Carlo simulation of social investment contracts for young homeless people."""

__version__ = "0.1.0"
