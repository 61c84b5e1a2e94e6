"""The conhost backend end to end on Linux: the real ConhostTerminal starts the real helper
code (run_helper, through tests/windows_helper_standin.py because the CLI refuses
--conhost-helper outside Windows), which opens the signal "pipe" (a Unix socket) and
starts tests/windows_fake_conhost.py with the same command line conhost.exe gets; that
runs the command on a pty and obeys the resize messages. Job Objects are process trees.
"""

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from xwterm import Session, TerminalSize, compat
from xwterm.exceptions import TerminalStartError
from xwterm.terminal import conhost
from xwterm.terminal.conhost import ConhostTerminal

from windows_standins import HELPER_STANDIN, LinuxApi, descendants

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SIZE = TerminalSize(80, 24)


def backend(api=None):
    """A ConhostTerminal class wired to the Linux stand-ins (``api`` to inspect them)."""
    class StandInConhost(ConhostTerminal):
        helper_command = (sys.executable, HELPER_STANDIN)
    StandInConhost.api = api or LinuxApi()
    return StandInConhost


def run(coro, timeout=60):
    return compat.run(asyncio.wait_for(coro, timeout))


async def read_until(reader, needle):
    out = type(needle)()
    while needle not in out:
        data = await reader.read()
        if not data:
            raise AssertionError("output ended before %r; got %r" % (needle, out[-300:]))
        out += data
    return out


def running(pid):
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_gone(pids, seconds=10):
    deadline = time.time() + seconds
    while any(running(pid) for pid in pids) and time.time() < deadline:
        time.sleep(0.05)
    return [pid for pid in pids if running(pid)]


def bytes_written(pid):
    with open("/proc/%d/io" % pid) as handle:
        for line in handle:
            if line.startswith("wchar:"):
                return int(line.split()[1])
    raise AssertionError("no wchar for %d" % pid)


def test_session_round_trip_resize_and_exit_status(tmp_path):
    log = tmp_path / "conhost.log"
    api = LinuxApi()

    async def main():
        session = Session(["/bin/sh"], size=SIZE, backend=backend(api),
                          env={"FAKE_CONHOST_LOG": str(log)})
        await session.start()
        await session.write("stty size; echo hello-$((6*7))\n")
        first = await read_until(session, "hello-42")
        session.resize(TerminalSize(100, 30))
        await session.write("stty size; exit 7\n")
        rest = ""
        while True:
            text = await session.read()
            if not text:
                break
            rest += text
        status = await session.wait()
        await session.close()
        return first, rest, status

    first, rest, status = run(main())
    assert "24 80" in first and "30 100" in rest
    assert status == 7
    lines = log.read_text().splitlines()
    assert lines[0] == "start 80 24 /bin/sh"
    # The resize arrived as one message: 8, 100, 30 as little-endian int16s.
    assert "message 080064001e00 8 100 30" in lines
    assert lines[-1] == "exit 7"
    assert not os.path.exists(api.pipes[0].name)


def test_command_line_arrives_whole_and_input_flows(tmp_path):
    COMMAND = "stty raw -echo; echo ready; head -c 300000 | wc -c"
    log = tmp_path / "conhost.log"

    async def main():
        terminal = backend()(["/bin/sh", "-c", COMMAND], SIZE,
                             env={"FAKE_CONHOST_LOG": str(log)})
        await terminal.start()
        await read_until(terminal, b"ready")  # raw mode: input is kept, not line-edited
        await terminal.write(b"y" * 300000)  # waits for the helper's pipe to drain
        out = await read_until(terminal, b"300000")
        status = await terminal.wait()
        await terminal.close()
        return out, status

    out, status = run(main())
    assert b"300000" in out and status == 0
    assert log.read_text().splitlines()[0] == 'start 80 24 /bin/sh -c "%s"' % COMMAND


def test_close_ends_helper_conhost_command_and_grandchildren(tmp_path):
    log = tmp_path / "conhost.log"
    api = LinuxApi()

    async def main():
        terminal = backend(api)(["/bin/sh", "-c", "sleep 300 & echo started; exec cat"],
                                SIZE, env={"FAKE_CONHOST_LOG": str(log)})
        await terminal.start()
        await read_until(terminal, b"started")
        tree = [terminal.pid] + descendants(terminal.pid)
        await terminal.close()
        return terminal, tree

    terminal, tree = run(main())
    assert len(tree) >= 4  # helper, fake conhost, sh (now cat), sleep
    assert wait_gone(tree) == []
    assert terminal.returncode is not None
    assert "signal eof" in log.read_text()  # the polite end: the signal pipe closed first
    assert api.jobs[0].terminated and api.jobs[0].closed


def test_close_kills_a_conhost_that_ignores_the_signal_pipe(monkeypatch):
    monkeypatch.setattr(conhost, "CLOSE_GRACE", 0.5)

    async def main():
        terminal = backend()(["/bin/sh", "-c", "echo started; exec cat"], SIZE,
                             env={"FAKE_CONHOST_IGNORE_SIGNAL_EOF": "1"})
        await terminal.start()
        await read_until(terminal, b"started")
        tree = [terminal.pid] + descendants(terminal.pid)
        started = time.time()
        await terminal.close()
        return tree, time.time() - started

    tree, took = run(main())
    assert wait_gone(tree) == []
    assert took < 5


def test_a_consumer_that_stops_reading_stops_the_command():
    async def main():
        terminal = backend()(["yes", "x" * 100], SIZE)
        await terminal.start()
        received = len(await terminal.read())
        await asyncio.sleep(0.5)
        producer = descendants(terminal.pid)[-1]
        await asyncio.sleep(1.0)
        written = bytes_written(producer)
        await asyncio.sleep(0.5)
        still = bytes_written(producer)
        for _ in range(20):
            received += len(await terminal.read())
        await asyncio.sleep(0.2)
        resumed = bytes_written(producer)
        await terminal.close()
        return received, written, still, resumed

    received, written, still, resumed = run(main())
    assert still == written
    assert written - received < 8 * 1024 * 1024
    assert resumed > still


def test_helper_never_outlives_the_server(tmp_path):
    """SIGKILL the server: its end of the signal pipe closes, conhost ends its console."""
    script = textwrap.dedent("""
        import asyncio, sys
        sys.path[:0] = [%r, %r]
        from test_windows_conhost import backend
        from windows_standins import descendants
        from xwterm import TerminalSize, compat

        async def main():
            terminal = backend()(["/bin/sh", "-c", "echo up; exec sleep 300"],
                                 TerminalSize(80, 24))
            await terminal.start()
            out = b""
            while b"up" not in out:
                out += await terminal.read()
            tree = [terminal.pid] + descendants(terminal.pid)
            print(" ".join(map(str, tree)), flush=True)
            await asyncio.sleep(300)

        compat.run(main())
    """) % (ROOT, HERE)
    server = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                              cwd=str(tmp_path))
    try:
        tree = [int(pid) for pid in server.stdout.readline().split()]
        assert len(tree) >= 3 and all(running(pid) for pid in tree)
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
        server.stdout.close()
    assert wait_gone(tree) == []


def test_start_fails_cleanly_when_the_helper_cannot_run_conhost():
    api = LinuxApi()

    async def main():
        terminal = backend(api)(["/bin/sh"], SIZE,
                                env={"XWTERM_CONHOST": "/nonexistent/conhost.exe"})
        with pytest.raises(TerminalStartError, match="exited with 2 before opening"):
            await terminal.start()
        return terminal

    terminal = run(main())
    assert not os.path.exists(api.pipes[0].name)
    assert not running(terminal.pid)


def test_start_fails_cleanly_when_the_helper_does_not_exist():
    class Missing(ConhostTerminal):
        api = LinuxApi()
        helper_command = ("/nonexistent/python",)

    async def main():
        with pytest.raises(TerminalStartError, match="cannot start the conhost helper"):
            await Missing(["/bin/sh"], SIZE).start()

    run(main())
    assert not os.path.exists(Missing.api.pipes[0].name)


def test_never_started_terminal():
    async def main():
        terminal = backend()(["/bin/sh"], SIZE)
        assert await terminal.read() == b""
        await terminal.write(b"ignored")
        terminal.resize(TerminalSize(90, 20))
        await terminal.close()
        with pytest.raises(RuntimeError):
            await terminal.wait()
        return terminal

    terminal = run(main())
    assert terminal.size == TerminalSize(90, 20) and terminal.pid is None
