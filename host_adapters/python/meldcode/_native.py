"""Finding and loading libmeldcode with ctypes; the ABI negotiation."""

from __future__ import annotations

import ctypes
import os
from typing import Callable, Optional

from .errors import VersionError, error_for

#: The C ABI version this binding needs, handed to ``mc_abi_check``: the newest
#: functions it calls came in 1.4 (``mc_events_ack``, ``mc_events_replay``;
#: tests/abi/binding_versions_test.py checks it against meldcode.h).
ABI_VERSION_MAJOR = 1
ABI_VERSION_MINOR = 4
ABI_VERSION = (ABI_VERSION_MAJOR << 16) | ABI_VERSION_MINOR

#: Looked up by the dynamic loader (ld.so.cache, LD_LIBRARY_PATH) when neither
#: an explicit path nor MELDCODE_PLUGIN names the plugin.
DEFAULT_PLUGIN = "libmeldcode.so.1"


class _Error(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int), ("code", ctypes.c_char_p),
                ("message", ctypes.c_char_p), ("pointer", ctypes.c_char_p)]


#: void (*mc_notify_fn)(void* user_data, const char* notification_json)
NOTIFY_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p)

_OUT = ctypes.POINTER(ctypes.c_void_p)
# mc_status fn(mc_instance*, const char* actor, const char* request, char** out):
# the shape of nearly every operation, so a new one needs no declaration here.
_ACTOR_REQUEST = ([ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, _OUT], ctypes.c_int)
_SIGNATURES = {
    "mc_abi_version": ([], ctypes.c_uint32),
    "mc_abi_check": ([ctypes.c_uint32], ctypes.c_int),
    "mc_info": ([_OUT], ctypes.c_int),
    "mc_last_error": ([], ctypes.POINTER(_Error)),
    "mc_free": ([ctypes.c_void_p], None),
    "mc_open": ([ctypes.c_char_p, _OUT], ctypes.c_int),
    "mc_close": ([ctypes.c_void_p], ctypes.c_int),
    "mc_steps_due": ([ctypes.c_void_p, ctypes.c_char_p, _OUT], ctypes.c_int),
    "mc_audit_verify": ([ctypes.c_void_p, ctypes.c_char_p, _OUT], ctypes.c_int),
    "mc_audit_record": ([ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p], ctypes.c_int),
    "mc_catalog_get": ([ctypes.c_void_p, ctypes.c_char_p, _OUT], ctypes.c_int),
    "mc_workflow_get": ([ctypes.c_void_p, ctypes.c_char_p, _OUT], ctypes.c_int),
    "mc_extensions_get": ([ctypes.c_void_p, _OUT], ctypes.c_int),
    "mc_prompt_open": ([ctypes.c_void_p, ctypes.c_char_p, _OUT], ctypes.c_int),
    "mc_store_stats": ([ctypes.c_void_p, _OUT], ctypes.c_int),
    "mc_store_probe": ([ctypes.c_void_p], ctypes.c_int),
    "mc_notifications_set": ([ctypes.c_void_p, NOTIFY_FN, ctypes.c_void_p], ctypes.c_int),
    "mc_events_ack": ([ctypes.c_void_p, ctypes.c_char_p], ctypes.c_int),
    "mc_events_replay": ([ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64,
                          ctypes.POINTER(ctypes.c_int64)], ctypes.c_int),
}


def takes_actor_and_request(name: str) -> bool:
    """Whether the C function ``name`` has the (instance, actor, request, out) shape."""
    return _SIGNATURES.get(name, _ACTOR_REQUEST) is _ACTOR_REQUEST


# What a library must export to be taken for a meldcode plugin at all.
_REQUIRED = ("mc_abi_version", "mc_abi_check", "mc_last_error", "mc_free", "mc_open", "mc_close")


# What dlopen says when its search finds no file by that name. The same words
# naming another file mean a library the plugin needs is missing: not loadable.
_NOT_FOUND = "cannot open shared object file: No such file or directory"


def _text(raw: Optional[bytes]) -> str:
    return raw.decode("utf-8", "replace") if raw else ""


class Plugin:
    """One loaded copy of libmeldcode, checked to be ABI-compatible with this binding.

    ``path`` is tried first, then the environment variable ``MELDCODE_PLUGIN``,
    then :data:`DEFAULT_PLUGIN` through the dynamic loader. Raises
    :class:`~meldcode.errors.VersionError` saying what is wrong: the file is
    missing or the loader's search finds none (``plugin_not_found``), not a
    loadable library (``plugin_not_loadable``), not a meldcode plugin
    (``missing_symbol``) or built for another ABI (``abi_mismatch``).
    """

    def __init__(self, path: Optional[str] = None):
        self.path = path or os.environ.get("MELDCODE_PLUGIN") or DEFAULT_PLUGIN
        self._functions: dict = {}
        if os.sep in self.path and not os.path.exists(self.path):
            raise VersionError("plugin_not_found", f"no meldcode plugin at {self.path} (set "
                               "MELDCODE_PLUGIN or pass the path of libmeldcode.so)")
        try:
            self._lib = ctypes.CDLL(self.path)
        except OSError as e:
            if os.sep not in self.path and str(e) == f"{self.path}: {_NOT_FOUND}":
                raise VersionError("plugin_not_found",
                                   f"no meldcode plugin {self.path} where the dynamic loader looks "
                                   "(set MELDCODE_PLUGIN or pass the path of libmeldcode.so)"
                                   ) from None
            raise VersionError("plugin_not_loadable",
                               f"cannot load meldcode plugin {self.path}: {e}") from None
        for name in _REQUIRED:
            self.function(name)
        self._negotiate()

    def _negotiate(self) -> None:
        # The plugin decides whether it serves a host built for our ABI version.
        if self.function("mc_abi_check")(ABI_VERSION) == 0:
            return
        theirs = self.function("mc_abi_version")()
        raise VersionError(
            "abi_mismatch",
            f"the meldcode plugin {self.path} implements ABI {theirs >> 16}.{theirs & 0xFFFF}; "
            f"this binding was built for ABI {ABI_VERSION_MAJOR}.{ABI_VERSION_MINOR} (the same "
            "major version and at least this minor one are needed)")

    def function(self, name: str) -> Callable[..., int]:
        """The C function ``name`` with its prototype (by default the (instance, actor, request, out) one)."""
        fn = self._functions.get(name)
        if fn is not None:
            return fn
        try:
            fn = getattr(self._lib, name)
        except AttributeError:
            raise VersionError("missing_symbol",
                               f"{self.path} does not export {name}: not a meldcode plugin, "
                               "or older than this binding") from None
        fn.argtypes, fn.restype = _SIGNATURES.get(name, _ACTOR_REQUEST)
        self._functions[name] = fn
        return fn

    def last_error(self) -> Exception:
        """The exception for the last failed call on this thread."""
        err = self.function("mc_last_error")()
        if not err:
            return error_for(10, "internal", "the call failed without an error", "")
        e = err.contents
        return error_for(e.status, _text(e.code), _text(e.message), _text(e.pointer))

    def take(self, out: ctypes.c_void_p) -> bytes:
        """The text the plugin returned through ``char** out``, freed with mc_free."""
        if not out.value:
            return b""
        try:
            return ctypes.string_at(out.value)
        finally:
            self.function("mc_free")(out)
