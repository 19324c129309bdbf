"""meldcode: the Python binding of libmeldcode (ctypes, standard library only).

    from meldcode import Meldcode, PayloadError

    with Meldcode({"store_path": "meldcode.db"}) as mc:
        prompt = mc.ticket_closed({"id": "erp", "role": "integration"}, ticket)

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
