"""Stand-in for charset_normalizer in the embedded bundles (written by vendor/build.py).

aiohttp imports it only to guess the encoding of an HTTP *client* response that names
none (``ClientResponse.get_encoding``); xwterm's server never makes such a request.
``detect`` names no encoding, so aiohttp falls back to UTF-8.
"""

__version__ = 'xwterm-shim'


def detect(byte_str):
    """The ``chardet.detect`` shape, with no guess."""
    return {'encoding': None, 'language': '', 'confidence': None}
