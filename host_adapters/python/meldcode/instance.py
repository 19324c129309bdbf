"""An open meldcode store: the operations of the C ABI with dicts in and out."""

from __future__ import annotations

import ctypes
import json
from typing import Any, Callable, Dict, Optional, Union

from ._native import NOTIFY_FN, Plugin, takes_actor_and_request
from .errors import ArgumentError

Json = Dict[str, Any]
Actor = Json  # {"id": "...", "role": "observer|officer|auditor|admin|integration"}


def _encode(document: Union[Json, bytes]) -> bytes:
    # bytes pass through untouched: the raw path for hosts that already hold
    # JSON text (and for tests of malformed input).
    if isinstance(document, bytes):
        return document
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


class Meldcode:
    """One open store (``mc_open``), closed by :meth:`close` or at the end of a ``with`` block.

    Every method takes the actor the host authenticated and a dict that
    follows the payload's schema (``schemas/<name>.schema.json``), and returns
    the answer as a dict. Failures raise :class:`~meldcode.errors.MeldcodeError`
    subclasses. Safe to call from many threads; do not close while other
    threads still call.

    A payload that breaks its schema raises :class:`~meldcode.errors.PayloadError`
    naming the field (in a directory that holds a key ring ``meldcode.keys``):

    >>> with Meldcode({"store_path": "meldcode.db", "keys": {"file": "meldcode.keys"}}) as mc:
    ...     mc.ticket_closed({"id": "erp", "role": "integration"}, {"host_ticket_id": "WO-2"})
    Traceback (most recent call last):
    ...
    meldcode.errors.PayloadError: missing_field: ... (at /closed_at)
    """

    def __init__(self, config: Union[Json, bytes], plugin: Union[Plugin, str, None] = None):
        """Opens the store ``config`` names; ``plugin`` is a loaded :class:`Plugin` or a path."""
        self.plugin = plugin if isinstance(plugin, Plugin) else Plugin(plugin)
        handle = ctypes.c_void_p()
        if self.plugin.function("mc_open")(_encode(config), ctypes.byref(handle)) != 0:
            raise self.plugin.last_error()
        self._handle: Optional[ctypes.c_void_p] = handle
        self._notify: Optional[Any] = None  # keeps the ctypes callback alive

    def __enter__(self) -> "Meldcode":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Flushes pending work and closes the store. Closing twice is harmless."""
        handle, self._handle = self._handle, None
        if handle is not None and self.plugin.function("mc_close")(handle) != 0:
            raise self.plugin.last_error()

    # -- the operations (README.md, "The C ABI"); one line each ---------------

    def ticket_closed(self, actor: Actor, ticket: Json) -> Json:
        """A host ticket was closed (``ticket``): whether to ask, and the form (``prompt``)."""
        return self.call("mc_ticket_closed", actor, ticket)

    def submit_signals(self, actor: Actor, submission: Json) -> Json:
        """Submits an observer's signals (``submission``); durable on return (``receipt``)."""
        return self.call("mc_signals_submit", actor, submission)

    def submission_status(self, actor: Actor, request: Json) -> Json:
        """The status of one of the actor's own submissions (``submission_status``)."""
        return self.call("mc_submission_status", actor, request)

    def report_host_event(self, actor: Actor, event: Json) -> Json:
        """Another host event about a unit (``host_event``) → ``{"status": "accepted"}``."""
        return self.call("mc_host_event_report", actor, event)

    def list_concerns(self, actor: Actor, query: Json) -> Json:
        """Concerns, filtered and paged (``concern_query`` → ``concern_page``)."""
        return self.call("mc_concerns_list", actor, query)

    def get_concern(self, actor: Actor, request: Json) -> Json:
        """One concern with its chronology (``concern_get`` → ``concern``)."""
        return self.call("mc_concern_get", actor, request)

    def act(self, actor: Actor, action: Json) -> Json:
        """One workflow action on a concern (``concern_action`` → ``concern``)."""
        return self.call("mc_concern_act", actor, action)

    def steps_due(self, actor: Actor) -> Json:
        """Reviews that have come due (``due_steps``); fires ``step_due`` notifications."""
        return self._actor_only("mc_steps_due", actor)

    # -- retention, data-subject requests, keys and audit --------------------

    def set_legal_hold(self, actor: Actor, request: Json) -> Json:
        """Places or lifts a legal hold (``legal_hold_request`` → ``legal_hold``)."""
        return self.call("mc_legal_hold_set", actor, request)

    def purge(self, actor: Actor, request: Json) -> Json:
        """Removes what is past its retention (``purge_request`` → ``purge_report``, counts only)."""
        return self.call("mc_purge", actor, request)

    def export_concern(self, actor: Actor, request: Json) -> Json:
        """One concern's dossier for a data-subject request, in two steps: a request
        (``export_request`` → ``export_pending``, releasing nothing), then another
        officer's approval with its ``export_ref`` (→ ``dossier``)."""
        return self.call("mc_concern_export", actor, request)

    def rotate_keys(self, actor: Actor, request: Json) -> Json:
        """One batch of re-encryption (``key_rotation_request`` → ``key_rotation``); repeat
        until ``remaining`` is 0."""
        return self.call("mc_keys_rotate", actor, request)

    def verify_audit(self, actor: Actor) -> Json:
        """Checks the audit chain (``audit_verification``: ``ok``, ``first_broken``)."""
        return self._actor_only("mc_audit_verify", actor)

    def figures(self, actor: Actor, request: Json) -> Json:
        """Management figures of a range of quarters, k-anonymous (``figures_request`` →
        ``figures``); managers and officers."""
        return self.call("mc_figures_get", actor, request)

    def list_audit(self, actor: Actor, query: Json) -> Json:
        """One page of the audit trail, newest first (``audit_query`` → ``audit_page``)."""
        return self.call("mc_audit_list", actor, query)

    def record_audit(self, actor: Actor, event: Json) -> None:
        """A security event this host handled itself (``audit_event``), one audit row."""
        if self.plugin.function("mc_audit_record")(self._live(), _encode(actor),
                                                   _encode(event)) != 0:
            raise self.plugin.last_error()

    def extensions(self) -> Json:
        """The catalog packs and compiled extensions loaded or rejected (``extensions``)."""
        return self._answer(lambda out: self.plugin.function("mc_extensions_get")(
            self._live(), out))

    def store_stats(self) -> Json:
        """How the store has been committing since it was opened (``store_stats``)."""
        return self._answer(lambda out: self.plugin.function("mc_store_stats")(self._live(), out))

    def probe_store(self) -> None:
        """Raises unless the store can take calls now (``mc_store_probe``), for a readiness probe."""
        if self.plugin.function("mc_store_probe")(self._live()) != 0:
            raise self.plugin.last_error()

    def catalog(self, locale: Optional[str] = None) -> Json:
        """The signal catalog in ``locale`` ("nl", "en"; None: the configured default)."""
        return self._localized("mc_catalog_get", locale)

    def workflow(self, locale: Optional[str] = None) -> Json:
        """The workflow definition in ``locale`` (``workflow_view``), to render forms from."""
        return self._localized("mc_workflow_get", locale)

    def _localized(self, function: str, locale: Optional[str]) -> Json:
        return self._answer(lambda out: self.plugin.function(function)(
            self._live(), locale.encode("utf-8") if locale is not None else None, out))

    def set_notifications(self, callback: Optional[Callable[[Json], None]]) -> None:
        """Calls ``callback(notification)`` (ids only, never content) after durable changes.

        It runs on the thread that made the change and must not call back into
        this instance; an exception it raises is printed and otherwise ignored
        (it cannot cross the C boundary). ``None`` removes it.
        """
        fn = NOTIFY_FN(lambda _user, text: callback(json.loads(text))) if callback else NOTIFY_FN()
        if self.plugin.function("mc_notifications_set")(self._live(), fn, None) != 0:
            raise self.plugin.last_error()
        self._notify = fn

    def acknowledge_event(self, event_id: str) -> None:
        """The host has the notification with this ``event_id`` durably: the store stops keeping it.

        Until then every notification is kept with the change that caused it, and
        :meth:`replay_events` notifies it again (after 7 days it is pruned, and
        counted in :meth:`store_stats` as ``events_pruned``). May be called from
        the notification callback; an unknown id is no error.
        """
        if self.plugin.function("mc_events_ack")(self._live(), event_id.encode("utf-8")) != 0:
            raise self.plugin.last_error()

    def replay_events(self, older_than_seconds: int, limit: int) -> int:
        """Notifies again, through the callback and before it returns, at most ``limit``
        (1..10000) events kept at least ``older_than_seconds`` ago and not acknowledged, oldest
        first, each under its own ``event_id``; returns how many."""
        replayed = ctypes.c_int64(0)
        if self.plugin.function("mc_events_replay")(self._live(), older_than_seconds, limit,
                                                    ctypes.byref(replayed)) != 0:
            raise self.plugin.last_error()
        return replayed.value

    # -- the generic call ----------------------------------------------------

    def call(self, function: str, actor: Union[Actor, bytes], request: Union[Json, bytes]) -> Json:
        """Calls ``function(instance, actor, request, &out)`` by its C name and parses the answer.

        Any operation of that shape works, also one newer than this binding;
        ``actor`` and ``request`` may be raw UTF-8 JSON bytes instead of dicts.
        A function of another shape is refused: given these arguments, it would
        write its answer where the request is.
        """
        if not takes_actor_and_request(function):
            raise ArgumentError("not_an_actor_request_function",
                                f"{function} does not take (actor, request): use its own method")
        fn = self.plugin.function(function)
        return self._answer(lambda out: fn(self._live(), _encode(actor), _encode(request), out))

    def _actor_only(self, function: str, actor: Actor) -> Json:
        return self._answer(lambda out: self.plugin.function(function)(
            self._live(), _encode(actor), out))

    def _answer(self, invoke: Callable[[Any], int]) -> Json:
        out = ctypes.c_void_p()
        if invoke(ctypes.byref(out)) != 0:
            raise self.plugin.last_error()
        return json.loads(self.plugin.take(out))

    def _live(self) -> ctypes.c_void_p:
        if self._handle is None:
            raise ArgumentError("instance_closed", "the instance is closed")
        return self._handle


def info(plugin: Union[Plugin, str, None] = None) -> Json:
    """The library's versions: ``version``, ``abi_version``, ``catalog_version``, ``workflow_version``."""
    loaded = plugin if isinstance(plugin, Plugin) else Plugin(plugin)
    out = ctypes.c_void_p()
    if loaded.function("mc_info")(ctypes.byref(out)) != 0:
        raise loaded.last_error()
    return json.loads(loaded.take(out))
