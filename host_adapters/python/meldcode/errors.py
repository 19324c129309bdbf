"""Exceptions of the meldcode binding: one class per ``mc_status``.

Every failure of the plugin raises a subclass of :class:`MeldcodeError` that
carries the stable machine-readable ``code``, the English ``message`` (never
concern content) and the RFC 6901 JSON ``pointer`` of the offending field.
"""

from __future__ import annotations

from typing import Dict, Type


class MeldcodeError(Exception):
    """A failed call: ``status`` (the ``mc_status`` number), ``code``, ``message``, ``pointer``."""

    status: int = -1

    def __init__(self, code: str, message: str, pointer: str = "", status: int | None = None):
        super().__init__(f"{code}: {message}" + (f" (at {pointer})" if pointer else ""))
        self.code = code
        self.message = message
        self.pointer = pointer
        if status is not None:
            self.status = status


class ArgumentError(MeldcodeError):
    """MC_E_ARGUMENT: a NULL pointer or an invalid handle (a closed instance)."""

    status = 1


class JsonError(MeldcodeError):
    """MC_E_JSON: not JSON, invalid UTF-8, or nested too deeply."""

    status = 2


class PayloadError(MeldcodeError):
    """MC_E_PAYLOAD: JSON that breaks its schema or a workflow rule; ``pointer`` names the field."""

    status = 3


class TooLargeError(MeldcodeError):
    """MC_E_TOO_LARGE: a payload over 1 MiB or a string over 20,000 characters."""

    status = 4


class NotFoundError(MeldcodeError):
    """MC_E_NOT_FOUND: an unknown concern, submission or prompt token."""

    status = 5


class ForbiddenError(MeldcodeError):
    """MC_E_FORBIDDEN: the actor's role may not do this (the refusal is audited)."""

    status = 6


class ConflictError(MeldcodeError):
    """MC_E_CONFLICT: not allowed in the concern's current state, or a reused idempotency key."""

    status = 7


class StorageError(MeldcodeError):
    """MC_E_STORAGE: the store failed; nothing was changed."""

    status = 8


class VersionError(MeldcodeError):
    """MC_E_VERSION: the ABI or the store's schema version is not supported.

    The loader raises it too, with code ``plugin_not_found`` (no such file),
    ``plugin_not_loadable`` (not a shared library), ``missing_symbol`` (not a
    meldcode plugin) or ``abi_mismatch``.
    """

    status = 9


class InternalError(MeldcodeError):
    """MC_E_INTERNAL: a bug in the plugin; please report it."""

    status = 10


_BY_STATUS: Dict[int, Type[MeldcodeError]] = {
    cls.status: cls
    for cls in (ArgumentError, JsonError, PayloadError, TooLargeError, NotFoundError,
                ForbiddenError, ConflictError, StorageError, VersionError, InternalError)
}


def error_for(status: int, code: str, message: str, pointer: str) -> MeldcodeError:
    """The exception for a status; a status this binding does not know yet stays a MeldcodeError."""
    cls = _BY_STATUS.get(status, MeldcodeError)
    return cls(code, message, pointer, status=status)
