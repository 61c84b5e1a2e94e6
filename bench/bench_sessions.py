#!/usr/bin/env python3
"""Shared sessions (issue 7) and hostile clients (issue 8): the benchmark rows.

    python3 bench/bench_sessions.py            # ~1 min
    python3 bench/bench_sessions.py --quick    # smaller payload, fewer repetitions

Rows: one writer plus 1/10/50 read-only viewers (throughput of each vs the single client,
server CPU and memory); reattach time and bytes for a session showing vim, htop and a
10 000-line history; memory of 100 detached idle sessions; memory and fds with 1000 idle
TCP connections per listener; SIGTERM-to-exit with 10 stalled WebSocket clients; memory
after 20 slow readers of a 30 MB file from --docroot.  Every section runs on a fresh
server; a feature the server lacks (detected at run time) gives an "n/a" row.  Prints,
never asserts.
"""

import argparse
import asyncio
import json
import os
import signal
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import websockets  # noqa: E402

import bench_server  # noqa: E402
import sbs_channels as channels  # noqa: E402
import sbs_servers as servers  # noqa: E402
from sbs_servers import (END, child_count, proc_cpu_seconds, proc_fd_count,  # noqa: E402
                         proc_memory_kib)

#: How long the idle connections are watched for the server's header-read / idle timeout.
IDLE_WAIT = 15.0

SCREENS = {
    "vim": "vim -u NONE -N\n",
    "htop": "htop -d 50\n",
    "10 000-line history": "seq -f 'history line %g' 1 10000\n",
}


def progress(message):
    sys.stderr.write("[bench_sessions %s] %s\n" % (time.strftime("%H:%M:%S"), message))
    sys.stderr.flush()


def mib(kib):
    return "%.1f MiB" % (kib / 1024.0)


async def fresh_server(shell_argv, extra=(), per_address=100):
    """A new server of ours, warmed up: one session opened and closed, so imports and
    first-use caches are not charged to the section."""
    server = await servers.Ours(shell_argv, per_address=per_address, extra=extra).start()
    try:
        channel = await channels.OursJsonChannel.open(server)
        await asyncio.wait_for(channel.output(), bench_server.GUARD)
        await channel.close()
        await asyncio.sleep(0.3)
    except BaseException:
        await server.stop()
        raise
    return server


async def open_writer(server, query=""):
    """A binary-framing session and its first control frame (session id and tokens)."""
    channel = await channels.OursBinaryChannel.open(server, query=query)
    info = json.loads(await asyncio.wait_for(channel.ws.recv(), bench_server.GUARD))
    return channel, info


async def read_to_end(channel, payload):
    """Seconds until the end marker and whether this client got the payload intact."""
    chunks, tail = [], b""
    start = time.perf_counter()
    while True:
        chunk = await channel.output()
        chunks.append(chunk)
        if END in tail + chunk:
            break
        tail = chunk[-len(END):]
    return time.perf_counter() - start, payload.check(b"".join(chunks))


class MemorySampler(object):
    """Highest RSS of a process, sampled every 0.1 s while active."""

    def __init__(self, pid):
        self.pid = pid
        self.peak = 0
        self.task = None

    async def _run(self):
        while True:
            self.peak = max(self.peak, proc_memory_kib(self.pid)["rss"])
            await asyncio.sleep(0.1)

    def __enter__(self):
        self.task = asyncio.ensure_future(self._run())
        return self

    def __exit__(self, *exc):
        self.task.cancel()


# ---------------------------------------------------------------------------
# issue 7


async def fan_out(shell_argv, payload, viewer_counts, rows):
    """One writer plus N read-only viewers, all reading in this process."""
    server = await fresh_server(shell_argv)
    try:
        try:
            writer, info = await open_writer(server)
        except channels.Unsupported as reason:
            rows.append(("fan-out", "n/a (%s)" % reason))
            return
        await writer.close()
        if "readonly_token" not in info:
            rows.append(("fan-out", "n/a (no read-only token in the attach info)"))
            return
        for viewers in [0] + list(viewer_counts):
            writer, info = await open_writer(server)
            await channels.read_until(writer, channels.PROMPT, b"")
            query = "?session=%s&token=%s" % (info["session"], info["readonly_token"])
            attached, refused = [], 0
            for _ in range(viewers):
                try:
                    viewer = await channels.OursBinaryChannel.open(server, query=query)
                    await asyncio.wait_for(viewer.ws.recv(), bench_server.GUARD)  # attach info
                    attached.append(viewer)
                except Exception:  # the per-session cap refuses the rest (1013)
                    refused += 1
            await asyncio.sleep(0.3)
            rss_before = proc_memory_kib(server.pid)["rss"]
            cpu_before = proc_cpu_seconds(server.pid)
            with MemorySampler(server.pid) as sampler:
                await writer.send("cat %s\n" % payload.path)
                results = await asyncio.wait_for(asyncio.gather(
                    read_to_end(writer, payload), *(read_to_end(v, payload) for v in attached)),
                    10 * bench_server.GUARD)
            cpu = proc_cpu_seconds(server.pid) - cpu_before
            writer_mbps = payload.size / results[0][0] / 1e6
            if viewers == 0:
                single = writer_mbps
                label = "single client (writer alone)"
                value = "%.1f MB/s; server CPU %.2f s; RSS %s -> peak %s" % (
                    writer_mbps, cpu, mib(rss_before), mib(sampler.peak))
            else:
                viewer_mbps = [payload.size / seconds / 1e6 for seconds, _ in results[1:]]
                intact = sum(ok for _, ok in results[1:])
                label = "writer + %d read-only viewers" % viewers
                value = ("writer %.1f MB/s (%.2fx single); viewers median %s MB/s "
                         "(%.2fx single), slowest %s; %d/%d viewers got every byte%s; "
                         "server CPU %.2f s; RSS %s -> peak %s" % (
                             writer_mbps, writer_mbps / single,
                             "%.1f" % statistics.median(viewer_mbps) if viewer_mbps else "-",
                             statistics.median(viewer_mbps) / single if viewer_mbps else 0,
                             "%.1f" % min(viewer_mbps) if viewer_mbps else "-",
                             intact, len(attached),
                             "; %d refused by the per-session cap" % refused if refused else "",
                             cpu, mib(rss_before), mib(sampler.peak)))
            rows.append((label, value))
            progress(label + ": " + value)
            for channel in [writer] + attached:
                await channel.close()
    finally:
        await server.stop()


async def quiet(channel, seconds=0.5):
    """Read until the session has been silent for ``seconds``."""
    while True:
        try:
            await asyncio.wait_for(channel.output(), seconds)
        except asyncio.TimeoutError:
            return


async def reattach(shell_argv, repeats, rows):
    """Time and bytes from reconnecting with the session's token to {"live": true}."""
    server = await fresh_server(shell_argv)
    try:
        for name, command in SCREENS.items():
            try:
                writer, info = await open_writer(server)
            except channels.Unsupported as reason:
                rows.append(("reattach", "n/a (%s)" % reason))
                return
            await channels.read_until(writer, channels.PROMPT, b"")
            await writer.send(command)
            await quiet(writer, 1.0)
            await writer.close()
            query = "?session=%s&token=%s" % (info["session"], info["token"])
            times, sizes, live = [], [], True
            for _ in range(repeats):
                start = time.perf_counter()
                channel = await channels.OursBinaryChannel.open(server, query=query)
                received = 0
                try:
                    while True:
                        frame = await asyncio.wait_for(channel.ws.recv(), 5)
                        received += len(frame)
                        if isinstance(frame, str) and json.loads(frame).get("live"):
                            break
                except asyncio.TimeoutError:
                    live = False
                    break
                times.append(time.perf_counter() - start)
                sizes.append(received)
                await channel.close()
                await asyncio.sleep(0.2)
            if not live:
                rows.append(("reattach: " + name, "n/a (no {\"live\": true} within 5 s)"))
                continue
            rows.append(("reattach: " + name, "%.1f ms median [%.1f-%.1f], %d bytes until live"
                         % (statistics.median(times) * 1e3, min(times) * 1e3, max(times) * 1e3,
                            statistics.median(sizes))))
            progress(rows[-1][0] + ": " + rows[-1][1])
    finally:
        await server.stop()


async def detached_idle(shell_argv, count, rows):
    """Server memory per detached idle session: open ``count``, close the sockets."""
    server = await fresh_server(shell_argv)
    try:
        before = proc_memory_kib(server.pid)
        for _ in range(count):
            try:
                channel, _ = await open_writer(server)
            except channels.Unsupported as reason:
                rows.append(("%d detached idle sessions" % count, "n/a (%s)" % reason))
                return
            await channels.read_until(channel, channels.PROMPT, b"")
            await channel.close()
        await asyncio.sleep(1.0)
        after = proc_memory_kib(server.pid)
        rows.append(("%d detached idle sessions" % count,
                     "%d shells still running; server RSS %s -> %s (%.0f KiB per session), "
                     "PSS %.0f KiB, USS %.0f KiB per session" % (
                         child_count(server.pid), mib(before["rss"]), mib(after["rss"]),
                                      (after["rss"] - before["rss"]) / count,
                                      (after["pss"] - before["pss"]) / count,
                                      (after["uss"] - before["uss"]) / count)))
        progress(rows[-1][1])
    finally:
        await server.stop()


# ---------------------------------------------------------------------------
# issue 8


def host_port(url):
    rest = url.split("://", 1)[1].split("/", 1)[0]
    host, _, port = rest.rpartition(":")
    return host, int(port)


async def idle_connections(shell_argv, count, rows):
    """``count`` TCP connections that never send a byte, on each listener."""
    # All of them come from 127.0.0.1: only the per-listener bound is left in force.
    server = await fresh_server(shell_argv, per_address=4 * count)
    connections = []
    try:
        before = proc_memory_kib(server.pid)["rss"], proc_fd_count(server.pid)
        for url in (server.http_url, server.ws_url):
            host, port = host_port(url)
            for _ in range(count):
                try:
                    connections.append(await asyncio.open_connection(host, port))
                except OSError:
                    break
        await asyncio.sleep(2.0)
        loaded = proc_memory_kib(server.pid)["rss"], proc_fd_count(server.pid)
        start = time.perf_counter()
        try:
            channel = await asyncio.wait_for(channels.OursJsonChannel.open(server), 10)
            await asyncio.wait_for(channel.output(), 10)
            await channel.close()
            served = "a new session still served in %.0f ms" % ((time.perf_counter() - start) * 1e3)
        except Exception as error:
            served = "a new session FAILED (%s)" % type(error).__name__
        open_at_2s = sum(not reader.at_eof() for reader, _ in connections)
        await asyncio.sleep(IDLE_WAIT - 2.0)
        open_later = sum(not reader.at_eof() for reader, _ in connections)
        rows.append(("%d idle TCP connections per listener" % count,
                     "opened %d; after 2 s server RSS %s -> %s, fds %d -> %d, %d still open "
                     "(%d after %.0f s); %s" % (
                         len(connections), mib(before[0]), mib(loaded[0]), before[1], loaded[1],
                         open_at_2s, open_later, IDLE_WAIT, served)))
        progress(rows[-1][1])
    finally:
        for _, writer in connections:
            writer.close()
        await server.stop()


async def stalled_shutdown(shell_argv, clients, rows):
    """SIGTERM to exit while ``clients`` WebSocket clients flood their shells and never read."""
    server = await fresh_server(shell_argv)
    stalled = []
    try:
        for _ in range(clients):
            ws = await websockets.connect(server.ws_url, additional_headers=server.headers(),
                                          compression=None, max_queue=1, ping_interval=None)
            await ws.send(json.dumps({"text": "yes\n"}))
            stalled.append(ws)
        await asyncio.sleep(2.0)
        start = time.perf_counter()
        server.process.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(server.process.proc.wait(), 60)
            value = "%.2f s from SIGTERM to exit" % (time.perf_counter() - start)
        except asyncio.TimeoutError:
            value = "did not exit within 60 s (killed)"
        rows.append(("shutdown with %d stalled WS clients" % clients, value))
        progress(value)
    finally:
        for ws in stalled:
            ws.transport.abort()
        await server.stop()


async def slow_file_readers(shell_argv, readers, file_mb, rows):
    """``readers`` clients GET a big file from --docroot, read a few KB, then stall."""
    with tempfile.TemporaryDirectory(prefix="xwterm-docroot-") as docroot:
        with open(os.path.join(docroot, "index.html"), "w") as handle:
            handle.write("<html></html>\n")
        with open(os.path.join(docroot, "big.bin"), "wb") as handle:
            handle.write(os.urandom(int(file_mb * 1e6)))
        server = await fresh_server(shell_argv, ["--docroot", docroot])
        connections = []
        try:
            before = proc_memory_kib(server.pid)["rss"]
            host, port = host_port(server.http_url)
            auth = "".join("%s: %s\r\n" % item for item in server.headers().items())
            with MemorySampler(server.pid) as sampler:
                for _ in range(readers):
                    reader, writer = await asyncio.open_connection(host, port, limit=4096)
                    writer.write(("GET /big.bin HTTP/1.1\r\nHost: %s\r\n%s\r\n"
                                  % (host, auth)).encode())
                    await asyncio.wait_for(reader.read(4096), 10)
                    writer.transport.pause_reading()
                    connections.append(writer)
                await asyncio.sleep(5.0)
            stalled = proc_memory_kib(server.pid)["rss"]
            for writer in connections:
                writer.transport.abort()
            connections = []
            await asyncio.sleep(2.0)
            after = proc_memory_kib(server.pid)["rss"]
            rows.append(("%d slow readers of a %.0f MB --docroot file" % (readers, file_mb),
                         "server RSS %s -> peak %s, %s after 5 s stalled, %s 2 s after they left"
                         % (mib(before), mib(sampler.peak), mib(stalled), mib(after))))
            progress(rows[-1][1])
        finally:
            for writer in connections:
                writer.transport.abort()
            await server.stop()


async def run(options):
    shell_argv = bench_server.SHELLS[options.shell]
    rows = []
    with tempfile.TemporaryDirectory(prefix="xwterm-sessions-") as directory:
        payload = servers.ascii_payload(directory, options.mb)
        sections = [
            ("fan-out", fan_out(shell_argv, payload, options.viewers, rows)),
            ("reattach", reattach(shell_argv, options.repeats, rows)),
            ("detached", detached_idle(shell_argv, 100, rows)),
            ("idle connections", idle_connections(shell_argv, 1000, rows)),
            ("stalled shutdown", stalled_shutdown(shell_argv, 10, rows)),
            ("slow file readers", slow_file_readers(shell_argv, 20, 30, rows)),
        ]
        for name, section in sections:
            progress(name)
            try:
                await section
            except Exception as error:  # one broken section must not hide the others
                rows.append((name, "failed: %s: %s" % (type(error).__name__, error)))
    return rows, payload


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shell", choices=sorted(bench_server.SHELLS), default="bash")
    parser.add_argument("--mb", type=float, default=20, help="fan-out payload, MB")
    parser.add_argument("--viewers", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--repeats", type=int, default=5, help="reattaches per screen")
    parser.add_argument("--quick", action="store_true", help="defaults of 5 MB, 3 reattaches")
    if "--quick" in (sys.argv[1:] if argv is None else argv):
        parser.set_defaults(mb=5, repeats=3)
    options = parser.parse_args(argv)
    started = time.monotonic()
    rows, payload = asyncio.run(run(options))
    print("Shared sessions and hostile clients (xwterm alone; fan-out payload %.1f MB ASCII)"
          % (payload.size / 1e6))
    print("| row | measured |")
    print("| --- | --- |")
    for label, value in rows:
        print("| %s | %s |" % (label, value))
    print("\n(total %.0f s)" % (time.monotonic() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
