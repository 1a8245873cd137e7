"""Runtimes execute plans: podman (default); host and ansible come later."""
