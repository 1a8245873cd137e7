"""One exception type for every failure an operator should read as a sentence.

The CLI prints ``UndercroftError`` as one short message (plus an optional detail block,
e.g. a failing container's log tail) and exits non-zero; anything else is a bug and
keeps its traceback.
"""


class UndercroftError(Exception):
    """An error with an operator-facing message and optional detail lines."""

    def __init__(self, message: str, detail: str = "", hint: str = ""):
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class ConfigError(UndercroftError):
    """Bad operator input: undercloud.conf, an environment file or a template."""


class DeployError(UndercroftError):
    """A step of the deployment failed on the host."""
