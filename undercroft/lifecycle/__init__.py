"""Operator workflows (install, plan, status, ...) composed from the pipeline stages."""
