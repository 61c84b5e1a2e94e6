#!/usr/bin/env python3
"""xwterm next to ttyd (issue 11): the same workloads, the servers alternating in rounds.

    python3 bench/side_by_side.py                 # default: 7 rounds, ~6 min on 2 cores
    python3 bench/side_by_side.py --quick         # 5 rounds, smaller payloads, ~1.5 min
    python3 bench/side_by_side.py --ttyd PATH --no-browser --json out.json

Each round runs every workload once on every server, the order of the servers flipped
from one round to the next, so drift on a shared machine hits both alike.  The table gives
median and min-max over the rounds, and the ratios are medians of per-round ratios.
ttyd comes from --ttyd, $TTYD or /tmp/ttyd-src/build/ttyd; without it its rows are
skipped with one line.  Prints, never asserts; exit status 3 if a checksum did not match.
See bench/README.md for what each row means.
"""

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import aiohttp  # noqa: E402
import websockets  # noqa: E402

import bench_server  # noqa: E402
import sbs_channels as channels  # noqa: E402
import sbs_servers as servers  # noqa: E402

OURS_BINARY = "ours binary"
THROUGHPUT_VARIANTS = ["raw pty", "ttyd", "ttyd deflate", "ours JSON", OURS_BINARY, "ours deflate"]
LATENCY_VARIANTS = ["ttyd", "ours JSON", OURS_BINARY]
#: (label, numerator, denominator, metric) printed under the table; higher-is-better metrics
#: first, then the times (where a ratio below 1 means ours is faster).
RATIOS = [
    ("ours binary / ttyd, ASCII throughput", OURS_BINARY, "ttyd", "MB/s ASCII"),
    ("ours binary / ttyd, UTF-8 throughput", OURS_BINARY, "ttyd", "MB/s UTF-8"),
    ("ours binary / raw pty, ASCII throughput", OURS_BINARY, "raw pty", "MB/s ASCII"),
    ("ours binary / raw pty, UTF-8 throughput", OURS_BINARY, "raw pty", "MB/s UTF-8"),
    ("ours JSON / ttyd, ASCII throughput", "ours JSON", "ttyd", "MB/s ASCII"),
    ("ours JSON / ttyd, UTF-8 throughput", "ours JSON", "ttyd", "MB/s UTF-8"),
    ("ours deflate / ttyd deflate, ASCII throughput", "ours deflate", "ttyd deflate", "MB/s ASCII"),
    ("ours deflate / ttyd deflate, UTF-8 throughput", "ours deflate", "ttyd deflate", "MB/s UTF-8"),
    ("echo p99 ours binary / ttyd (lower is better)", OURS_BINARY, "ttyd", "echo p99"),
    ("echo p99 ours JSON / ttyd (lower is better)", "ours JSON", "ttyd", "echo p99"),
    ("page speed ours / ttyd (ttyd time / our time)", "ttyd", "ours page", "page"),
    ("reopen after churn ours / ttyd (lower is better)", "ours", "ttyd", "reopen"),
]


def progress(message):
    sys.stderr.write("[side_by_side %s] %s\n" % (time.strftime("%H:%M:%S"), message))
    sys.stderr.flush()


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


class Bench(object):
    """The servers, the browser and the results of one side-by-side run."""

    def __init__(self, options):
        self.options = options
        self.shell_argv = bench_server.SHELLS[options.shell]
        self.results = Results(options.rounds)
        self.ttyd = self.ours = self.ours_deflate = self.browser = None
        #: Shells still running 2 s after the last client closed (server label -> count).
        self.leftover_shells = {}

    # -- servers --------------------------------------------------------------------------

    async def start(self):
        per_address = self.options.churn + 50  # ttyd has no such limit
        self.ours = await servers.Ours(self.shell_argv, end_on_close=True,
                                       per_address=per_address).start()
        if self.ours.has["--compression"]:
            self.ours_deflate = await servers.Ours(self.shell_argv, compression=True,
                                                   end_on_close=True,
                                                   per_address=per_address).start()
        else:
            self.results.unsupported["ours deflate"] = "n/a (server has no --compression option)"
        if os.access(self.options.ttyd, os.X_OK):
            self.ttyd = await servers.Ttyd(self.options.ttyd, self.shell_argv).start()
        else:
            print("ttyd: skipped, no executable at %s (build it with "
                  "/work/shared/tools/build_ttyd.sh, or pass --ttyd / $TTYD)" % self.options.ttyd)
        if self.options.browser:
            import sbs_browser
            self.browser = await sbs_browser.Browser().start()

    async def stop(self):
        for thing in (self.browser, self.ttyd, self.ours_deflate, self.ours):
            if thing is not None:
                try:
                    await thing.stop()
                except Exception as error:  # keep stopping the others
                    progress("stopping %r: %s" % (thing, error))

    def openers(self):
        """variant -> (factory of a new channel, server pid); n/a variants left out."""
        result = {}
        if self.ttyd:
            result["ttyd"] = (lambda: channels.TtydChannel.open(self.ttyd), self.ttyd.pid)
            result["ttyd deflate"] = (lambda: channels.TtydChannel.open(self.ttyd, True),
                                      self.ttyd.pid)
        result["ours JSON"] = (lambda: channels.OursJsonChannel.open(self.ours), self.ours.pid)
        result[OURS_BINARY] = (lambda: channels.OursBinaryChannel.open(self.ours), self.ours.pid)
        if self.ours_deflate:
            framing = channels.OursJsonChannel if OURS_BINARY in self.results.unsupported \
                else channels.OursBinaryChannel
            result["ours deflate"] = (lambda: framing.open(self.ours_deflate, True),
                                      self.ours_deflate.pid)
        return {name: value for name, value in result.items()
                if name not in self.results.unsupported}

    async def probe(self):
        """Find out once which of our variants the server supports."""
        for name in list(self.openers()):
            # asked again each time: "ours deflate" uses the binary framing only if it exists
            opener, _ = self.openers()[name]
            try:
                channel = await opener()
                await channel.close()
            except channels.Unsupported as reason:
                self.results.unsupported[name] = "n/a (%s)" % reason

    # -- one round ------------------------------------------------------------------------

    def in_round_order(self, names, round_index):
        """Servers alternate: ours first in even rounds, ttyd first in odd ones."""
        ordered = sorted(names, key=lambda name: name.startswith("ttyd"))
        return ordered if round_index % 2 == 0 else ordered[::-1]

    async def round(self, index, payloads):
        openers = self.openers()
        for payload in payloads:
            for name in self.in_round_order(THROUGHPUT_VARIANTS, index):
                if name == "raw pty" or name in openers:
                    run = self.throughput_run(name, openers, payload, index)
                    await self.attempt(name, index, run)
        for name in self.in_round_order(LATENCY_VARIANTS, index):
            if name in openers:
                await self.attempt(name, index, self.latency_run(name, openers[name][0], index))
        page_variant = OURS_BINARY if OURS_BINARY in openers else "ours JSON"
        for name in self.in_round_order(["ttyd", page_variant], index):
            if name in openers:
                await self.attempt(name, index, self.reopen_run(name, openers[name][0], index))
        if self.browser:
            await self.page_round(index)

    async def attempt(self, name, index, measurement):
        """A run that breaks leaves a gap in its row and a line on stderr, not a dead benchmark."""
        try:
            await measurement
        except Exception as error:
            progress("%s failed in round %d: %s: %s"
                     % (name, index + 1, type(error).__name__, error))

    async def throughput_run(self, name, openers, payload, index):
        if name == "raw pty":
            elapsed, ok, cpu = channels.raw_throughput(self.shell_argv, payload)
        else:
            opener, pid = openers[name]
            elapsed, ok, cpu = await channels.throughput(opener, payload, pid)
        if not ok:
            self.results.checksum_failures += 1
            progress("CHECKSUM MISMATCH: %s %s round %d" % (name, payload.name, index + 1))
            return
        self.results.add("MB/s " + payload.name, name, index, payload.size / elapsed / 1e6)
        self.results.add("CPU s/100MB " + payload.name, name, index, cpu / payload.size * 1e8)

    async def latency_run(self, name, opener, index):
        samples = await channels.echo_latency(opener, self.options.echo)
        self.results.add("echo p50", name, index, bench_server.pct(samples, 50) * 1e3)
        self.results.add("echo p99", name, index, bench_server.pct(samples, 99) * 1e3)
        firsts = [await channels.first_byte(opener) for _ in range(self.options.connects)]
        self.results.add("first byte", name, index, statistics.median(firsts) * 1e3)

    async def reopen_run(self, name, opener, index):
        seconds = await channels.first_byte_after_churn(opener, self.options.churn)
        self.results.add("reopen", "ttyd" if name == "ttyd" else "ours", index, seconds * 1e3)

    async def page_round(self, index):
        pages = [("ours page", "ours", self.ours.page_url())]
        if self.ttyd:
            pages.append(("ttyd", "ttyd", self.ttyd.page_url()))
        path = self.page_payload.path
        for name, kind, url in pages if index % 2 == 0 else pages[::-1]:
            try:
                seconds, size = await self.browser.cat_until_drawn(kind, url, path)
                self.results.add("page", name, index, seconds)
                self.results.add("page size", name, index, size)
            except Exception as error:  # a page that never shows the line: counted, not fatal
                self.results.failures[name] = self.results.failures.get(name, 0) + 1
                progress("page %s round %d failed: %s: %s"
                         % (name, index + 1, type(error).__name__, error))

    async def run(self):
        with tempfile.TemporaryDirectory(prefix="xwterm-sbs-") as directory:
            progress("writing payloads (%s MB ASCII, %s MB UTF-8, %s MB page)"
                     % (self.options.mb, self.options.utf8_mb, self.options.page_mb))
            payloads = [servers.ascii_payload(directory, self.options.mb),
                        servers.utf8_payload(directory, self.options.utf8_mb)]
            self.page_payload = servers.ascii_payload(directory, self.options.page_mb, "page.b64")
            try:
                await self.start()
                await self.probe()
                for index in range(self.options.rounds):
                    progress("round %d/%d" % (index + 1, self.options.rounds))
                    await self.round(index, payloads)
                await asyncio.sleep(2.0)
                self.leftover_shells = {server.label: servers.child_count(server.pid)
                                        for server in (self.ttyd, self.ours) if server}
            finally:
                await self.stop()
            return payloads


# ---------------------------------------------------------------------------
# the table


def spread(values, digits=1):
    """'median [min-max]' of one row, or None without values."""
    if not values:
        return None
    pattern = "%%.%df [%%.%df-%%.%df]" % (digits, digits, digits)
    return pattern % (statistics.median(values), min(values), max(values))


def machine_lines(options):
    cpu_model = "?"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    ttyd = servers.Ttyd.version(options.ttyd) if os.access(options.ttyd, os.X_OK) else "no ttyd"
    revision = subprocess.run(["git", "-C", bench_server.ROOT, "describe", "--always", "--dirty"],
                              capture_output=True, text=True).stdout.strip() or "?"
    return [
        "date: %s; xwterm at %s" % (time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), revision),
        "machine: %d CPUs (nproc), %s, load average %s" % (
            os.cpu_count(), cpu_model, " ".join("%.2f" % x for x in os.getloadavg())),
        "versions: Python %s, %s, aiohttp %s, websockets %s, Linux %s" % (
            platform.python_version(), ttyd, aiohttp.__version__, websockets.__version__,
            platform.release()),
    ]


def print_table(bench, payloads):
    results, options = bench.results, bench.options
    unsupported = results.unsupported
    lines = machine_lines(options)
    lines.append("shell: %s; terminal %dx%d; %d rounds, servers alternating; checksums: %s" % (
        " ".join(bench.shell_argv), servers.COLUMNS, servers.LINES, options.rounds,
        "verified on every run" if not results.checksum_failures
        else "%d MISMATCHES" % results.checksum_failures))
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
            mbps = spread(results.get("MB/s " + payload.name, name))
            cpu = spread(results.get("CPU s/100MB " + payload.name, name), 2)
            label = name + (" (ceiling; CPU = the reader's)" if name == "raw pty" else "")
            row(label, [mbps or missing(name), cpu or ""])
        lines.append("")
    lines.append("Latency (ms): echo of %d keys through `cat` (kernel echo); new session to "
                 "first byte (median of %d per round)" % (options.echo, options.connects))
    row("variant", ["echo p50", "echo p99", "new session -> first byte"])
    row("---", ["---", "---", "---"])
    for name in LATENCY_VARIANTS:
        cells = [spread(results.get(metric, name), 2)
                 for metric in ("echo p50", "echo p99", "first byte")]
        row(name, [cell or missing(name) for cell in cells])
    lines.append("")
    lines.append("New session right after %d were closed, to first byte (ms)" % options.churn)
    row("server", ["ms median [min-max]"])
    row("---", ["---"])
    for name in ("ttyd", "ours"):
        row(name, [spread(results.get("reopen", name), 1) or missing(name)])
    lines.append("")
    if options.browser:
        lines.append("Chromium end to end: `cat` of %.0f MB until its last line is drawn (s)"
                     % (options.page_mb))
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
    for label, numerator, denominator, metric in RATIOS:
        if metric == "page" and not options.browser:
            continue
        value = spread(results.ratio(metric, numerator, denominator), 2)
        reason = next((unsupported[n] for n in (numerator, denominator) if n in unsupported),
                      "n/a")
        row(label, [value or reason])
    print("\n".join(lines))


def parse_options(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ttyd", default=os.environ.get("TTYD", servers.DEFAULT_TTYD),
                        help="ttyd binary (default: $TTYD or %(default)s)")
    parser.add_argument("--shell", choices=sorted(bench_server.SHELLS), default="bash")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--mb", type=float, default=50, help="ASCII payload, MB")
    parser.add_argument("--utf8-mb", type=float, default=50, help="UTF-8 payload, MB")
    parser.add_argument("--page-mb", type=float, default=20, help="file cat in Chromium, MB")
    parser.add_argument("--echo", type=int, default=500, help="keys per echo run")
    parser.add_argument("--connects", type=int, default=10, help="first-byte samples per round")
    parser.add_argument("--churn", type=int, default=100, help="sessions closed before reopen")
    parser.add_argument("--no-browser", dest="browser", action="store_false")
    parser.add_argument("--quick", action="store_true",
                        help="defaults of 5 rounds, 15 MB payloads, 200 keys, 5 MB page")
    parser.add_argument("--json", help="also write every per-round value to this file")
    if "--quick" in (sys.argv[1:] if argv is None else argv):
        parser.set_defaults(rounds=5, mb=15, utf8_mb=15, echo=200, page_mb=5)
    return parser.parse_args(argv)


def main(argv=None):
    options = parse_options(argv)
    bench = Bench(options)
    started = time.monotonic()
    payloads = asyncio.run(bench.run())
    print_table(bench, payloads)
    print("\n(total %.0f s)" % (time.monotonic() - started))
    if options.json:
        with open(options.json, "w") as handle:
            json.dump({"values": bench.results.values,
                       "unsupported": bench.results.unsupported}, handle, indent=1)
    return 3 if bench.results.checksum_failures else 0


if __name__ == "__main__":
    sys.exit(main())
