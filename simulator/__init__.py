"""stormdrill engine: a validated complaint-spread simulator (no UI imports)."""

from simulator.actions import Action, JournalEntry
from simulator.config import Scenario
from simulator.simulation import Simulation
from simulator.strategy import Strategy

__version__ = "0.1.0"
__all__ = ["Action", "JournalEntry", "Scenario", "Simulation", "Strategy", "__version__"]
