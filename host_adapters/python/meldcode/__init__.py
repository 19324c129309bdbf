"""meldcode: the Python binding of libmeldcode (ctypes, standard library only).

In a directory that holds a key ring ``meldcode.keys`` (docs/encryption-and-audit.md),
a host reports a ticket that closed just now, and learns whether to ask the technician:

>>> from datetime import datetime, timezone
>>> from meldcode import Meldcode
>>> ticket = {"host_ticket_id": "WO-1", "unit_id": "VHE-000123", "work_type": "REP",
...           "entered_dwelling": True, "technician_id": "t-1042",
...           "closed_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
>>> with Meldcode({"store_path": "meldcode.db", "keys": {"file": "meldcode.keys"}}) as mc:
...     prompt = mc.ticket_closed({"id": "erp", "role": "integration"}, ticket)
>>> prompt["ask"], prompt["reason"]
(True, 'ask')

The plugin is found through the ``plugin`` argument, the environment variable
``MELDCODE_PLUGIN``, or the dynamic loader (``libmeldcode.so.1``).
"""

from ._native import ABI_VERSION, Plugin
from .errors import (ArgumentError, ConflictError, ForbiddenError, InternalError, JsonError,
                     MeldcodeError, NotFoundError, PayloadError, StorageError, TooLargeError,
                     VersionError)
from .instance import Meldcode, info

__all__ = [
    "ABI_VERSION", "Plugin", "Meldcode", "info", "MeldcodeError", "ArgumentError", "JsonError",
    "PayloadError", "TooLargeError", "NotFoundError", "ForbiddenError", "ConflictError",
    "StorageError", "VersionError", "InternalError",
]
