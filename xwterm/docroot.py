"""Sans-I/O mapping of a URL path to a file inside the document root.

Every refusal is decided here, from the raw (still percent-encoded) path, so
that the rules can be tested without a server and no adapter can forget one:
``..`` and ``.`` segments (plain or encoded), encoded slashes and
backslashes, NUL and control characters, drive letters, empty segments
(``//etc/passwd``), dot-files, and symlinks whose target leaves the root.
"""

import os
import posixpath

from urllib.parse import unquote

#: Longest URL path considered at all (characters, still encoded).
MAX_PATH = 2048

#: File served for ``/`` and for any directory.
INDEX = 'index.html'

CONTENT_TYPES = {
    '.html': 'text/html; charset=utf-8',
    '.htm': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.mjs': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.json': 'application/json',
    '.map': 'application/json',
    '.png': 'image/png',
    '.svg': 'image/svg+xml',
    '.ico': 'image/x-icon',
    '.wasm': 'application/wasm',
    '.txt': 'text/plain; charset=utf-8',
    '.woff2': 'font/woff2',
}

DEFAULT_CONTENT_TYPE = 'application/octet-stream'


class NotFound(Exception):
    """The path names nothing we may serve; ``reason`` says why (for logs)."""

    def __init__(self, reason, status=404):
        Exception.__init__(self, reason)
        self.reason = reason
        self.status = status


def content_type(path):
    """Content-Type header value for a file name."""
    return CONTENT_TYPES.get(posixpath.splitext(path)[1].lower(),
                             DEFAULT_CONTENT_TYPE)


def _segments(raw_path):
    """Raw URL path -> list of decoded, individually checked segments."""
    if len(raw_path) > MAX_PATH:
        raise NotFound('path too long', status=414)
    path = raw_path.split('?', 1)[0].split('#', 1)[0]
    if not path.startswith('/'):
        raise NotFound('path is not absolute-form')
    raw_segments = path[1:].split('/')
    if raw_segments[-1] == '':
        raw_segments.pop()  # a trailing slash names the directory itself
    segments = []
    for raw in raw_segments:
        try:
            segment = unquote(raw, errors='strict')
        except UnicodeDecodeError:
            raise NotFound('segment is not UTF-8')
        if segment == '':
            raise NotFound('empty segment')
        if segment in ('.', '..') or segment.startswith('.'):
            raise NotFound('dot segment or dot-file')
        if '/' in segment or '\\' in segment or ':' in segment:
            raise NotFound('separator or drive in segment')
        if any(ord(char) < 32 or ord(char) == 127 for char in segment):
            raise NotFound('control character in segment')
        segments.append(segment)
    return segments


def _inside(root, path):
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def resolve(root, raw_path):
    """Raw URL path -> ``(absolute file path, content type)``.

    ``root`` is the document root directory.  Raises ``NotFound`` for
    anything outside the root, missing, or not a regular file.  Touches the
    file system only to resolve symlinks and stat (no reads).
    """
    segments = _segments(raw_path)
    real_root = os.path.realpath(root)
    candidate = os.path.join(real_root, *segments) if segments else real_root
    real = os.path.realpath(candidate)
    if not _inside(real_root, real):
        raise NotFound('resolves outside the document root')
    if os.path.isdir(real):
        real = os.path.realpath(os.path.join(real, INDEX))
        if not _inside(real_root, real):
            raise NotFound('index resolves outside the document root')
    if not os.path.isfile(real):
        raise NotFound('no such file')
    return real, content_type(real)


def packaged():
    """``web/`` of an installed package (xwterm/web) or of a source checkout; None if
    neither exists."""
    package_dir = os.path.dirname(os.path.abspath(__file__))
    for candidate in (os.path.join(package_dir, 'web'),
                      os.path.join(os.path.dirname(package_dir), 'web')):
        if os.path.isdir(candidate):
            return candidate
    return None
