"""Pure convergence: (desired containers, observed containers) -> actions with reasons.

Nothing in this package performs I/O; runtimes execute what it returns.
"""
from undercroft.plan.model import Action, ActionKind, DesiredContainer, ObservedContainer, Plan
from undercroft.plan.diff import make_plan

__all__ = ["Action", "ActionKind", "DesiredContainer", "ObservedContainer", "Plan", "make_plan"]
