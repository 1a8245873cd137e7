"""Operator feedback: progress lines per step/container, a JSON event log, failures."""
from undercroft.report.reporter import Reporter

__all__ = ["Reporter"]
