"""Terminal sessions over each wire protocol, and the workloads run on any of them.

A channel is one new session on a server: ttyd's protocol (subprotocol "tty", output frames
prefixed with b"0"), ours with the default JSON framing, or ours with the ``xwterm.binary``
subprotocol.  Workloads (throughput, echo, first byte) take a channel factory so every
server runs exactly the same client code; the client's per-frame work is kept minimal
(output is joined and converted only after the clock stops).
"""

import asyncio
import json
import os
import time

import websockets

import bench_server
from bench_server import GUARD
from sbs_servers import END, COLUMNS, LINES, proc_cpu_seconds, proc_memory_kib

PROMPT = b"$ "
BINARY_SUBPROTOCOL = "xwterm.binary"


class Unsupported(Exception):
    """The server does not offer what this channel needs (binary framing, deflate)."""


async def connect(url, headers, subprotocols=None, deflate=False):
    """``max_queue=None``: the client takes every frame off the socket as it arrives, as a
    browser does.  The library's default bounds its queue in frames (16), which is 64 KiB
    of ttyd's 4 KiB frames but 1 MiB of our 64 KiB ones: whenever the client process
    waited for a CPU, ttyd was held back by the client and we were not.  That skewed
    earlier figures in our favour on a busy machine (issue 19)."""
    return await websockets.connect(
        url, max_size=None, compression="deflate" if deflate else None, ping_interval=None,
        open_timeout=GUARD, subprotocols=subprotocols, additional_headers=headers,
        write_limit=2 ** 20, max_queue=None)


def negotiated_deflate(ws):
    return any("deflate" in type(ext).__name__.lower() for ext in ws.protocol.extensions)


class TtydChannel(object):
    """ttyd: the first message is JSON {AuthToken, columns, rows}; input is b"0" + data."""

    text = False

    def __init__(self, ws):
        self.ws = ws

    @classmethod
    async def open(cls, server, deflate=False):
        ws = await connect(server.ws_url, server.headers(), ["tty"], deflate)
        if deflate and not negotiated_deflate(ws):
            await ws.close()
            raise Unsupported("ttyd did not accept permessage-deflate")
        await ws.send(json.dumps({"AuthToken": "", "columns": COLUMNS, "rows": LINES}).encode())
        return cls(ws)

    async def send(self, data):
        await self.ws.send(b"0" + data.encode())

    async def output(self):
        while True:
            frame = await self.ws.recv(decode=False)
            if frame[:1] == b"0":
                return frame[1:]

    async def close(self):
        await self.ws.close()


class OursJsonChannel(object):
    """Our default framing: {"text": ...} text frames both ways."""

    text = True

    def __init__(self, ws):
        self.ws = ws

    @classmethod
    async def open(cls, server, deflate=False, query=""):
        ws = await connect(server.ws_url + query, server.headers(), None, deflate)
        if deflate and not negotiated_deflate(ws):
            await ws.close()
            raise Unsupported("server has no permessage-deflate")
        return cls(ws)

    async def send(self, data):
        await self.ws.send(json.dumps({"text": data}))

    async def output(self):
        while True:
            text = json.loads(await self.ws.recv(decode=False)).get("text")
            if text:
                return text

    async def close(self):
        await self.ws.close()


class OursBinaryChannel(object):
    """The ``xwterm.binary`` subprotocol: binary frames are raw bytes, text frames JSON control."""

    text = False

    def __init__(self, ws):
        self.ws = ws
        self.controls = []

    @classmethod
    async def open(cls, server, deflate=False, query=""):
        ws = await connect(server.ws_url + query, server.headers(), [BINARY_SUBPROTOCOL], deflate)
        if ws.subprotocol != BINARY_SUBPROTOCOL:
            await ws.close()
            raise Unsupported("server has no binary framing")
        if deflate and not negotiated_deflate(ws):
            await ws.close()
            raise Unsupported("server has no permessage-deflate")
        return cls(ws)

    async def send(self, data):
        await self.ws.send(data.encode())

    async def output(self):
        while True:
            frame = await self.ws.recv()
            if isinstance(frame, bytes):
                return frame
            self.controls.append(json.loads(frame))

    async def close(self):
        await self.ws.close()


# ---------------------------------------------------------------------------
# workloads


def markers(channel):
    if channel.text:
        return "", END.decode(), PROMPT.decode()
    return b"", END, PROMPT


async def read_until(channel, needle, seen):
    while needle not in seen:
        seen += await channel.output()
    return seen


async def throughput(open_channel, payload, server_pid, cpu_seconds=proc_cpu_seconds):
    """One fresh session: seconds from typing ``cat FILE`` to the end marker; checksum ok;
    server CPU seconds in that interval (None without a server process)."""
    channel = await open_channel()
    try:
        empty, end, prompt = markers(channel)
        await asyncio.wait_for(read_until(channel, prompt, empty), GUARD)
        chunks, tail = [], empty
        cpu_before = cpu_seconds(server_pid) if server_pid else None
        start = time.perf_counter()
        await channel.send("cat %s\n" % payload.path)

        async def pump():
            nonlocal tail
            while True:
                chunk = await channel.output()
                chunks.append(chunk)
                if end in tail + chunk:
                    return
                tail = chunk[-len(end):]
        await asyncio.wait_for(pump(), 10 * GUARD)
        elapsed = time.perf_counter() - start
        cpu = cpu_seconds(server_pid) - cpu_before if server_pid else None
        received = empty.join(chunks)
        if channel.text:
            received = received.encode("utf-8", "surrogatepass")
        return elapsed, payload.check(received), cpu
    finally:
        await channel.close()


def raw_throughput(shell_argv, payload):
    """The ceiling: the same shell on our own pty, blocking os.read in a plain loop.
    CPU is the reader's own (this process)."""
    pty = bench_server.RawPty(shell_argv)
    try:
        with bench_server.raw_guard(10 * GUARD):
            chunks, tail = [], b""
            cpu_before = time.process_time()
            start = time.perf_counter()
            os.write(pty.fd, ("cat %s\n" % payload.path).encode())
            while True:
                chunk = os.read(pty.fd, 65536)
                chunks.append(chunk)
                if END in tail + chunk:
                    break
                tail = chunk[-len(END):]
            elapsed = time.perf_counter() - start
            cpu = time.process_time() - cpu_before
        return elapsed, payload.check(b"".join(chunks)), cpu
    finally:
        pty.close()


async def echo_latency(open_channel, keys):
    """Kernel echo: ``cat`` reads in canonical mode, the line discipline echoes each key.
    Time from send to the frame holding the key; a DEL (echoed "\\b \\b") keeps the line empty."""
    channel = await open_channel()
    try:
        empty, _, prompt = markers(channel)
        await asyncio.wait_for(read_until(channel, prompt, empty), GUARD)
        await channel.send("exec cat\n")
        await asyncio.wait_for(read_until(channel, "exec cat\r\n" if channel.text
                                          else b"exec cat\r\n", empty), GUARD)
        await asyncio.sleep(0.2)  # cat has started and sits in read()
        samples = []
        for i in range(keys):
            key = "abcdefghijklmnopqrstuvwxyz"[i % 26]
            needle = key if channel.text else key.encode()
            start = time.perf_counter()
            await channel.send(key)
            await asyncio.wait_for(read_until(channel, needle, empty), GUARD)
            samples.append(time.perf_counter() - start)
            await channel.send("\x7f")
            await asyncio.wait_for(read_until(channel, "\b \b" if channel.text else b"\b \b",
                                              empty), GUARD)
        return samples
    finally:
        await channel.close()


async def first_byte(open_channel):
    """Seconds from starting the WebSocket connect to the session's first output byte."""
    start = time.perf_counter()
    channel = await open_channel()
    try:
        await asyncio.wait_for(channel.output(), GUARD)
        return time.perf_counter() - start
    finally:
        await channel.close()


async def first_byte_after_churn(open_channel, count):
    """Open ``count`` sessions (each to its first byte), close them all at once, then time
    one new session to its first byte: what a user sees right after many tabs closed."""
    channels = await open_idle(open_channel, count)
    await asyncio.gather(*(channel.close() for channel in channels))
    return await first_byte(open_channel)


async def open_idle(open_channel, count):
    """``count`` sessions opened one after another, each to its first byte (its prompt)."""
    channels = []
    for _ in range(count):
        channel = await open_channel()
        channels.append(channel)
        await asyncio.wait_for(channel.output(), GUARD)
    return channels


async def memory_per_idle_session(open_channel, count, server_pid):
    """Server RSS growth per idle session (KiB), on a server that served one session
    before (so imports and first-use caches are not charged to the sessions)."""
    await (await open_channel()).close()
    await asyncio.sleep(0.3)
    before = proc_memory_kib(server_pid)["rss"]
    channels = await open_idle(open_channel, count)
    await asyncio.sleep(0.3)  # the last prompts are sent: nothing is in flight
    after = proc_memory_kib(server_pid)["rss"]
    await asyncio.gather(*(channel.close() for channel in channels))
    return (after - before) / float(count)
