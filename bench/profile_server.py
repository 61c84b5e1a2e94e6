#!/usr/bin/env python3
"""Where our server's time goes, per keystroke or per chunk, in counts that do not depend
on the machine's load (issue 19).

    python3 bench/profile_server.py echo                    # 2000 keys, binary framing
    python3 bench/profile_server.py echo --framing json --ours-option=--event-loop=asyncio
    python3 bench/profile_server.py flood --mb 20           # cat of 20 MB ASCII + 20 MB UTF-8
    python3 bench/profile_server.py churn --sessions 100    # close 100 at once, open one

Runs ``python -m xwterm`` (as side_by_side.py starts it) under cProfile with a CPU-time
clock, drives it with the side-by-side clients (``echo``: keys through ``exec cat``, each
followed by a DEL; ``flood``: ``cat`` of the benchmark payloads; ``churn``: sessions
closed at once and one opened right after, until they are all reaped), stops it, and prints the
Python function calls per round trip (or per MB) by package -- a deterministic count,
unlike times on a shared machine -- the ``os.read`` calls on the pty per unit, and the
functions with the most CPU time (profiled, so inflated; compare them with each other).
"""

import argparse
import asyncio
import os
import pstats
import signal
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench_server  # noqa: E402
import sbs_channels as channels  # noqa: E402
import sbs_servers as servers  # noqa: E402

#: Runs xwterm's CLI with a cProfile (CPU-time clock) that SIGUSR1 turns on and SIGUSR2
#: off, so only the workload is profiled; argv: PROFILE_FILE -m xwterm ARGS.
RUNNER = """
import cProfile, signal, sys, time
out = sys.argv[1]
sys.argv = ['xwterm'] + sys.argv[4:]
from xwterm import cli
profile = cProfile.Profile(time.process_time)
signal.signal(signal.SIGUSR1, lambda *_: profile.enable())
signal.signal(signal.SIGUSR2, lambda *_: profile.disable())
try:
    cli.main()
finally:
    profile.disable()
    profile.dump_stats(out)
"""


def package_of(filename):
    for name in ("xwterm", "websockets", "aiohttp", "uvloop", "asyncio"):
        if os.sep + name + os.sep in filename:
            return name
    return "C builtins" if filename == "~" else "other"


async def drive(options, profile_path):
    bench_server.ServerProcess.python_options = ["-c", RUNNER, profile_path]
    server = servers.Ours(bench_server.SHELLS["bash"], end_on_close=True,
                          per_address=options.sessions + 50,
                          extra=options.ours_option)
    await server.start()
    try:
        if options.framing == "binary":
            def opener():
                return channels.OursBinaryChannel.open(server)
        else:
            def opener():
                return channels.OursJsonChannel.open(server)
        if options.workload == "echo":
            await profiled(server.pid, channels.echo_latency(opener, options.keys))
            return 2 * options.keys, "round trip"
        if options.workload == "churn":
            opened = await channels.open_idle(opener, options.sessions)

            async def close_and_reopen():
                await asyncio.gather(*(channel.close() for channel in opened))
                await channels.first_byte(opener)
                await asyncio.sleep(3.0)    # the closed sessions are reaped and scanned
            await profiled(server.pid, close_and_reopen())
            return options.sessions, "closed session"
        with tempfile.TemporaryDirectory(prefix="xwterm-profile-") as directory:
            total = 0
            for payload in (servers.ascii_payload(directory, options.mb),
                            servers.utf8_payload(directory, options.mb)):
                await profiled(server.pid, channels.throughput(opener, payload, None))
                total += payload.size
        return total / 1e6, "MB"
    finally:
        await server.stop()


async def profiled(pid, workload):
    """Run ``workload`` with the server's profiler on (a session's start is included)."""
    os.kill(pid, signal.SIGUSR1)
    await asyncio.sleep(0.2)    # the handler has run
    try:
        return await workload
    finally:
        os.kill(pid, signal.SIGUSR2)
        await asyncio.sleep(0.2)


def report(profile_path, units, unit, top):
    stats = pstats.Stats(profile_path)
    by_package = {}
    reads = 0
    for (filename, _, name), (_, calls, _, _, _) in stats.stats.items():
        if name == "<built-in method posix.read>":
            reads = calls
        package = package_of(filename)
        by_package[package] = by_package.get(package, 0) + calls
    print("function calls per %s, by package (a coroutine's every resumption counts):"
          % unit)
    for package, calls in sorted(by_package.items(), key=lambda item: -item[1]):
        if calls / units >= 0.05:
            print("  %-12s %8.1f" % (package, calls / units))
    print("  %-12s %8.1f" % ("total", sum(by_package.values()) / units))
    print("os.read calls (the pty) per %s: %.2f" % (unit, reads / units))
    print("server CPU under the profiler: %.1f us per %s (inflated by profiling)"
          % (stats.total_tt / units * 1e6, unit))
    print("")
    stats.sort_stats("tottime").print_stats(top)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workload", choices=["echo", "flood", "churn"])
    parser.add_argument("--framing", choices=["binary", "json"], default="binary")
    parser.add_argument("--keys", type=int, default=2000, help="keys typed (echo)")
    parser.add_argument("--mb", type=float, default=20, help="MB of each payload (flood)")
    parser.add_argument("--sessions", type=int, default=100,
                        help="sessions opened, then closed at once before one more (churn)")
    parser.add_argument("--top", type=int, default=25, help="functions listed")
    parser.add_argument("--ours-option", action="append", default=[], metavar="OPTION",
                        help="extra option for our server (repeatable)")
    parser.add_argument("--server-root", metavar="DIR",
                        help="another source tree (e.g. a git archive of an older revision)")
    options = parser.parse_args(argv)
    if options.server_root:
        bench_server.ServerProcess.root = os.path.abspath(options.server_root)
    with tempfile.TemporaryDirectory(prefix="xwterm-profile-") as directory:
        profile_path = os.path.join(directory, "server.prof")
        units, unit = asyncio.run(drive(options, profile_path))
        report(profile_path, units, unit, options.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
