"""The daemon's clock: `hypewatch.clock` (one protocol for the store, the pipeline and the
daemon), named here too for the daemon's modules."""

from hypewatch.clock import Clock, SimulatedClock, SystemClock

__all__ = ["Clock", "SimulatedClock", "SystemClock"]
