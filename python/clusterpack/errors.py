"""The exceptions of the clusterpack API."""

from typing import List, Optional


class Error(Exception):
    """A clusterpack command failed.

    ``message`` is the CLI's own message (what failed and what to do),
    ``exit_code`` its exit code (2 for a mistake in what was asked, 1 for
    anything else), ``stderr`` everything it wrote on standard error and
    ``argv`` the command that ran.
    """

    def __init__(self, message: str, *, exit_code: int = 1, stderr: str = "", argv: Optional[List[str]] = None) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.stderr = stderr
        self.argv = list(argv or [])

    def __str__(self) -> str:
        return self.message


class UsageError(Error):
    """The command was asked something it cannot do (exit code 2): an
    unknown option, a requirement that cannot be read, a Python version
    that names no CPython."""


class BinaryNotFoundError(Error):
    """The clusterpack binary is not installed where this package looks."""

    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=127)
