#!/usr/bin/env python3
"""Parse-and-render throughput of AnsiTerm vs xterm.js in Chromium (issue 3, Benchmark).

Generates four 10 MB streams (plain text, SGR-heavy, cursor-heavy, CJK) in the run,
serves web/ and the dev dependencies over 127.0.0.1, and in Debian's Chromium (Python
Playwright) feeds each stream in 64 KiB writes to

  * AnsiTerm: web/xwterm.js's AnsiTerm rendering to its canvas; while the UI is not
    there, the Emulator of web/ansiterm-core.js alone, labelled "NO rendering";
  * xterm.js: @xterm/xterm (DOM renderer) opened on a visible element of the same size.

The clock runs from the first write until the terminal has processed everything (write
callback / returned promise) and the next animation frame has been rendered.  Prints
MB/s (median of --runs) and the AnsiTerm/xterm.js ratio.  Prints, never asserts.

    python3 bench/ansiterm_bench.py [--mb 10] [--runs 3] [--cols 120 --rows 40] [--json F]
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "conformance"))
import harness  # noqa: E402

WORDS = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
         "incididunt ut labore et dolore magna aliqua terminal emulator benchmark").split()
CJK = ("中文字符测试终端宽字符显示日本語のテキストひらがなカタカナ漢字한국어텍스트표시시험"
       "東京大阪北京上海香港台北首尔")
EMOJI = "😀🚀🌍🎉👍🐍🦀☕"


def gen_plain(n, rnd):
    out, size = [], 0
    while size < n:
        line = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(2, 16))) + "\r\n"
        out.append(line)
        size += len(line)
    return "".join(out).encode()[:n]


def gen_sgr(n, rnd):
    out, size = [], 0
    while size < n:
        parts = []
        for _ in range(rnd.randint(3, 12)):
            k = rnd.random()
            if k < 0.3:
                sgr = "\x1b[%d;%dm" % (rnd.choice([0, 1, 2, 3, 4, 7]), rnd.randint(30, 37))
            elif k < 0.6:
                sgr = "\x1b[38;5;%d;48;5;%dm" % (rnd.randint(0, 255), rnd.randint(0, 255))
            elif k < 0.85:
                sgr = "\x1b[38;2;%d;%d;%dm" % (rnd.randint(0, 255), rnd.randint(0, 255),
                                               rnd.randint(0, 255))
            else:
                sgr = "\x1b[%dm" % rnd.randint(90, 107)
            parts.append(sgr + rnd.choice(WORDS))
        line = " ".join(parts) + "\x1b[0m\r\n"
        out.append(line)
        size += len(line)
    return "".join(out).encode()[:n]


def gen_cursor(n, rnd, cols=120, rows=40):
    out, size = [], 0
    while size < n:
        k = rnd.random()
        if k < 0.55:
            s = "\x1b[%d;%dH%s" % (rnd.randint(1, rows), rnd.randint(1, cols),
                                   rnd.choice(WORDS))
        elif k < 0.65:
            s = "\x1b[%d;%dH\x1b[K" % (rnd.randint(1, rows), rnd.randint(1, cols))
        elif k < 0.72:
            s = "\x1b[%d%s" % (rnd.randint(1, 5), rnd.choice("ABCD")) + "x"
        elif k < 0.78:
            s = "\x1b[%d;%dr\x1b[%d;1H\n\n\x1b[r" % (rnd.randint(1, 10),
                                                   rnd.randint(20, rows),
                                                   rnd.randint(15, 20))
        elif k < 0.84:
            s = "\x1b[%dL" % rnd.randint(1, 3) if rnd.random() < 0.5 else \
                "\x1b[%dM" % rnd.randint(1, 3)
        elif k < 0.9:
            s = "\x1b[%d@ins\x1b[%dP" % (rnd.randint(1, 4), rnd.randint(1, 4))
        elif k < 0.97:
            s = "\x1b[%dX\x1b[%dG|" % (rnd.randint(1, 9), rnd.randint(1, cols))
        else:
            s = "\x1b[2J\x1b[H"
        out.append(s)
        size += len(s)
    return "".join(out).encode()[:n]


def gen_cjk(n, rnd):
    out, size = [], 0
    while size < n:
        line = "".join(rnd.choice(CJK) if rnd.random() < 0.93 else rnd.choice(EMOJI)
                       for _ in range(rnd.randint(5, 70))) + "\r\n"
        b = line.encode()
        out.append(b)
        size += len(b)
    data = b"".join(out)
    # cut on a line boundary so that the stream is valid UTF-8
    return data[:data.rfind(b"\r\n", 0, n) + 2]


GENERATORS = [("plain", gen_plain), ("sgr-heavy", gen_sgr), ("cursor-heavy", gen_cursor),
              ("cjk", gen_cjk)]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=float, default=10.0, help="stream size in MB (10)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs per terminal and stream")
    ap.add_argument("--warmup", type=int, default=1,
                    help="untimed runs first, per terminal and stream (JIT warm-up)")
    ap.add_argument("--cols", type=int, default=120)
    ap.add_argument("--rows", type=int, default=40)
    ap.add_argument("--json", help="also write the results to this file")
    args = ap.parse_args(argv)

    reason = harness.node_ready()
    if reason or not os.path.isdir(os.path.join(harness.NODE_MODULES, "@xterm", "xterm")):
        print("benchmark needs the npm dev dependencies: run `npm ci`", file=sys.stderr)
        return 2

    n = int(args.mb * 1000 * 1000)
    tmp = tempfile.mkdtemp(prefix="ansiterm-bench-")
    streams = []
    for name, gen in GENERATORS:
        rnd = random.Random(name)
        data = gen(n, rnd) if name != "cursor-heavy" else gen(n, rnd, args.cols, args.rows)
        with open(os.path.join(tmp, name + ".bin"), "wb") as f:
            f.write(data)
        streams.append((name, len(data)))

    results = []
    labels = {}
    with harness.serve([("/__benchdata__/", tmp)]) as url, harness.chromium() as browser:
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.goto(url + "/__bench__/bench.html")
        page.wait_for_function("window.benchReady === true", timeout=30000)
        for name, size in streams:
            row = {"stream": name, "bytes": size}
            for which in ("ansiterm", "xterm"):
                times = []
                for i in range(args.warmup + args.runs):
                    r = page.evaluate("([w, u, c, r]) => window.benchRun(w, u, c, r)",
                                      [which, "/__benchdata__/%s.bin" % name,
                                       args.cols, args.rows])
                    if r is None:
                        break
                    labels[which] = r["label"]
                    if i >= args.warmup:
                        times.append(r["seconds"])
                row[which] = (size / 1e6 / statistics.median(times)) if times else None
            results.append(row)
            print("  %-13s done" % name, file=sys.stderr)
        browser_version = browser.version
        page.close()

    print()
    print("Parse-and-render throughput, %dx%d, %g MB streams, 64 KiB writes, "
          "median of %d runs after %d warm-up, Chromium %s" % (
              args.cols, args.rows, args.mb, args.runs, args.warmup, browser_version))
    print("  AnsiTerm: %s" % labels.get("ansiterm", "NOT AVAILABLE (web/ not landed)"))
    print("  xterm.js: %s" % labels.get("xterm"))
    print("  load average at the end: %.1f %.1f %.1f on %d CPUs (figures are noisy "
          "when the machine is busy)" % (os.getloadavg() + (os.cpu_count(),)))
    print()
    print("| stream       | AnsiTerm MB/s | xterm.js MB/s | AnsiTerm / xterm.js |")
    print("|--------------|--------------:|--------------:|--------------------:|")
    for r in results:
        a, x = r["ansiterm"], r["xterm"]
        print("| %-12s | %13s | %13s | %19s |" % (
            r["stream"], "%.1f" % a if a else "n/a", "%.1f" % x if x else "n/a",
            "%.2fx" % (a / x) if a and x else "n/a"))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"labels": labels, "results": results, "cols": args.cols,
                       "rows": args.rows, "mb": args.mb, "runs": args.runs,
                       "chromium": browser_version,
                       "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, f,
                      indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
