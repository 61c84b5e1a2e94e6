#!/usr/bin/env python3
"""Differential fuzzing of AnsiTerm against xterm.js (a tool, not a test).

Generates random but reproducible streams from a grammar of the sequences AnsiTerm
implements (text with wide/zero-width/combining characters, CSI functions with edge
parameters, SGR, modes, ESC functions, charsets, strings, scroll regions), feeds each to
xterm.js headless and to web/conformance.html in Chromium, whole and in 7-byte chunks,
and prints the seeds whose screens differ; --minimize shrinks one seed to a minimal
stream (delta debugging over the generated tokens).

    python3 tests/conformance/fuzz.py --seeds 0:150 [--no-orphans] [--editing]
    python3 tests/conformance/fuzz.py --minimize 41 [--chunk 7] [--must TEXT]

Streams on which xterm.js itself throws are skipped (reported).  Findings go to
FINDINGS.md; a case worth keeping becomes a scripted case in scripted/cases.py.
"""

import argparse
import os
import random
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402

ESC = "\x1b"
CSI = ESC + "["
TEXTS = ["hello", "ab", "x", "\u4e2d\u6587", "\U0001F600", "e\u0301", "\u0308", "zz\u200d",
         "\t", "\r", "\n", "\b", "\x0e", "\x0f", "  ", "\ufe0f", "\uff21"]
SIZES = [(20, 8), (80, 24), (11, 5)]
# Bare combining marks / selectors: make xterm.js create width-0 orphan cells at the
# margin (see FINDINGS.md); --no-orphans leaves them out to look for other differences.
ORPHANS = ["\u0308", "\ufe0f"]


def _param(r):
    c = r.random()
    if c < 0.2:
        return ""
    if c < 0.3:
        return "0"
    if c < 0.9:
        return str(r.randint(1, 12))
    return str(r.randint(13, 200))


def token(r, cols, rows, texts=TEXTS):
    k = r.randint(0, 40)
    if k < 8:
        return r.choice(texts) * r.randint(1, 4)
    if k < 9:
        return "".join(chr(r.randint(0x21, 0x7e)) for _ in range(r.randint(1, 30)))
    if k < 18:
        final = r.choice("@ABCDEFGHIJKLMPSTXZ`abdefghr")
        return CSI + ";".join(_param(r) for _ in range(r.choice([0, 1, 1, 1, 2, 2]))) + final
    if k < 22:
        attrs = ["0", "1", "2", "3", "4", "5", "7", "8", "9", "21", "22", "23", "24", "27",
                 "29", "53", "55", "31", "42", "93", "104", "39", "49",
                 "38;5;%d" % r.randint(0, 255),
                 "48;2;%d;%d;%d" % (r.randint(0, 255), r.randint(0, 255), r.randint(0, 255)),
                 "38:2::1:2:3", "4:3"]
        return CSI + ";".join(r.choice(attrs) for _ in range(r.randint(1, 3))) + "m"
    if k < 25:
        mode = r.choice(["1", "6", "7", "25", "47", "1047", "1048", "1049", "2004", "1000", "5"])
        return CSI + "?" + mode + r.choice("hl")
    if k < 26:
        return CSI + r.choice(["4", "20"]) + r.choice("hl")
    if k < 30:
        return ESC + r.choice(["7", "8", "D", "E", "H", "M", "=", ">", "(0", "(B", ")0", ")B",
                               "#8"])
    if k < 31:
        return CSI + r.choice(["s", "u"])
    if k < 32:
        return ("\x1b]" + r.choice(["0", "2", "1", "52"]) + ";t" + str(r.randint(0, 99))
                + r.choice(["\x07", "\x1b\\"]))
    if k < 33:
        return "\x1bP1$qm\x1b\\"
    if k < 34:
        return CSI + "%d;%dr" % (r.randint(0, rows), r.randint(0, rows))
    if k < 36:
        return CSI + "%d;%dH" % (r.randint(0, rows + 2), r.randint(0, cols + 2))
    return "".join(r.choice("abcdefghij") for _ in range(r.randint(1, cols + 5)))


def editing_token(r):
    """DECSCA, DECSED, DECSEL, DECIC or DECDC (--editing)."""
    k = r.randint(0, 4)
    if k == 0:
        return CSI + r.choice(["", "0", "1", "1", "2"]) + '"q'
    if k < 3:
        return CSI + "?" + r.choice(["", "0", "1", "2"]) + "JK"[k - 1]
    return CSI + _param(r) + r.choice(["'}", "'~"])


def tokens(seed, n=400, orphans=True, editing=False):
    """The stream of a seed; `editing` mixes in the VT420 editing set from a second
    generator, so that the plain streams stay what they were."""
    cols, rows = SIZES[seed % len(SIZES)]
    r = random.Random(seed)
    extra = random.Random("editing-%d" % seed)
    texts = TEXTS if orphans else [t for t in TEXTS if t not in ORPHANS]
    out = []
    for _ in range(n):
        out.append(token(r, cols, rows, texts))
        if editing and extra.random() < 0.15:
            out.append(editing_token(extra))
    return out, cols, rows


class Checker:
    def __init__(self, page):
        self.page = page
        self.tmp = tempfile.mkdtemp(prefix="ansiterm-fuzz-")

    def reference(self, data, cols, rows):
        path = os.path.join(self.tmp, "s.bin")
        with open(path, "wb") as f:
            f.write(data)
        errors = {}
        out = harness.reference_dumps([{"id": "s", "path": path, "cols": cols,
                                        "rows": rows, "chunk": 0}], errors)
        return out.get("s"), errors.get("s")

    def check(self, data, cols, rows, chunk):
        """-> (differs, description) or (None, xterm.js error)."""
        expected, err = self.reference(data, cols, rows)
        if expected is None:
            return None, err
        got = self.page.run(data, cols, rows, chunk)
        res = harness.compare(expected, got)
        if harness.identical(res):
            return False, ""
        return True, harness.describe(res, expected, got, limit=6)


def run_seeds(checker, first, last, orphans=True, editing=False):
    bad = 0
    for seed in range(first, last):
        toks, cols, rows = tokens(seed, orphans=orphans, editing=editing)
        data = "".join(toks).encode("utf-8")
        for chunk in (None, 7):
            differs, text = checker.check(data, cols, rows, chunk)
            if differs is None:
                print("seed %d: xterm.js itself fails (%s)" % (seed, text.splitlines()[0]))
                break
            if differs:
                bad += 1
                print("seed %d %dx%d %s:\n%s" % (seed, cols, rows,
                                                 "chunk7" if chunk else "whole", text))
                break
    print("%d of %d seeds differ" % (bad, last - first))
    return bad


def minimize(checker, seed, chunk, must, orphans=True, editing=False):
    toks, cols, rows = tokens(seed, orphans=orphans, editing=editing)

    def fails(ts):
        differs, text = checker.check("".join(ts).encode("utf-8"), cols, rows, chunk)
        return bool(differs) and must in text

    if not fails(toks):
        print("seed %d does not differ%s" % (seed, " with %r" % must if must else ""))
        return
    n = 2
    while len(toks) >= 2:
        size = len(toks) // n
        for i in range(n):
            cand = toks[:i * size] + toks[(i + 1) * size:]
            if cand and fails(cand):
                toks, n = cand, max(n - 1, 2)
                break
        else:
            if n >= len(toks):
                break
            n = min(len(toks), n * 2)
    stream = "".join(toks)
    print("seed %d, %dx%d, %s, minimal stream: %r" % (seed, cols, rows,
                                                      "chunk %d" % chunk if chunk else "whole",
                                                      stream))
    print(checker.check(stream.encode("utf-8"), cols, rows, chunk)[1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0:100", help="FIRST:LAST (default 0:100)")
    ap.add_argument("--minimize", type=int, help="shrink this seed")
    ap.add_argument("--chunk", type=int, default=0, help="with --minimize: chunk size")
    ap.add_argument("--must", default="", help="with --minimize: text the diff must show")
    ap.add_argument("--no-orphans", action="store_true",
                    help="no bare combining marks / variation selectors in the text")
    ap.add_argument("--editing", action="store_true",
                    help="mix in DECSCA, DECSED/DECSEL and DECIC/DECDC")
    args = ap.parse_args(argv)
    with harness.serve() as url, harness.chromium() as browser:
        page = harness.ConformancePage(browser, url, os.environ.get(
            "ANSITERM_CONFORMANCE_PAGE", "ansiterm"))
        checker = Checker(page)
        if args.minimize is not None:
            minimize(checker, args.minimize, args.chunk or None, args.must,
                     not args.no_orphans, args.editing)
            return 0
        first, last = (int(x) for x in args.seeds.split(":"))
        run_seeds(checker, first, last, not args.no_orphans, args.editing)
    return 0


if __name__ == "__main__":
    sys.exit(main())
