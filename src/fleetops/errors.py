"""One exception root; every error carries its exit code and says what to do next.

    FleetopsError                exit 1  something failed (generic)
    ├── ServiceError             exit 1  a service failed after retries, or answered nonsense
    │   └── NotFound             exit 1  the service says the thing does not exist
    ├── UsageError               exit 2  bad input: version, ref, path, option
    │   ├── RitualsError         exit 2  the rituals file is invalid (names file, field, reason)
    │   ├── PolicyRefusal        exit 2  the handbook forbids it (names the rule)
    │   └── ConfirmationNeeded   exit 2  writes pending, no terminal and no --yes
    └── AuthError                exit 4  missing, invalid or insufficient token (names the variable)

Exit 3 ("a check found something that needs action") is a result, not an error.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The exit codes of SPEC section 1; scripts rely on them."""

    OK = 0
    FAILED = 1
    USAGE = 2
    NEEDS_ACTION = 3
    AUTH = 4


class FleetopsError(Exception):
    """Root of every error fleetops reports to the user as one line."""

    exit_code: ExitCode = ExitCode.FAILED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


class ServiceError(FleetopsError):
    """A service could not be reached, kept failing after retries, or answered nonsense."""


class NotFound(ServiceError):
    """The service answered 404 for something we expected to exist."""


class UsageError(FleetopsError):
    """The user asked for something that cannot be done as asked."""

    exit_code = ExitCode.USAGE


class RitualsError(UsageError):
    """The rituals file is missing or invalid."""


class PolicyRefusal(UsageError):
    """A handbook rule forbids the action."""


class ConfirmationNeeded(UsageError):
    """Writes are pending but nobody can confirm them."""


class AuthError(FleetopsError):
    """A token is missing, invalid or lacks a permission; the message names the variable."""

    exit_code = ExitCode.AUTH
