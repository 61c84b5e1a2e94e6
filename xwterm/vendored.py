"""Optional third-party packages (aiohttp, websockets), imported without failing.

``import_optional(name)`` returns ``(module, origin)`` when the import works and
``(None, error)`` when it does not, so the server can disable one listener and
say why.
"""

import importlib


def import_optional(name):
    """Import ``name``; ``(module, origin)`` or ``(None, "No module named ...")``."""
    try:
        module = importlib.import_module(name)
    except ImportError as error:
        return None, str(error)
    return module, getattr(module, '__file__', None) or 'built-in'
