"""The tables of side_by_side.py: one run's, the summary over runs, the targets, Markdown.

A run is a set of rounds (every workload once per server and round, the servers
alternating).  Within a run a figure is the median over its rounds and a ratio the median of
the per-round ratios; over several runs the summary gives the median of the runs' figures
and their [min-max].  Targets are judged only on runs whose machine was quiet
(sbs_load.BUSY_CPUS): a busy run's figures are printed but not called met or missed.
"""

import os
import platform
import statistics
import subprocess
import time

import aiohttp
import websockets

import bench_server
import sbs_load
import sbs_servers as servers

OURS_BINARY = "ours binary"
#: bench/floor_server.py (side_by_side.py --floor): Python and websockets with nothing else.
FLOOR = "floor"
THROUGHPUT_VARIANTS = ["raw pty", "ttyd", "ttyd deflate", "ours JSON", OURS_BINARY, "ours deflate",
                       FLOOR]
LATENCY_VARIANTS = ["ttyd", "ours JSON", OURS_BINARY, FLOOR]

#: (label, numerator, denominator, metric, target, higher_is_better): the ratios of a run,
#: each the median of the per-round ratios.  target None: printed, not a target.
RATIOS = [
    ("ours binary / ttyd, ASCII throughput", OURS_BINARY, "ttyd", "MB/s ASCII", 1.3, True),
    ("ours binary / ttyd, UTF-8 throughput", OURS_BINARY, "ttyd", "MB/s UTF-8", 1.3, True),
    ("ours JSON / ttyd, ASCII throughput", "ours JSON", "ttyd", "MB/s ASCII", 1.0, True),
    ("ours JSON / ttyd, UTF-8 throughput", "ours JSON", "ttyd", "MB/s UTF-8", 1.0, True),
    ("ours binary / raw pty, ASCII throughput", OURS_BINARY, "raw pty", "MB/s ASCII", None, True),
    ("ours binary / raw pty, UTF-8 throughput", OURS_BINARY, "raw pty", "MB/s UTF-8", None, True),
    ("ours deflate / ttyd deflate, ASCII throughput", "ours deflate", "ttyd deflate",
     "MB/s ASCII", None, True),
    ("ours deflate / ttyd deflate, UTF-8 throughput", "ours deflate", "ttyd deflate",
     "MB/s UTF-8", None, True),
    ("server CPU per 100 MB, ours binary / ttyd, ASCII", OURS_BINARY, "ttyd",
     "CPU s/100MB ASCII", 0.8, False),
    ("server CPU per 100 MB, ours binary / ttyd, UTF-8", OURS_BINARY, "ttyd",
     "CPU s/100MB UTF-8", 0.8, False),
    ("echo p50 ours binary / ttyd", OURS_BINARY, "ttyd", "echo p50", 1.0, False),
    ("echo p99 ours binary / ttyd", OURS_BINARY, "ttyd", "echo p99", 1.0, False),
    ("echo p50 ours JSON / ttyd", "ours JSON", "ttyd", "echo p50", 1.0, False),
    ("echo p99 ours JSON / ttyd", "ours JSON", "ttyd", "echo p99", 1.0, False),
    ("server CPU per keystroke, ours binary / ttyd", OURS_BINARY, "ttyd", "echo CPU us",
     None, False),
    ("new session right after the churn closed, ours / ttyd", "ours", "ttyd", "reopen",
     1.5, False),
    ("floor / ttyd, ASCII throughput", FLOOR, "ttyd", "MB/s ASCII", None, True),
    ("floor / ttyd, UTF-8 throughput", FLOOR, "ttyd", "MB/s UTF-8", None, True),
    ("ours binary / floor, ASCII throughput", OURS_BINARY, FLOOR, "MB/s ASCII", None, True),
    ("ours binary / floor, UTF-8 throughput", OURS_BINARY, FLOOR, "MB/s UTF-8", None, True),
    ("echo p50 floor / ttyd", FLOOR, "ttyd", "echo p50", None, False),
    ("echo p50 ours binary / floor", OURS_BINARY, FLOOR, "echo p50", None, False),
    ("server CPU per keystroke, floor / ttyd", FLOOR, "ttyd", "echo CPU us", None, False),
    ("page speed ours / ttyd (ttyd time / our time)", "ttyd", "ours page", "page", 2.0, True),
]
#: (label, metric, variant, target, unit): absolute targets on our server alone.
ABSOLUTE = [
    ("memory per idle session (server RSS)", "KiB per session", "ours", 25.0, "KiB"),
    ("startup to listening (launch -> URLs printed)", "startup ms", "ours", 150.0, "ms"),
]


class Results(object):
    """metric -> variant -> one value per round (None: failed that round)."""

    def __init__(self, rounds):
        self.rounds = rounds
        self.values = {}
        self.unsupported = {}
        self.checksum_failures = 0
        #: Chromium runs that did not draw the end marker in time, per page.
        self.failures = {}

    def add(self, metric, variant, round_index, value):
        row = self.values.setdefault(metric, {}).setdefault(variant, [None] * self.rounds)
        row[round_index] = value

    def get(self, metric, variant):
        return [v for v in self.values.get(metric, {}).get(variant, []) if v is not None]

    def ratio(self, metric, numerator, denominator):
        """Per-round ratios of two variants measured in the same round."""
        top = self.values.get(metric, {}).get(numerator, [])
        bottom = self.values.get(metric, {}).get(denominator, [])
        return [a / b for a, b in zip(top, bottom) if a is not None and b]

    def summary(self):
        """{'figures': {metric: {variant: median}}, 'ratios': {label: median}}."""
        figures = {}
        for metric, rows in self.values.items():
            for variant in rows:
                values = self.get(metric, variant)
                if values:
                    figures.setdefault(metric, {})[variant] = statistics.median(values)
        ratios = {}
        for label, numerator, denominator, metric, _, _ in RATIOS:
            values = self.ratio(metric, numerator, denominator)
            if values:
                ratios[label] = statistics.median(values)
        return {"figures": figures, "ratios": ratios}


def spread(values, digits=1):
    """'median [min-max]' of one row, or None without values."""
    if not values:
        return None
    pattern = "%%.%df [%%.%df-%%.%df]" % (digits, digits, digits)
    return pattern % (statistics.median(values), min(values), max(values))


def event_loop_of_ours():
    """What `python -m xwterm` runs on by default here (its --event-loop auto)."""
    code = ("from xwterm.compat import uvloop_module; m = uvloop_module('auto'); "
            "print('uvloop %s' % m.__version__ if m else 'asyncio')")
    done = subprocess.run([bench_server.sys.executable, "-c", code], cwd=bench_server.ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          universal_newlines=True)
    return done.stdout.strip() or "?"


def machine_lines(options):
    cpu_model = "?"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    ttyd = servers.Ttyd.version(options.ttyd) if os.access(options.ttyd, os.X_OK) else "no ttyd"
    revision = subprocess.run(["git", "-C", bench_server.ROOT, "describe", "--always", "--dirty"],
                              stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
    return [
        "date: %s; xwterm at %s" % (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                    revision or "?"),
        "machine: %d CPUs (nproc), %s, Linux %s" % (os.cpu_count(), cpu_model,
                                                   platform.release()),
        "versions: Python %s, %s, aiohttp %s, websockets %s; our event loop: %s%s" % (
            platform.python_version(), ttyd, aiohttp.__version__, websockets.__version__,
            event_loop_of_ours(),
            " (options: %s)" % " ".join(options.ours_option) if options.ours_option else ""),
    ]


def run_table(bench, payloads):
    """The lines of one run's table (every figure as median [min-max] over its rounds)."""
    results, options = bench.results, bench.options
    unsupported = results.unsupported
    lines = ["shell: %s; terminal %dx%d; %d rounds, servers alternating; checksums: %s" % (
        " ".join(bench.shell_argv), servers.COLUMNS, servers.LINES, options.rounds,
        "verified on every run" if not results.checksum_failures
        else "%d MISMATCHES" % results.checksum_failures)]
    if bench.load:
        lines.append("load: " + sbs_load.describe(bench.load))
    lines.append("")

    def row(label, cells):
        lines.append("| %s | %s |" % (label, " | ".join(cells)))

    def missing(name):
        return unsupported.get(name, "n/a (no ttyd)" if name.startswith("ttyd") else "n/a")

    for payload in payloads:
        lines.append("WebSocket throughput, %s (%.1f MB as delivered), MB/s and server CPU"
                     % (payload.name, payload.size / 1e6))
        row("variant", ["MB/s median [min-max]", "server CPU s per 100 MB"])
        row("---", ["---", "---"])
        for name in THROUGHPUT_VARIANTS:
            if name == FLOOR and not options.floor:
                continue
            mbps = spread(results.get("MB/s " + payload.name, name))
            cpu = spread(results.get("CPU s/100MB " + payload.name, name), 2)
            label = name + (" (ceiling; CPU = the reader's)" if name == "raw pty" else "")
            row(label, [mbps or missing(name), cpu or ""])
        lines.append("")
    lines.append("Latency (ms): echo of %d keys through `cat` (kernel echo); server CPU per "
                 "keystroke (us, key and its DEL); new session to first byte (median of %d "
                 "per round)" % (options.echo, options.connects))
    row("variant", ["echo p50", "echo p99", "server CPU per keystroke (us)",
                    "new session -> first byte"])
    row("---", ["---", "---", "---", "---"])
    for name in LATENCY_VARIANTS:
        if name == FLOOR and not options.floor:
            continue
        cells = [spread(results.get(metric, name), digits)
                 for metric, digits in (("echo p50", 2), ("echo p99", 2), ("echo CPU us", 0),
                                        ("first byte", 2))]
        row(name, [cell or missing(name) for cell in cells])
    lines.append("")
    lines.append("%d sessions opened and left idle (fresh servers: RSS growth per session); "
                 "%d opened, all closed and one more opened at once (churn)"
                 % (options.churn, options.churn))
    row("server", ["server RSS per idle session (KiB)",
                   "new session right after they closed, to first byte (ms)"])
    row("---", ["---", "---"])
    for name in ("ttyd", "ours"):
        row(name, [spread(results.get("KiB per session", name), 1) or missing(name),
                   spread(results.get("reopen", name), 1) or missing(name)])
    lines.append("")
    startup = spread(results.get("startup ms", "ours"), 0)
    if startup:
        lines.append("Our server, launch to listening (URLs printed), ms: %s" % startup)
        lines.append("")
    if options.browser:
        lines.append("Chromium end to end: `cat` of %.0f MB until its last line is drawn (s)"
                     % options.page_mb)
        row("page", ["s median [min-max]", "terminal", "runs"])
        row("---", ["---", "---", "---"])
        for name in ("ours page", "ttyd"):
            sizes = sorted(set(results.get("page size", name)))
            failed = results.failures.get(name)
            seconds = spread(results.get("page", name), 2)
            runs = ("%d of %d runs did not draw it in time" % (failed, options.rounds) if failed
                    else "all drawn" if seconds else "")
            row(name + ("'s own page (xterm.js)" if name == "ttyd" else " (web/index.html)"),
                [seconds or missing(name), ",".join(sizes), runs])
        lines.append("")
    if bench.leftover_shells:
        lines.append("Shells still running 2 s after every client of the run had closed: %s"
                     % ", ".join("%s %d" % item for item in sorted(bench.leftover_shells.items())))
        lines.append("")
    lines.append("Ratios: median of the per-round ratios [min-max]")
    row("ratio", ["value"])
    row("---", ["---"])
    for label, numerator, denominator, metric, _, _ in RATIOS:
        if metric == "page" and not options.browser:
            continue
        if FLOOR in (numerator, denominator) and not options.floor:
            continue
        value = spread(results.ratio(metric, numerator, denominator), 2)
        reason = next((unsupported[n] for n in (numerator, denominator) if n in unsupported),
                      "n/a")
        row(label, [value or reason])
    return lines


def verdict(value, target, higher_is_better, quiet):
    if target is None:
        return ""
    if not quiet or value is None:
        return "not judged (busy machine)"
    met = value >= target if higher_is_better else value <= target
    return "met" if met else "NOT met"


def summary_table(runs, options):
    """Markdown lines: every ratio and absolute target over the runs, with the verdict.

    ``runs``: list of (Results.summary(), load report or None)."""
    quiet_runs = [summary for summary, load in runs if load is not None and not load["busy"]]
    lines = ["| figure | target | median of %d runs [min-max] | quiet runs | verdict |"
             % len(runs), "| --- | --: | --- | --: | --- |"]

    def add(label, target_text, values, quiet_values, target, higher):
        if not values:
            return
        judged = statistics.median(quiet_values) if quiet_values else None
        lines.append("| %s | %s | %s | %d of %d | %s |" % (
            label, target_text, spread(values, 2), len(quiet_values), len(values),
            verdict(judged, target, higher, bool(quiet_values))))

    for label, _, _, metric, target, higher in RATIOS:
        if metric == "page" and not options.browser:
            continue
        values = [s["ratios"][label] for s, _ in runs if label in s["ratios"]]
        quiet_values = [s["ratios"][label] for s in quiet_runs if label in s["ratios"]]
        target_text = "" if target is None else ("%s %.1fx" % (">=" if higher else "<=", target))
        add(label, target_text, values, quiet_values, target, higher)
    for label, metric, variant, target, unit in ABSOLUTE:
        values = [s["figures"][metric][variant] for s, _ in runs
                  if variant in s["figures"].get(metric, {})]
        quiet_values = [s["figures"][metric][variant] for s in quiet_runs
                        if variant in s["figures"].get(metric, {})]
        add(label + " (" + unit + ")", "<= %g %s" % (target, unit), values, quiet_values,
            target, False)
    return lines


def figures_table(runs):
    """Markdown lines: the main figures of each server, median of the runs [min-max]."""
    rows = [("throughput ASCII, MB/s", "MB/s ASCII", 1),
            ("throughput UTF-8, MB/s", "MB/s UTF-8", 1),
            ("server CPU s per 100 MB, ASCII", "CPU s/100MB ASCII", 2),
            ("server CPU s per 100 MB, UTF-8", "CPU s/100MB UTF-8", 2),
            ("echo p50, ms", "echo p50", 3), ("echo p99, ms", "echo p99", 3),
            ("server CPU per keystroke, us", "echo CPU us", 0),
            ("new session -> first byte, ms", "first byte", 2),
            ("new session right after the churn closed, ms", "reopen", 1),
            ("server RSS per idle session, KiB", "KiB per session", 1),
            ("launch -> listening, ms", "startup ms", 0)]
    variants = ["raw pty", "ttyd", "ours JSON", OURS_BINARY]
    if any(FLOOR in s["figures"].get("echo p50", {}) for s, _ in runs):
        variants.append(FLOOR)
    lines = ["| figure | %s |" % " | ".join(variants),
             "| --- | %s |" % " | ".join("---" for _ in variants)]
    for label, metric, digits in rows:
        cells = []
        for variant in variants:
            key = variant
            if metric in ("reopen", "KiB per session", "startup ms") and variant == OURS_BINARY:
                key = "ours"
            values = [s["figures"][metric][key] for s, _ in runs
                      if key in s["figures"].get(metric, {})]
            cells.append(spread(values, digits) or "")
        if any(cells):
            lines.append("| %s | %s |" % (label, " | ".join(cells)))
    return lines


def markdown(runs, options, command, header):
    """The generated section of docs/benchmarks.md."""
    lines = ["Generated by `%s`." % command, ""]
    lines += ["    " + line for line in header]
    lines.append("")
    for index, (_, load) in enumerate(runs):
        lines.append("* run %d: %s" % (index + 1, sbs_load.describe(load) if load
                                       else "load not measured"))
    lines += ["", "Targets (ratios are ours / ttyd measured side by side in the same round; "
              "a run's ratio is the median of its %d rounds):" % options.rounds, ""]
    lines += summary_table(runs, options)
    lines += ["", "Figures (each run's median over its rounds; median of the runs "
              "[min-max]):", ""]
    lines += figures_table(runs)
    return lines


BEGIN_MARK = "<!-- side_by_side: begin (generated by bench/side_by_side.py --markdown) -->"
END_MARK = "<!-- side_by_side: end -->"


def write_markdown(path, lines):
    """Put ``lines`` between the markers of ``path`` (appended, with markers, if absent)."""
    block = "\n".join([BEGIN_MARK] + lines + [END_MARK]) + "\n"
    try:
        with open(path) as handle:
            text = handle.read()
    except FileNotFoundError:
        text = ""
    start, end = text.find(BEGIN_MARK), text.find(END_MARK)
    if start >= 0 and end > start:
        text = text[:start] + block + text[end + len(END_MARK) + 1:]
    else:
        text = text + ("\n" if text and not text.endswith("\n\n") else "") + block
    with open(path, "w") as handle:
        handle.write(text)
