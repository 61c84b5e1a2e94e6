#!/usr/bin/env python3
"""xwterm next to ttyd (issues 11, 19): the same workloads, the servers alternating in rounds.

    python3 bench/side_by_side.py                 # default: 7 rounds, ~6 min on 2 cores
    python3 bench/side_by_side.py --quick         # 5 rounds, smaller payloads, ~1.5 min
    python3 bench/side_by_side.py --quick --no-browser --runs 3 --markdown docs/benchmarks.md
    python3 bench/side_by_side.py --ttyd PATH --ours-option=--event-loop=asyncio --json out.json
    python3 bench/side_by_side.py --quick --no-browser --floor  # and the floor under ours

Each round runs every workload once on every server, the order of the servers flipped
from one round to the next, so drift on a shared machine hits both alike.  A run's table
gives median and min-max over its rounds, and its ratios are medians of per-round ratios;
``--runs N`` repeats the whole run with fresh servers and summarises the runs (median
[min-max]).  Beside the figures it prints the CPU time every other process on the machine
used meanwhile (sbs_load); a run where they used more than 0.2 CPUs on average is busy and
its figures are not judged against the targets.  ``--markdown FILE`` writes the summary,
with the command and the load, between the markers of FILE.  ttyd comes from --ttyd, $TTYD
or /tmp/ttyd-src/build/ttyd; without it its rows are skipped with one line.  Prints, never
asserts; exit status 3 if a checksum did not match.  See bench/README.md for the rows.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench_server  # noqa: E402
import sbs_channels as channels  # noqa: E402
import sbs_load  # noqa: E402
import sbs_report  # noqa: E402
import sbs_servers as servers  # noqa: E402
from sbs_report import LATENCY_VARIANTS, OURS_BINARY, THROUGHPUT_VARIANTS, Results  # noqa: E402


def progress(message):
    sys.stderr.write("[side_by_side %s] %s\n" % (time.strftime("%H:%M:%S"), message))
    sys.stderr.flush()


def cpu_seconds(pid):
    """CPU time of every thread of ``pid`` from the scheduler (ns resolution): precise
    enough for a few hundred keystrokes, which the 10 ms ticks of /proc/PID/stat are not."""
    total = 0
    for task in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, task)) as handle:
                total += int(handle.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total / 1e9


class Bench(object):
    """The servers, the browser and the results of one side-by-side run."""

    def __init__(self, options):
        self.options = options
        self.shell_argv = bench_server.SHELLS[options.shell]
        self.results = Results(options.rounds)
        self.ttyd = self.ours = self.ours_deflate = self.floor = self.browser = None
        #: The machine's other load during the run (sbs_load), once it is over.
        self.load = None
        #: Shells still running 2 s after the last client closed (server label -> count).
        self.leftover_shells = {}

    # -- servers --------------------------------------------------------------------------

    async def start(self):
        per_address = self.options.churn + 50  # ttyd has no such limit
        self.ours = await servers.Ours(self.shell_argv, end_on_close=True,
                                       per_address=per_address,
                                       extra=self.options.ours_option).start()
        if self.ours.has["--compression"]:
            self.ours_deflate = await servers.Ours(self.shell_argv, compression=True,
                                                   end_on_close=True, per_address=per_address,
                                                   extra=self.options.ours_option).start()
        else:
            self.results.unsupported["ours deflate"] = "n/a (server has no --compression option)"
        if os.access(self.options.ttyd, os.X_OK):
            self.ttyd = await servers.Ttyd(self.options.ttyd, self.shell_argv).start()
        else:
            print("ttyd: skipped, no executable at %s (build it with "
                  "/work/shared/tools/build_ttyd.sh, or pass --ttyd / $TTYD)" % self.options.ttyd)
        if self.options.floor:
            self.floor = await servers.Floor(self.shell_argv).start()
        if self.options.browser:
            import sbs_browser
            self.browser = await sbs_browser.Browser().start()

    async def stop(self):
        for thing in (self.browser, self.ttyd, self.floor, self.ours_deflate, self.ours):
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
        if self.floor:
            result[sbs_report.FLOOR] = (lambda: channels.OursBinaryChannel.open(self.floor),
                                        self.floor.pid)
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
                await self.attempt(name, index, self.latency_run(name, openers[name], index))
        page_variant = OURS_BINARY if OURS_BINARY in openers else "ours JSON"
        for name in self.in_round_order(["ttyd", page_variant], index):
            if name in openers:
                await self.attempt(name, index, self.reopen_run(name, openers[name][0], index))
        await self.attempt("fresh servers", index, self.fresh_server_run(index))
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
            elapsed, ok, cpu = await channels.throughput(opener, payload, pid, cpu_seconds)
        if not ok:
            self.results.checksum_failures += 1
            progress("CHECKSUM MISMATCH: %s %s round %d" % (name, payload.name, index + 1))
            return
        self.results.add("MB/s " + payload.name, name, index, payload.size / elapsed / 1e6)
        self.results.add("CPU s/100MB " + payload.name, name, index, cpu / payload.size * 1e8)

    async def latency_run(self, name, opener_and_pid, index):
        opener, pid = opener_and_pid
        cpu_before = cpu_seconds(pid)
        samples = await channels.echo_latency(opener, self.options.echo)
        self.results.add("echo CPU us", name, index,
                         (cpu_seconds(pid) - cpu_before) / self.options.echo * 1e6)
        self.results.add("echo p50", name, index, bench_server.pct(samples, 50) * 1e3)
        self.results.add("echo p99", name, index, bench_server.pct(samples, 99) * 1e3)
        firsts = [await channels.first_byte(opener) for _ in range(self.options.connects)]
        self.results.add("first byte", name, index, statistics.median(firsts) * 1e3)

    async def reopen_run(self, name, opener, index):
        seconds = await channels.first_byte_after_churn(opener, self.options.churn)
        self.results.add("reopen", "ttyd" if name == "ttyd" else "ours", index, seconds * 1e3)

    async def fresh_server_run(self, index):
        """Fresh servers: ours from launch to listening (its URLs printed); and each
        server's RSS growth per idle session with ``--churn`` sessions open."""
        ours = servers.Ours(self.shell_argv, end_on_close=True,
                            per_address=self.options.churn + 50, extra=self.options.ours_option)
        fresh = [("ours", ours, lambda: channels.OursBinaryChannel.open(ours))]
        if self.ttyd:
            ttyd = servers.Ttyd(self.options.ttyd, self.shell_argv)
            fresh.append(("ttyd", ttyd, lambda: channels.TtydChannel.open(ttyd)))
        for name, server, opener in fresh if index % 2 == 0 else fresh[::-1]:
            await server.start()
            try:
                if name == "ours":
                    process = server.process
                    self.results.add("startup ms", "ours", index,
                                     (process.listening - process.launched) * 1e3)
                self.results.add("KiB per session", name, index,
                                 await channels.memory_per_idle_session(
                                     opener, self.options.churn, server.pid))
            finally:
                await server.stop()

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
        watch = sbs_load.LoadWatch().start()
        try:
            with tempfile.TemporaryDirectory(prefix="xwterm-sbs-") as directory:
                progress("writing payloads (%s MB ASCII, %s MB UTF-8, %s MB page)"
                         % (self.options.mb, self.options.utf8_mb, self.options.page_mb))
                payloads = [servers.ascii_payload(directory, self.options.mb),
                            servers.utf8_payload(directory, self.options.utf8_mb)]
                self.page_payload = servers.ascii_payload(directory, self.options.page_mb,
                                                          "page.b64")
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
        finally:
            self.load = watch.stop()
        return payloads


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
    parser.add_argument("--floor", action="store_true",
                        help="also measure bench/floor_server.py (Python and websockets with "
                             "nothing else) in the throughput and echo rounds")
    parser.add_argument("--quick", action="store_true",
                        help="defaults of 5 rounds, 15 MB payloads, 200 keys, 5 MB page")
    parser.add_argument("--runs", type=int, default=1,
                        help="independent runs (fresh servers each), summarised together")
    parser.add_argument("--ours-option", action="append", default=[], metavar="OPTION",
                        help="extra option for our server, e.g. --ours-option=--event-loop="
                             "asyncio (repeatable)")
    parser.add_argument("--markdown", metavar="FILE",
                        help="write the summary into FILE between its side_by_side markers "
                             "(docs/benchmarks.md)")
    parser.add_argument("--json", help="also write every per-round value to this file")
    if "--quick" in (sys.argv[1:] if argv is None else argv):
        parser.set_defaults(rounds=5, mb=15, utf8_mb=15, echo=200, page_mb=5)
    return parser.parse_args(argv)


def without_option(arguments, name):
    """``arguments`` less ``name VALUE`` / ``name=VALUE`` (for the command to reproduce)."""
    kept, skip = [], False
    for argument in arguments:
        if skip:
            skip = False
        elif argument == name:
            skip = True
        elif not argument.startswith(name + "="):
            kept.append(argument)
    return kept


def main(argv=None):
    arguments = sys.argv[1:] if argv is None else list(argv)
    options = parse_options(arguments)
    header = sbs_report.machine_lines(options)
    print("\n".join(header))
    started = time.monotonic()
    runs, records, checksum_failures = [], [], 0
    for run_index in range(options.runs):
        progress("run %d/%d" % (run_index + 1, options.runs))
        bench = Bench(options)
        payloads = asyncio.run(bench.run())
        print("\nRun %d of %d" % (run_index + 1, options.runs))
        print("\n".join(sbs_report.run_table(bench, payloads)))
        runs.append((bench.results.summary(), bench.load))
        records.append({"values": bench.results.values, "load": bench.load,
                        "unsupported": bench.results.unsupported})
        checksum_failures += bench.results.checksum_failures
    command = " ".join(["python3 bench/side_by_side.py"] + without_option(arguments, "--json"))
    print("\nSummary over %d run(s)" % options.runs)
    print("\n".join(sbs_report.summary_table(runs, options)))
    print("\n(total %.0f s)" % (time.monotonic() - started))
    if options.markdown:
        sbs_report.write_markdown(options.markdown,
                                  sbs_report.markdown(runs, options, command, header))
    if options.json:
        with open(options.json, "w") as handle:
            json.dump({"runs": records}, handle, indent=1)
    return 3 if checksum_failures else 0


if __name__ == "__main__":
    sys.exit(main())
