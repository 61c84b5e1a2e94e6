"""Stand-in for the idna package in the embedded bundles (written by vendor/build.py).

On a board, idna is reached only through yarl (a non-ASCII host name in a URL) and
idna_ssl (the aiohttp client's TLS host check).  Both call ``encode``/``decode`` and fall
back to the standard library's IDNA codec on ``UnicodeError``; this stand-in goes to that
codec directly, so the bundle does without idna's IDNA 2008 tables.
"""

__version__ = 'xwterm-shim'


class IDNAError(UnicodeError):
    """What idna raises; the standard codec's errors are UnicodeError already."""


def _text(value):
    return value.decode('ascii') if isinstance(value, (bytes, bytearray)) else value


def encode(s, strict=False, uts46=False, std3_rules=False, transitional=False):
    """``s`` as ASCII bytes (IDNA 2003, the standard library's codec)."""
    return _text(s).encode('idna')


def decode(s, strict=False, uts46=False, std3_rules=False):
    """``xn--`` labels of ``s`` back to text."""
    return _text(s).encode('ascii').decode('idna')
