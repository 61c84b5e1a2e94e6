"""Optional third-party packages (aiohttp, websockets), imported without failing.

``import_optional(name)`` returns ``(module, origin)`` when the import works,
with ``origin`` either ``"system <path>"`` or ``"vendored <path>"``, and
``(None, error)`` when it does not, so the server can disable one listener and
say why.  ``find_optional(name)`` answers the same without importing (the
server listens before it pays for the imports).

The system's packages always come first. Only when an import fails is the
vendored folder matching the running interpreter appended to ``sys.path``
(``vendor/py36`` next to the package, on Python < 3.7 only: its websockets 9.1
and aiohttp 3.8 do not work on newer Pythons) and the import tried again.
``python3 vendor/build.py`` creates that folder.
"""

import importlib
import importlib.util
import logging
import os
import sys

log = logging.getLogger(__name__)

# name -> (module, or the path of one only found, or None; origin) of every
# import_optional or find_optional call, for the banner.
_results = {}

VENDOR_ROOT = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'vendor')


def vendor_tag(version_info=None):
    """Name of the vendored set for a Python version (``"py36"``), or None."""
    version_info = sys.version_info if version_info is None else version_info
    if tuple(version_info[:2]) < (3, 7):
        return 'py36'
    return None


def vendor_dir():
    """The vendored folder for the running interpreter, or None if there is none."""
    tag = vendor_tag()
    if tag is None:
        return None
    path = os.path.join(VENDOR_ROOT, tag)
    return path if os.path.isdir(path) else None


def origin_of(module):
    """``"vendored <path>"`` or ``"system <path>"`` for an imported module."""
    return _origin_of_path(getattr(module, '__file__', None))


def _origin_of_path(path):
    if not path:
        return 'system built-in'
    path = os.path.abspath(path)
    folder = vendor_dir()
    if folder is not None and path.startswith(folder + os.sep):
        return 'vendored %s' % path
    return 'system %s' % path


def _use_vendor_dir(folder):
    """Append ``folder`` to sys.path once. True if it was added now."""
    if folder in sys.path:
        return False
    sys.path.append(folder)
    importlib.invalidate_caches()
    log.debug('added vendored packages: %s', folder)
    return True


def _import(name):
    """Import ``name``; on failure drop what the attempt left in sys.modules."""
    before = set(sys.modules)
    try:
        return importlib.import_module(name)
    except ImportError:
        for leftover in set(sys.modules) - before:
            del sys.modules[leftover]
        raise


def import_optional(name):
    """Import ``name``: ``(module, "system ..."|"vendored ...")`` or ``(None, error)``."""
    result = _import_optional(name)
    _results[name] = result
    return result


def find_optional(name):
    """Where ``name`` would be imported from, without importing it: ``(path, "system
    ..."|"vendored ...")`` or ``(None, error)``; a package that is found but fails to
    import is only known at ``import_optional``."""
    spec = _find(name)
    folder = vendor_dir()
    if spec is None and folder is not None:
        _use_vendor_dir(folder)
        spec = _find(name)
    if spec is None:
        result = None, 'No module named %r' % name
    else:
        path = spec.origin if spec.has_location else None
        result = path or name, _origin_of_path(path)
    _results[name] = result
    return result


def _find(name):
    try:
        return importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None


def attempted():
    """``{name: (module or None, origin)}`` of the imports tried so far."""
    return dict(_results)


def _import_optional(name):
    try:
        module = _import(name)
    except ImportError as error:
        first_error = error
    else:
        return module, origin_of(module)
    folder = vendor_dir()
    if folder is None:
        tag = vendor_tag()
        if tag is None:
            return None, str(first_error)
        return None, '%s (no vendored %s set at %s)' % (
            first_error, tag, os.path.join(VENDOR_ROOT, tag))
    if not _use_vendor_dir(folder):
        # Already on the path since an earlier call: the first try covered it.
        return None, '%s (vendored set %s tried too)' % (first_error, folder)
    try:
        module = _import(name)
    except ImportError as error:
        return None, '%s (vendored set %s tried too)' % (error, folder)
    return module, origin_of(module)
