"""The servers of the side-by-side benchmark (issue 11): ours and ttyd, started the same way.

Both run the same shell with the same environment (bench_server.shell_env) on loopback,
each in its own process group so that everything they spawned is killed with them.  Our
server's optional features (token, compression, no-auth) are detected from its --help, so
the benchmark runs unchanged while those land.
"""

import asyncio
import base64
import hashlib
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import time

import bench_server
from bench_server import GUARD, shell_env
from bench_server import proc_cpu_seconds, proc_memory_kib  # noqa: F401 (re-exported)

ROOT = bench_server.ROOT
DEFAULT_TTYD = "/tmp/ttyd-src/build/ttyd"
BEGIN = b"@@XWB-BEGIN@@"
END = b"@@XWB-END@@"
COLUMNS, LINES = 120, 40


def free_port():
    """A loopback port that was free a moment ago (ttyd needs a number, not 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def child_count(pid):
    """Processes a server has spawned and not reaped (its live sessions' shells)."""
    count = 0
    for task in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/children" % (pid, task)) as handle:
            count += len(handle.read().split())
    return count


def proc_fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


# ---------------------------------------------------------------------------
# payloads


class Payload(object):
    """A file framed by marker lines; md5 and size of the body as a pty delivers it (onlcr)."""

    def __init__(self, name, path, body):
        self.name = name
        self.path = path
        on_pty = body.replace(b"\n", b"\r\n")
        self.md5 = hashlib.md5(on_pty).hexdigest()
        self.size = len(on_pty)
        with open(path, "wb") as handle:
            handle.write(BEGIN + b"\n" + body + END + b"\n")

    def check(self, received):
        """True if the bytes between the markers are exactly the payload."""
        start = received.find(BEGIN + b"\r\n")
        end = received.find(END, start + 1)
        if start < 0 or end < 0:
            return False
        return hashlib.md5(received[start + len(BEGIN) + 2:end]).hexdigest() == self.md5


def ascii_payload(directory, mb, filename="ascii.b64", seed=20261129):
    """Base64 lines of seeded random bytes (76 columns)."""
    raw = random.Random(seed).randbytes(int(mb * 1e6 * 3 / 4))
    return Payload("ASCII", os.path.join(directory, filename), base64.encodebytes(raw))


#: CJK ideographs, emoji (4-byte UTF-8), Latin letters with combining marks, Hangul, Cyrillic.
UTF8_ALPHABET = ([chr(c) for c in range(0x4E00, 0x4E00 + 400)]
                 + [chr(c) for c in range(0x1F600, 0x1F640)]
                 + [base + mark for base in "aeiouy" for mark in "\u0301\u0308\u0323\u0303"]
                 + [chr(c) for c in range(0xAC00, 0xAC00 + 100)]
                 + [chr(c) for c in range(0x0430, 0x0450)] + [" "] * 20)


def utf8_payload(directory, mb, seed=20261130):
    """Lines of 50 symbols drawn from UTF8_ALPHABET (~2.7 bytes a symbol)."""
    rng = random.Random(seed)
    lines, size = [], 0
    while size < mb * 1e6:
        line = ("".join(rng.choices(UTF8_ALPHABET, k=50)) + "\n").encode("utf-8")
        lines.append(line)
        size += len(line)
    return Payload("UTF-8", os.path.join(directory, "utf8.txt"), b"".join(lines))


# ---------------------------------------------------------------------------
# servers


class Ours(object):
    """``python -m xwterm`` from this checkout; options it lacks are simply not used."""

    label = "ours"

    def __init__(self, shell_argv, compression=False, end_on_close=False, per_address=None,
                 extra=()):
        """end_on_close: a session ends with its last connection (--detach-timeout 0), as in
        ttyd, instead of staying detached for a reattach.  per_address: connections allowed
        from one client address (every benchmark client comes from 127.0.0.1)."""
        help_text = subprocess.run([sys.executable, "-m", "xwterm", "--help"], cwd=ROOT,
                                   capture_output=True, text=True).stdout
        self.has = {option: option in help_text
                    for option in ("--no-auth", "--token", "--compression", "--detach-timeout",
                                   "--max-connections-per-address")}
        self.token = secrets.token_urlsafe(16) if self.has["--token"] else None
        self.compression = compression and self.has["--compression"]
        self.extra = list(extra)
        if self.token:
            self.extra += ["--token=" + self.token]  # a token may start with "-"
        elif self.has["--no-auth"]:
            self.extra += ["--no-auth"]
        if per_address and self.has["--max-connections-per-address"]:
            self.extra += ["--max-connections-per-address", str(per_address)]
        if end_on_close and self.has["--detach-timeout"]:
            self.extra += ["--detach-timeout", "0"]
        if self.compression:  # a plain flag, or an option that takes the method
            takes_value = re.search(r"--compression [A-Z{]", help_text)
            self.extra += ["--compression"] + (["deflate"] if takes_value else [])
        self.process = bench_server.ServerProcess(shell_argv)

    async def start(self):
        await self.process.start(self.extra)
        return self

    @property
    def pid(self):
        return self.process.pid

    @property
    def ws_url(self):
        return self.process.ws

    @property
    def http_url(self):
        return self.process.http

    def headers(self):
        return {"Authorization": "token " + self.token} if self.token else {}

    def page_url(self):
        return self.http_url + ("?token=" + self.token if self.token else "")

    async def stop(self):
        await self.process.stop()


class Ttyd(object):
    """ttyd -W (writable) on a free loopback port; its page and WS endpoint at /ws."""

    label = "ttyd"

    def __init__(self, binary, shell_argv):
        self.binary = binary
        self.shell_argv = shell_argv
        self.proc = None
        self.port = None

    @staticmethod
    def version(binary):
        return subprocess.run([binary, "--version"], capture_output=True,
                              text=True).stdout.strip()

    def command(self):
        return [self.binary, "-p", str(self.port), "-i", "127.0.0.1", "-W"] + list(self.shell_argv)

    async def start(self):
        self.port = free_port()
        argv = self.command()
        self.proc = await asyncio.create_subprocess_exec(
            *argv, env=shell_env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + GUARD
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return self
            except OSError:
                if time.monotonic() > deadline or self.proc.returncode is not None:
                    raise RuntimeError("%s did not start listening on %d"
                                       % (self.label, self.port))
                await asyncio.sleep(0.02)

    @property
    def pid(self):
        return self.proc.pid

    @property
    def ws_url(self):
        return "ws://127.0.0.1:%d/ws" % self.port

    def page_url(self):
        return "http://127.0.0.1:%d/" % self.port

    def headers(self):
        return {}

    async def stop(self):
        if self.proc is None or self.proc.returncode is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), 10)
        except asyncio.TimeoutError:
            self.proc.kill()
            await self.proc.wait()
        try:  # shells ttyd left behind (it kills them itself on a clean exit)
            os.killpg(self.proc.pid, signal.SIGKILL)
        except OSError:
            pass


class Floor(Ttyd):
    """bench/floor_server.py: the least a Python server over ``websockets`` can do (one
    pty per connection, nothing else), on the same event loop as ours."""

    label = "floor"

    def __init__(self, shell_argv):
        Ttyd.__init__(self, os.path.join(bench_server.HERE, "floor_server.py"), shell_argv)

    def command(self):
        return [sys.executable, self.binary, str(self.port), "--"] + list(self.shell_argv)

    @property
    def ws_url(self):
        return "ws://127.0.0.1:%d/" % self.port
