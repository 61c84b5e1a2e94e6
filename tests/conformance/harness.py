"""Shared machinery of the AnsiTerm conformance tests (and of bench/ansiterm_bench.py).

* ``serve()``       a local HTTP server on 127.0.0.1, port 0: ``/`` is web/,
                    ``/node_modules/`` the repo's node_modules (dev dependencies),
                    ``/__conformance__/`` this folder, ``/__bench__/`` bench/.
* ``chromium()``    Debian's /usr/bin/chromium driven by Python Playwright.
* ``reference_dumps(jobs)``  the xterm.js headless reference (reference.mjs, batch mode).
* ``compare(expected, got)`` the cell-by-cell comparison of two ansiterm-screen-v1 dumps.
* ``corpus_streams()`` / ``scripted_streams()``  the byte streams under test.
"""

import base64
import contextlib
import http.server
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import threading
import unicodedata
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
# ANSITERM_WEB_DIR: serve another copy of web/ (e.g. `git archive HEAD web` unpacked)
WEB = os.path.abspath(os.environ.get("ANSITERM_WEB_DIR") or os.path.join(REPO, "web"))
NODE_MODULES = os.path.join(REPO, "node_modules")
BENCH = os.path.join(REPO, "bench")
CORPUS = os.path.join(HERE, "corpus")
REFERENCE_MJS = os.path.join(HERE, "reference.mjs")
EMULATOR_JS = os.path.join(WEB, "ansiterm-core.js")
CONFORMANCE_HTML = os.path.join(WEB, "conformance.html")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# Which page implements window.ansitermConformance: AnsiTerm's own (default) or the
# xterm.js self-check page (ANSITERM_CONFORMANCE_PAGE=selfcheck), which validates the
# harness itself: xterm.js in Chromium against xterm.js headless must score 100%.
PAGES = {
    "ansiterm": "/conformance.html",
    "selfcheck": "/__conformance__/selfcheck.html",
}

# Results of the current pytest session, printed by conftest.py's terminal summary.
RESULTS = {"scripted": {}, "corpus": {}, "page": None}


# ----------------------------------------------------------------- streams

def corpus_streams():
    """name -> (path, cols, rows) for every recorded stream, e.g. vim.80x24.bin."""
    out = {}
    if not os.path.isdir(CORPUS):
        return out
    for fn in sorted(os.listdir(CORPUS)):
        m = re.match(r"^(.+)\.(\d+)x(\d+)\.bin$", fn)
        if m:
            out["%s.%sx%s" % m.groups()] = (os.path.join(CORPUS, fn), int(m.group(2)),
                                            int(m.group(3)))
    return out


def scripted_streams():
    """name -> (bytes, cols, rows) from scripted/cases.py."""
    sys.path.insert(0, os.path.join(HERE, "scripted"))
    try:
        import cases  # noqa: E402
    finally:
        sys.path.pop(0)
    return cases.cases()


# --------------------------------------------------------------- reference

def node_ready():
    """None if the reference can run, else the reason why not."""
    if not shutil.which("node"):
        return "node is not installed"
    for pkg in ("@xterm/headless", "@xterm/addon-unicode11"):
        if not os.path.isdir(os.path.join(NODE_MODULES, *pkg.split("/"))):
            return "%s is missing: run `npm ci` at the repository root" % pkg
    return None


def reference_dumps(jobs, errors=None):
    """jobs: list of dicts {id, path, cols, rows, chunk}. Returns id -> dump.
    A stream on which xterm.js itself throws raises, unless `errors` is a dict (then
    it receives id -> message)."""
    if not jobs:
        return {}
    reason = node_ready()
    if reason:
        raise RuntimeError(reason)
    payload = "".join(json.dumps(j) + "\n" for j in jobs)
    proc = subprocess.run(["node", REFERENCE_MJS, "--batch"], input=payload.encode(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO,
                          check=False)
    if proc.returncode != 0:
        raise RuntimeError("reference.mjs failed: %s" % proc.stderr.decode(errors="replace")[-2000:])
    out = {}
    for line in proc.stdout.decode().splitlines():
        if line.strip():
            rec = json.loads(line)
            if "error" in rec:
                if errors is not None:
                    errors[rec["id"]] = rec["error"]
                    continue
                raise RuntimeError("reference for %s: %s" % (rec["id"], rec["error"]))
            out[rec["id"]] = rec["dump"]
    return out


# --------------------------------------------------------------- comparison

def _palette256():
    base = ["000000", "cd0000", "00cd00", "cdcd00", "0000ee", "cd00cd", "00cdcd", "e5e5e5",
            "7f7f7f", "ff0000", "00ff00", "ffff00", "5c5cff", "ff00ff", "00ffff", "ffffff"]
    pal = ["#" + c for c in base]
    levels = [0, 95, 135, 175, 215, 255]
    for r in range(6):
        for g in range(6):
            for b in range(6):
                pal.append("#%02x%02x%02x" % (levels[r], levels[g], levels[b]))
    for i in range(24):
        v = 8 + 10 * i
        pal.append("#%02x%02x%02x" % (v, v, v))
    return pal


PALETTE256 = _palette256()


def norm_colour(c):
    if c is None:
        return None
    if isinstance(c, bool):
        return ("bad", c)
    if isinstance(c, int):
        return PALETTE256[c] if 0 <= c < 256 else ("bad", c)
    if isinstance(c, str):
        return c.lower()
    return ("bad", c)


def norm_cell(cell):
    """-> (ch, width, fg, bg, flags) in comparable form."""
    if not isinstance(cell, (list, tuple)) or len(cell) < 5:
        return ("<malformed %r>" % (cell,), None, None, None, "")
    ch, width, fg, bg, flags = cell[:5]
    ch = unicodedata.normalize("NFC", ch or "")
    if ch == " ":
        ch = ""
    return (ch, width, norm_colour(fg), norm_colour(bg), "".join(sorted(set(flags or ""))))


FIELDS = ("ch", "width", "fg", "bg", "flags")


def structural_problems(dump, cols, rows):
    """Contract violations that make a dump unusable for comparison."""
    probs = []
    if not isinstance(dump, dict):
        return ["dump is not an object: %r" % (dump,)]
    if dump.get("format") != "ansiterm-screen-v1":
        probs.append("format is %r" % dump.get("format"))
    if dump.get("cols") != cols or dump.get("rows") != rows:
        probs.append("size %rx%r, expected %dx%d" % (dump.get("cols"), dump.get("rows"),
                                                       cols, rows))
    cells = dump.get("cells")
    if not isinstance(cells, list) or len(cells) != rows:
        probs.append("cells has %s rows, expected %d" % (
            len(cells) if isinstance(cells, list) else type(cells).__name__, rows))
    else:
        for y, row in enumerate(cells):
            if not isinstance(row, list) or len(row) != cols:
                probs.append("row %d has %s cells, expected %d" % (
                    y, len(row) if isinstance(row, list) else "no", cols))
                break
    cur = dump.get("cursor")
    if not isinstance(cur, dict) or "row" not in cur or "col" not in cur:
        probs.append("cursor missing")
    if not isinstance(dump.get("altScreen"), bool):
        probs.append("altScreen is %r" % (dump.get("altScreen"),))
    return probs


def compare(expected, got):
    """Compare two dumps cell by cell. Returns a dict:
    total, matching, score, mismatches [(row, col, field, exp, got)], cursor_ok,
    cursor (exp, got), alt_ok, extras [(what, exp, got)] for optional fields both carry.
    """
    rows, cols = expected["rows"], expected["cols"]
    gcells = got.get("cells") or []
    mismatches = []
    matching = 0
    for y in range(rows):
        erow = expected["cells"][y]
        grow = gcells[y] if y < len(gcells) and isinstance(gcells[y], list) else []
        for x in range(cols):
            e = norm_cell(erow[x])
            g = norm_cell(grow[x]) if x < len(grow) else ("<missing>", None, None, None, "")
            if e == g:
                matching += 1
            else:
                for i, name in enumerate(FIELDS):
                    if e[i] != g[i]:
                        mismatches.append((y, x, name, e[i], g[i]))
    ec, gc = expected["cursor"], got.get("cursor") or {}
    cursor_ok = (ec["row"], ec["col"]) == (gc.get("row"), gc.get("col"))
    alt_ok = expected["altScreen"] == got.get("altScreen")
    extras = []
    # Optional contract fields: compared only when the emulator reports them.
    if "visible" in gc and gc["visible"] != ec.get("visible"):
        extras.append(("cursor.visible", ec.get("visible"), gc["visible"]))
    if "pendingWrap" in gc and gc["pendingWrap"] != ec.get("pendingWrap"):
        extras.append(("cursor.pendingWrap", ec.get("pendingWrap"), gc["pendingWrap"]))
    if "title" in got and got["title"] != expected.get("title"):
        extras.append(("title", expected.get("title"), got["title"]))
    total = rows * cols
    return {
        "total": total,
        "matching": matching,
        "score": matching / total if total else 1.0,
        "mismatches": mismatches,
        "cursor_ok": cursor_ok,
        "cursor": ((ec["row"], ec["col"]), (gc.get("row"), gc.get("col"))),
        "alt_ok": alt_ok,
        "alt": (expected["altScreen"], got.get("altScreen")),
        "extras": extras,
    }


def identical(result):
    return (result["matching"] == result["total"] and result["cursor_ok"]
            and result["alt_ok"] and not result["extras"])


def short(v, n=60):
    r = repr(v)
    if len(r) > n:
        r = r[:n] + "...(%d chars)" % (len(v) if isinstance(v, str) else len(r))
    return r


def describe(result, expected=None, got=None, limit=12):
    """Human-readable account of the differences."""
    lines = []
    if not result["cursor_ok"]:
        lines.append("cursor: expected (row, col) %s, got %s" % result["cursor"])
    if not result["alt_ok"]:
        lines.append("altScreen: expected %s, got %s" % result["alt"])
    for what, e, g in result["extras"]:
        lines.append("%s: expected %s, got %s" % (what, short(e), short(g)))
    mm = result["mismatches"]
    if mm:
        lines.append("%d of %d cells differ (%d field mismatches); first ones:" % (
            result["total"] - result["matching"], result["total"], len(mm)))
        for (y, x, field, e, g) in mm[:limit]:
            lines.append("  row %d col %d %s: expected %r, got %r" % (y, x, field, e, g))
        if expected is not None and got is not None:
            rows_shown = sorted({y for (y, _, _, _, _) in mm})[:4]
            for y in rows_shown:
                lines.append("  row %d expected: %r" % (y, row_text(expected, y)))
                lines.append("  row %d got:      %r" % (y, row_text(got, y)))
    return "\n".join(lines)


def row_text(dump, y):
    try:
        return "".join((c[0] or " ") if c[1] != 0 else "" for c in dump["cells"][y]).rstrip()
    except Exception:  # malformed dump
        return "<unavailable>"


# ------------------------------------------------------------------- server

class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = dict(http.server.SimpleHTTPRequestHandler.extensions_map)
    extensions_map.update({".js": "text/javascript", ".mjs": "text/javascript",
                           ".html": "text/html", ".json": "application/json",
                           ".wasm": "application/wasm", ".css": "text/css"})
    mounts = []  # [(url prefix, directory)], longest first; "/" last

    def translate_path(self, path):
        path = urllib.parse.unquote(path.split("?", 1)[0].split("#", 1)[0])
        path = posixpath.normpath(path)
        for prefix, directory in self.mounts:
            if prefix == "/" or path == prefix.rstrip("/") or path.startswith(prefix):
                rest = path[len(prefix):] if prefix != "/" else path
                parts = [p for p in rest.split("/") if p and p not in (".", "..")]
                return os.path.join(directory, *parts)
        return os.path.join(WEB, "__nothing__")

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(extra_mounts=()):
    """Yield the base URL of a local HTTP server for web/ and the test assets.
    extra_mounts: [(url prefix ending in "/", directory)]."""
    handler = type("Handler", (_Handler,), {"mounts": list(extra_mounts) + [
        ("/node_modules/", NODE_MODULES),
        ("/__conformance__/", HERE),
        ("/__bench__/", BENCH),
        ("/", WEB),
    ]})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    try:
        yield "http://127.0.0.1:%d" % httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextlib.contextmanager
def chromium():
    """Yield a Playwright Browser running Debian's chromium (never a downloaded one)."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class ConformancePage:
    """A Chromium page exposing window.ansitermConformance."""

    def __init__(self, browser, base_url, which="ansiterm"):
        self.url = base_url + PAGES[which]
        self.page = browser.new_page(viewport={"width": 1600, "height": 1000})
        self.console = []
        self.page.on("console", lambda m: self.console.append("%s: %s" % (m.type, m.text))
                     if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.console.append("pageerror: %s" % e))
        self.load()

    def load(self):
        self.page.goto(self.url)
        self.page.wait_for_function("typeof window.ansitermConformance === 'function'",
                                    timeout=30000)

    def run(self, data, cols, rows, chunk=None):
        b64 = base64.b64encode(bytes(data)).decode("ascii")
        try:
            return self.page.evaluate(
                """async ([b64, cols, rows, chunk]) => {
                    const bin = atob(b64);
                    const bytes = new Uint8Array(bin.length);
                    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
                    const opts = chunk ? { chunk } : undefined;
                    const dump = await window.ansitermConformance(bytes, cols, rows, opts);
                    return JSON.parse(JSON.stringify(dump));
                }""", [b64, cols, rows, chunk or 0])
        except Exception:
            # Leave a clean page for the next stream, then report the failure.
            try:
                self.load()
            except Exception:
                pass
            raise

    def close(self):
        self.page.close()


def read(path):
    with open(path, "rb") as f:
        return f.read()
