"""What goes into the embedded bundles, and what each part costs (used by vendor/build.py).

A board runs xwterm's server on Linux under Python 3.6.  What it never runs is left out:
the Windows backends, the ASGI adapter, aiohttp's test tools, websockets' interactive
client, type-checker markers, pip's metadata beyond name, version and licence, and the
comments and docstrings of xwterm's modules and of websockets (BSD-licensed; its licence
file stays).  They are emptied in place: every line keeps its number, so a traceback on
the board points at the line of the original file.  (websockets' client side stays: on
Python 3.6, ``import websockets`` imports every module its lazy names point at.)  Two
vendored dependencies that only aiohttp's *client* reaches are replaced by stand-ins of a
few lines (vendor/shims/).  The WebSocket-only bundle also leaves out every module that
needs aiohttp.  tests/test_bundle.py checks the bundles against these rules and their
budgets; tests/embedded runs the server from them.
"""

import fnmatch
import gzip
import io
import os
import tokenize

HERE = os.path.dirname(os.path.abspath(__file__))
SHIMS = os.path.join(HERE, "shims")

#: (pattern of archive names, why a board never runs it): left out of both bundles.
NEVER_ON_A_BOARD = (
    ("xwterm/terminal/conhost.py", "Windows backend"),
    ("xwterm/terminal/conhost_helper.py", "Windows backend"),
    ("xwterm/terminal/conpty.py", "Windows backend"),
    ("xwterm/terminal/winapi.py", "Windows backend"),
    ("xwterm/terminal/worker.py", "Windows backend (ConPTY's reader thread)"),
    ("xwterm/terminal/windows.py", "Windows backend choice (imported on Windows only)"),
    ("xwterm/consolectrl.py", "Windows console control"),
    ("xwterm/asgi.py", "ASGI adapter: its hosts need Python 3.7+"),
    ("example/embed_asgi.py", "ASGI example: Starlette needs Python 3.7+"),
    ("vendor/py36/aiohttp/pytest_plugin.py", "aiohttp's test tools"),
    ("vendor/py36/aiohttp/test_utils.py", "aiohttp's test tools"),
    ("vendor/py36/aiohttp/worker.py", "aiohttp's gunicorn worker"),
    ("vendor/py36/aiohttp/*.pxi", "Cython source"),
    ("vendor/py36/websockets/__main__.py", "websockets' interactive client"),
    ("vendor/py36/attrs/*", "attrs' new namespace (aiohttp imports attr)"),
    ("vendor/py36/idna/*", "replaced by vendor/shims/idna.py"),
    ("vendor/py36/idna-*.dist-info/*", "replaced by vendor/shims/idna.py"),
    ("vendor/py36/charset_normalizer/*", "replaced by vendor/shims/charset_normalizer.py"),
    ("vendor/py36/charset_normalizer-*.dist-info/*",
     "replaced by vendor/shims/charset_normalizer.py"),
    ("*/py.typed", "type-checker marker"),
    ("vendor/py36/*.dist-info/top_level.txt", "pip metadata"),
    ("vendor/py36/*.dist-info/entry_points.txt", "pip metadata"),
    ("vendor/py36/*.dist-info/zip-safe", "pip metadata"),
)

#: Left out of the WebSocket-only bundle too: without aiohttp nothing imports them.
NEEDS_AIOHTTP = (
    ("xwterm/http.py", "HTTP listener"),
    ("xwterm/requestdeadline.py", "first request head deadline (HTTP listener)"),
    ("xwterm/polling.py", "long-polling (HTTP listener)"),
    ("xwterm/aiohttp_ws.py", "WebSocket on the HTTP listener"),
    ("xwterm/httpauth.py", "HTTP login (HTTP listener)"),
    ("xwterm/csp.py", "page headers (HTTP listener)"),
    ("xwterm/transfer.py", "uploads and downloads (HTTP listener)"),
    ("xwterm/wschild.py", "the WebSocket child of --aiohttp-workaround (HTTP listener)"),
    ("example/embed_aiohttp.py", "aiohttp example"),
)

#: Python files whose comments and docstrings are left out (see without_comments).
WITHOUT_COMMENTS = ("xwterm/", "vendor/py36/websockets/")
#: The page's scripts, whose whole-line ``//`` comments are left out (see js_without_comments).
JS_WITHOUT_COMMENTS = "web/"
STRIPPED = ("comments and docstrings of xwterm's and websockets' modules, and the page's "
            "whole-line // comments (line numbers stay)")

#: Stand-ins put into vendor/py36/ of both bundles (see NEVER_ON_A_BOARD).
SHIM_FILES = ("idna.py", "charset_normalizer.py")


def left_out(arcname, ws_only):
    """Why ``arcname`` is not in the bundle, or None when it is."""
    rules = NEVER_ON_A_BOARD + (NEEDS_AIOHTTP if ws_only else ())
    for pattern, why in rules:
        if fnmatch.fnmatchcase(arcname, pattern):
            return why
    return None


def select(files, ws_only):
    """``(kept, dropped)``: ``files`` ({arcname: source}) without what a board never
    runs, plus the shims; ``dropped`` is {arcname: why}."""
    kept, dropped = {}, {}
    for arcname, source in files.items():
        why = left_out(arcname, ws_only)
        if why is None:
            kept[arcname] = source
        else:
            dropped[arcname] = why
    if not ws_only:
        for name in SHIM_FILES:
            kept["vendor/py36/" + name] = os.path.join(SHIMS, name)
    for arcname in list(kept):
        if arcname.endswith(".dist-info/METADATA"):
            kept[arcname] = metadata_headers(kept[arcname])
        elif arcname.startswith(WITHOUT_COMMENTS) and arcname.endswith(".py"):
            kept[arcname] = without_comments(_read(kept[arcname]))
        elif arcname.startswith(JS_WITHOUT_COMMENTS) and arcname.endswith(".js"):
            kept[arcname] = js_without_comments(_read(kept[arcname]))
    return kept, dropped


def js_without_comments(source):
    """JavaScript (bytes) with its whole-line ``//`` comments emptied; every line stays where
    it was.  A file where any other line holds an odd number of backticks may have a
    template literal over several lines, whose text a ``//`` line could belong to: it is
    left as it is (a tokenizer would do better, but this needs none)."""
    lines = source.decode("utf-8").splitlines(True)
    comment = [line.strip().startswith("//") for line in lines]
    if any(line.count("`") % 2 for line, is_comment in zip(lines, comment)
           if not is_comment):
        return source
    return "".join(line[len(line.rstrip("\r\n")):] if is_comment else line
                   for line, is_comment in zip(lines, comment)).encode("utf-8")


#: Tokens after which a string starts a statement of its own (a docstring, if any).
_STATEMENT_START = (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING)


def without_comments(source):
    """Python source (bytes) with comments dropped and statement-only strings (docstrings)
    emptied; every line stays where it was.  The first line's ``#!`` stays."""
    text = source.decode("utf-8")
    lines = text.splitlines(True)
    tokens = list(tokenize.tokenize(io.BytesIO(source).readline))
    cuts = []
    previous = tokenize.ENCODING
    for index, token in enumerate(tokens):
        if token.type == tokenize.COMMENT and not (token.start[0] == 1
                                                  and token.string.startswith("#!")):
            cuts.append((token.start, token.end, None))
        elif token.type == tokenize.STRING and previous in _STATEMENT_START \
                and tokens[index + 1].type == tokenize.NEWLINE:
            cuts.append((token.start, token.end, '""'))
        if token.type not in (tokenize.NL, tokenize.COMMENT):
            previous = token.type
    for (row, col), (end_row, end_col), replacement in sorted(cuts, reverse=True):
        first, last = lines[row - 1], lines[end_row - 1]
        ending = last[len(last.rstrip("\r\n")):]
        if replacement is None:
            lines[row - 1] = first[:col].rstrip() + ending
            continue
        if end_row == row:
            lines[row - 1] = first[:col] + replacement + first[end_col:]
            continue
        lines[row - 1] = first[:col] + replacement + "\n"
        for inner in range(row, end_row - 1):
            lines[inner] = "\n"
        lines[end_row - 1] = last[end_col:].lstrip() or ending
        if not lines[end_row - 1].strip():
            lines[end_row - 1] = ending
    return "".join(lines).encode("utf-8")


def metadata_headers(path):
    """A METADATA file without its long description (the package's README): the headers
    name the package, its version and its licence."""
    with open(path, "rb") as f:
        data = f.read()
    head = data.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    return head + b"\n"


def _read(source):
    if isinstance(source, bytes):
        return source
    with open(source, "rb") as f:
        return f.read()


def part_of(arcname):
    """The part a file is counted in: a vendored package (with its metadata), or a
    top-level folder of xwterm (xwterm/terminal/ on its own)."""
    parts = arcname.split("/")
    if parts[:2] == ["vendor", "py36"]:
        name = parts[2]
        for suffix in (".dist-info", ".py"):
            if name.endswith(suffix):
                name = name[:-len(suffix)].rsplit("-", 1)[0] if suffix == ".dist-info" \
                    else name[:-len(suffix)]
        return "vendor/py36/" + name.lower().replace("-", "_")
    if parts[:2] == ["xwterm", "terminal"]:
        return "xwterm/terminal"
    return parts[0] if len(parts) > 1 else arcname


def costs(files):
    """[(part, files, bytes, gzip bytes)], largest first: what each part adds, each
    compressed on its own (the bundle compresses them together, a little smaller)."""
    groups = {}
    for arcname in sorted(files):
        groups.setdefault(part_of(arcname), []).append(_read(files[arcname]))
    rows = []
    for part, blobs in groups.items():
        data = b"".join(blobs)
        rows.append((part, len(blobs), len(data), len(gzip.compress(data, 9))))
    return sorted(rows, key=lambda row: (-row[3], row[0]))


def unpacked_size(files):
    return sum(len(_read(source)) for source in files.values())
