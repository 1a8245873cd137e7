"""The state directory (``[undercroft] state_dir``): what one command leaves for the next.

``layout.StateDir`` names every file and directory in it; ``records`` holds the
versioned deployment record. No other module joins a name onto a state directory
(tests/unit/state/test_layout.py checks that).
"""
from undercroft.state.layout import StateDir

__all__ = ["StateDir"]
