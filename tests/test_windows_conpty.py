"""The ConPTY backend's logic on Linux: pywinpty's PtyProcess replaced by a stand-in over a
real pty (real child, real blocking reads and writes in threads), Job Objects by process
trees. What runs here is xwterm's code; pywinpty and Windows themselves are not exercised.
"""

import asyncio
import os
import threading
import time

import pytest

from xwterm import Session, TerminalSize, compat
from xwterm.exceptions import TerminalStartError
from xwterm.terminal import conpty
from xwterm.terminal.conpty import ConPtyTerminal, WinPtyTerminal

from windows_standins import RELAY_READ, LinuxApi, PtyProcessStandIn, descendants

SH = ["/bin/sh"]
SIZE = TerminalSize(80, 24)


class StandInConPty(ConPtyTerminal):
    pty_process_class = PtyProcessStandIn
    api = LinuxApi()


def run(coro, timeout=60):
    return compat.run(asyncio.wait_for(coro, timeout))


async def read_until(terminal, needle):
    out = b""
    while needle not in out:
        data = await terminal.read()
        if not data:
            raise AssertionError("output ended before %r; got %r" % (needle, out[-300:]))
        out += data
    return out


async def read_all(terminal):
    out = b""
    while True:
        data = await terminal.read()
        if not data:
            return out
        out += data


def running(pid):
    """True while ``pid`` exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def bytes_written(pid):
    with open("/proc/%d/io" % pid) as handle:
        for line in handle:
            if line.startswith("wchar:"):
                return int(line.split()[1])
    raise AssertionError("no wchar in /proc/%d/io" % pid)


def backend_threads():
    return [t for t in threading.enumerate()
            if t.name.startswith("conpty-") or t.name == "standin-relay"]


def test_round_trip_resize_and_exit_status_through_session():
    async def main():
        session = Session(SH, size=SIZE, backend=StandInConPty)
        await session.start()
        await session.write("stty size; echo hello-$((6*7))\n")
        first = ""
        while "hello-42" not in first:
            first += await session.read()
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
        return first, rest, status, session

    first, rest, status, session = run(main())
    assert "24 80" in first and "hello-42" in first
    assert "30 100" in rest
    assert status == 7 and session.exit_status == 7
    assert backend_threads() == []


def test_reads_are_large_when_output_is_waiting():
    async def main():
        terminal = StandInConPty(["/bin/sh", "-c", "head -c 300000 /dev/zero | tr '\\0' x"],
                                 SIZE)
        await terminal.start()
        await asyncio.sleep(0.5)  # the relay fills the socket meanwhile
        chunks = []
        while True:
            data = await terminal.read()
            if not data:
                break
            chunks.append(len(data))
        await terminal.close()
        return chunks

    chunks = run(main())
    assert sum(chunks) >= 300000
    assert max(chunks) > RELAY_READ  # one read takes what has accumulated, up to 64 KiB
    assert max(chunks) <= ConPtyTerminal.READ_SIZE


def test_a_consumer_that_stops_reading_stops_the_child():
    async def main():
        terminal = StandInConPty(["yes", "x" * 100], SIZE)
        await terminal.start()
        received = len(await terminal.read())
        await asyncio.sleep(1.0)  # nobody reads: the child fills the buffers and blocks
        written = bytes_written(terminal.pid)
        await asyncio.sleep(0.5)
        still = bytes_written(terminal.pid)
        reader_idle = not terminal._reader.busy
        for _ in range(20):
            received += len(await terminal.read())
        await asyncio.sleep(0.2)
        resumed = bytes_written(terminal.pid)
        await terminal.close()
        return received, written, still, resumed, reader_idle

    received, written, still, resumed, reader_idle = run(main())
    assert reader_idle  # no read is in flight unless someone awaits read()
    assert still == written  # blocked: not one byte more in half a second
    # What sits between the child and us (pty, relay thread, socket) is bounded.
    assert written - received < 8 * 1024 * 1024
    assert resumed > still  # reading again lets it go on


def test_close_ends_the_child_its_children_and_every_thread():
    async def main():
        terminal = StandInConPty(["/bin/sh", "-c", "sleep 300 & echo started; exec cat"], SIZE)
        await terminal.start()
        await read_until(terminal, b"started")
        children = descendants(terminal.pid)
        blocked_read = compat.create_task(terminal.read())  # nothing more comes
        await asyncio.sleep(0.2)
        threads = terminal.threads()
        await terminal.close()
        return terminal, children, await blocked_read, threads

    terminal, children, last, threads = run(main())
    assert children and last == b""
    assert threads and not any(t.is_alive() for t in threads)
    assert backend_threads() == []
    deadline = time.time() + 5
    while any(running(pid) for pid in [terminal.pid] + children) and time.time() < deadline:
        time.sleep(0.05)
    assert not any(running(pid) for pid in [terminal.pid] + children)
    assert terminal.returncode is not None


def test_close_releases_a_write_blocked_on_a_child_that_does_not_read():
    async def main():
        # Raw mode: the line discipline keeps input until read (canonical mode drops
        # what does not fit a line), so the writes block once its buffers are full.
        terminal = StandInConPty(["/bin/sh", "-c", "stty raw -echo; echo ready; sleep 300"],
                                 SIZE)
        await terminal.start()
        await read_until(terminal, b"ready")
        writer = compat.create_task(terminal.write(b"x" * (conpty.WRITE_HIGH_WATER * 2)))
        await asyncio.sleep(0.5)
        blocked = not writer.done() and terminal._writer.busy
        await terminal.close()
        await asyncio.wait_for(writer, 5)
        return terminal, blocked

    terminal, blocked = run(main())
    assert blocked
    assert not any(t.is_alive() for t in terminal.threads())
    assert backend_threads() == []


def test_a_cancelled_read_loses_no_output():
    async def main():
        terminal = StandInConPty(["cat"], SIZE)
        await terminal.start()
        reader = compat.create_task(terminal.read())
        await asyncio.sleep(0.1)
        reader.cancel()
        with pytest.raises(asyncio.CancelledError):
            await reader
        await terminal.write("caf\xc3".encode("latin-1"))  # a character split across
        await terminal.write(b"\xa9\n")  # two writes arrives whole
        out = await read_until(terminal, "café".encode("utf-8"))
        await terminal.close()
        return out

    assert "café".encode("utf-8") in run(main())


def test_one_reader_at_a_time():
    async def main():
        terminal = StandInConPty(["cat"], SIZE)
        await terminal.start()
        first = compat.create_task(terminal.read())
        await asyncio.sleep(0.1)
        with pytest.raises(RuntimeError):
            await terminal.read()
        await terminal.close()
        return await first

    assert run(main()) == b""


def test_exit_by_signal_and_wait():
    async def main():
        terminal = StandInConPty(["/bin/sh", "-c", "kill -9 $$"], SIZE)
        await terminal.start()
        assert await read_all(terminal) == b""
        status = await terminal.wait()
        await terminal.close()
        return status

    assert run(main()) == -9


def test_start_errors():
    async def missing_command():
        await StandInConPty(["no-such-command-xwterm"], SIZE).start()

    with pytest.raises(TerminalStartError, match="not found"):
        run(missing_command())

    class NoPywinpty(ConPtyTerminal):
        api = LinuxApi()

    async def without_pywinpty():
        await NoPywinpty(SH, SIZE).start()

    with pytest.raises(TerminalStartError, match="pip install pywinpty"):
        run(without_pywinpty())

    async def never_started():
        terminal = StandInConPty(SH, SIZE)
        assert await terminal.read() == b""
        await terminal.write(b"ignored")
        await terminal.close()
        with pytest.raises(RuntimeError):
            await terminal.wait()

    run(never_started())


def test_without_a_job_object_the_child_still_ends(caplog):
    class RefusingApi(LinuxApi):
        def create_job(self):
            raise OSError(5, "Access is denied")

    class NoJob(StandInConPty):
        api = RefusingApi()

    async def main():
        terminal = NoJob(["cat"], SIZE)
        await terminal.start()
        await terminal.close()
        return terminal

    terminal = run(main())
    assert "without a job object" in caplog.text
    assert not running(terminal.pid) and terminal.returncode is not None
    assert backend_threads() == []


def test_default_command_is_comspec(monkeypatch):
    monkeypatch.setenv("COMSPEC", r"C:\Tools\tcc.exe")
    assert ConPtyTerminal.default_command() == [r"C:\Tools\tcc.exe"]
    monkeypatch.delenv("COMSPEC")
    assert ConPtyTerminal.default_command() == [r"C:\Windows\System32\cmd.exe"]


def test_spawn_gets_size_cwd_and_environment(tmp_path):
    async def main():
        terminal = StandInConPty(["/bin/sh", "-c", "pwd; echo $XW_TEST; stty size"],
                                 TerminalSize(91, 33), env={"XW_TEST": "seen"},
                                 cwd=str(tmp_path))
        await terminal.start()
        out = await read_all(terminal)
        await terminal.close()
        return out.decode()

    out = run(main())
    assert str(tmp_path) in out and "seen" in out and "33 91" in out
    assert os.path.isdir(str(tmp_path))


def test_the_winpty_backend_asks_pywinpty_for_winpty_and_conpty_leaves_the_choice():
    """pywinpty's spawn(backend=...): 1 (Backend.WinPTY) for --use-winpty; nothing for
    ConPTY, whose own default is ConPTY."""
    class StandInWinPty(WinPtyTerminal):
        pty_process_class = PtyProcessStandIn
        api = LinuxApi()

    async def round_trip(terminal_class):
        terminal = terminal_class(["/bin/sh", "-c", "echo backend-$((40+2))"], SIZE)
        await terminal.start()
        try:
            await read_until(terminal, b"backend-42")
            assert await terminal.wait() == 0
        finally:
            await terminal.close()
        return PtyProcessStandIn.spawned[-1].backend

    assert run(round_trip(StandInWinPty)) == 1
    assert run(round_trip(StandInConPty)) is None

    class NoPywinpty(WinPtyTerminal):
        api = LinuxApi()

    with pytest.raises(TerminalStartError, match="the WinPTY backend needs pywinpty"):
        run(NoPywinpty(SH, SIZE).start())
