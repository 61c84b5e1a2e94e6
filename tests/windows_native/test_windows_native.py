"""The Windows code paths on Windows itself: run by .ci/leg-windows-wine under a Windows
CPython in Wine (XWTERM_EXPECT_WINE=1), and skipped on other OSes.

Real Windows calls throughout: Job Objects, the named signal pipe and its inherited
handle, the console control handler, pywinpty's WinPTY (and, where it works, ConPTY)
consoles running cmd.exe, the conhost helper started as the server starts it. The one
stand-in is conhost.exe itself for the helper's round trip (fake_conhost.py), because
Wine's conhost.exe starts no command; what the real one does under Wine is its own test.
Run with ``--capture=sys``: a child whose stdout is a file dies at start under Wine.
"""

import asyncio
import os
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "win32", reason="Windows only")

if sys.platform == "win32":
    from xwterm import compat
    from xwterm.terminal import TerminalSize, winapi
    from xwterm.terminal.conhost import ConhostTerminal, new_token
    from xwterm.terminal.conpty import ConPtyTerminal, WinPtyTerminal
    from xwterm.terminal.windows import backend_report, best_backend
    from xwterm.terminal.winshared import (format_handle, parse_signal_message,
                                           resize_message)

UNDER_WINE = os.environ.get("XWTERM_EXPECT_WINE") == "1"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
GUARD = 60
ESCAPES = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07]*\x07|[@-Z\\-_])")
CMD = os.environ.get("COMSPEC") or r"C:\Windows\System32\cmd.exe"
SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def run(coro):
    return compat.run(asyncio.wait_for(coro, GUARD))


def plain(data):
    return ESCAPES.sub("", data.decode("utf-8", "replace")).replace("\r", "")


async def read_until(terminal, needle, collected=b""):
    while needle not in plain(collected):
        chunk = await terminal.read()
        assert chunk, "output ended before %r: %r" % (needle, plain(collected)[-400:])
        collected += chunk
    return collected


def size_command():
    return ('"%s" -c "import os; print(\'size=%%d:%%d\' %% tuple(os.get_terminal_size()))"\r'
            % sys.executable)


def wait_exit(process, guard=GUARD):
    return process.wait(guard)


# --- the OS layer ----------------------------------------------------------------------

def test_wine_is_detected_exactly_when_expected():
    version = winapi.wine_version()
    if UNDER_WINE:
        assert version and version[0].isdigit(), version
    else:
        assert version is None


def test_a_job_ends_its_processes_on_terminate_and_on_close():
    for end in ("terminate", "close"):
        child = subprocess.Popen(SLEEPER)
        job = winapi.create_job()
        try:
            job.add_process(child.pid)
            if end == "terminate":
                job.terminate(7)
                assert wait_exit(child) == 7
        finally:
            job.close()
        assert wait_exit(child) is not None  # kill-on-close


def test_a_resize_message_reaches_a_child_through_the_inherited_signal_handle():
    """The helper's path for real: the server's named pipe, the helper's inheritable
    handle, a child started with exactly that handle (a handle list), reading it."""
    name = winapi.new_pipe_name(new_token())
    pipe = winapi.create_signal_pipe(name)
    try:
        assert not pipe.connected()
        handle = winapi.open_signal_pipe(name)
        assert pipe.connected()
        reader = ("import msvcrt, os, sys; fd = msvcrt.open_osfhandle(int(sys.argv[1], 16), "
                  "os.O_RDONLY); data = os.read(fd, 6); "
                  "sys.exit(int.from_bytes(data[2:4], 'little') * 1000 + data[4])")
        try:
            child = winapi.start_with_handle([sys.executable],
                                             ["-c", reader, format_handle(handle)],
                                             "ignored", handle)
        finally:
            winapi.close_handle(handle)
        assert pipe.write(resize_message(TerminalSize(123, 45)))
        assert wait_exit(child) == 123045
        assert parse_signal_message(resize_message((123, 45))) == (8, 123, 45)
    finally:
        pipe.close()


CONSOLE_HANDLER_PROGRAM = """
import asyncio, sys
sys.path.insert(0, sys.argv[1])
from xwterm import compat, consolectrl

async def main():
    stopped = asyncio.get_event_loop().create_future()
    remove = consolectrl.install(asyncio.get_event_loop(), lambda: stopped.set_result(1))
    print("handler " + "installed", flush=True)
    try:
        await asyncio.wait_for(stopped, 60)
    finally:
        remove()
    print("stopped by the " + "console event", flush=True)

compat.run(main())
"""


def test_ctrl_c_in_a_console_reaches_the_console_control_handler(tmp_path):
    """SetConsoleCtrlHandler for real: a program in a WinPTY console installs the
    server's handler; Ctrl-C typed into the console stops its loop."""
    program = tmp_path / "handler.py"
    program.write_text(CONSOLE_HANDLER_PROGRAM)

    async def scenario():
        terminal = WinPtyTerminal([sys.executable, str(program), ROOT], TerminalSize(80, 24))
        await terminal.start()
        try:
            output = await read_until(terminal, "handler installed")
            await terminal.write(b"\x03")
            await read_until(terminal, "stopped by the console event", output)
            return await asyncio.wait_for(terminal.wait(), 30)
        finally:
            await terminal.close()
    assert run(scenario()) == 0


def test_ctrl_c_in_the_servers_console_stops_the_server():
    """The reference server in a console of its own (WinPTY), as a user starts it."""
    async def scenario():
        terminal = WinPtyTerminal([sys.executable, os.path.join(ROOT, "example", "miniserver.py"),
                                   "--bind", "127.0.0.1", "--http", "0", "--ws", "0"],
                                  TerminalSize(200, 50))
        await terminal.start()
        try:
            output = await read_until(terminal, "WebSocket:")
            await terminal.write(b"\x03")
            await read_until(terminal, "shutting down", output)
            return await asyncio.wait_for(terminal.wait(), 30)
        finally:
            await terminal.close()
    assert run(scenario()) == 0


# --- the backends ----------------------------------------------------------------------

def test_the_report_and_the_default_backend():
    report = dict((name, (ok, why)) for name, ok, why in backend_report())
    assert report["winpty"][0], report
    if UNDER_WINE:
        assert not report["conpty"][0] and "Wine" in report["conpty"][1]
        assert not report["conhost"][0] and "Wine" in report["conhost"][1]
        assert best_backend() == "winpty"


@pytest.mark.parametrize("backend", ["winpty", "conpty"])
def test_pywinpty_backends_run_cmd(backend, tmp_path):
    """cmd.exe in a pywinpty console: output, resize, a large output, exit status.
    Under Wine the ConPTY backend runs on WinPTY (pywinpty's own fallback)."""
    big = tmp_path / "big.txt"
    big.write_text("".join("line %05d of the large output\n" % i for i in range(6000)))
    terminal_class = WinPtyTerminal if backend == "winpty" else ConPtyTerminal

    async def scenario():
        terminal = terminal_class([CMD], TerminalSize(100, 30), cwd=str(tmp_path))
        await terminal.start()
        try:
            await terminal.write(b"set /a 1234+4321\r")
            await read_until(terminal, "5555")
            await terminal.write(size_command().encode())
            await read_until(terminal, "size=100:30")
            terminal.resize(TerminalSize(120, 40))
            await terminal.write(size_command().encode())
            await read_until(terminal, "size=120:40")
            await terminal.write(b"type big.txt\r")
            await read_until(terminal, "line 05999 of the large output")
            await terminal.write(b"exit 3\r")
            status = await asyncio.wait_for(terminal.wait(), 30)
        finally:
            await terminal.close()
        assert not any(thread.is_alive() for thread in terminal.threads())
        return status
    assert run(scenario()) == 3


def test_closing_a_pywinpty_session_ends_its_program():
    async def scenario():
        terminal = WinPtyTerminal([CMD], TerminalSize(80, 24))
        await terminal.start()
        await terminal.write(b"set /a 2000+22\r")
        await read_until(terminal, "2022")
        await terminal.close()
        assert not any(thread.is_alive() for thread in terminal.threads())
        return terminal.returncode
    assert run(scenario()) is not None


def fake_conhost():
    return subprocess.list2cmdline([sys.executable, os.path.join(HERE, "fake_conhost.py")])


def test_the_conhost_helper_round_trip_with_a_stand_in_conhost():
    """The real ConhostTerminal: the helper started as the server starts it (python -c
    bootstrap, --conhost-helper), the real signal pipe and job; conhost.exe played by
    fake_conhost.py."""
    async def scenario():
        terminal = ConhostTerminal([CMD], TerminalSize(100, 30),
                                   env={"XWTERM_CONHOST": fake_conhost()})
        await terminal.start()
        try:
            output = await read_until(terminal, "fake conhost 100x30")
            await terminal.write(b"set /a 4000+321\r\n")
            output = await read_until(terminal, "4321", output)
            terminal.resize(TerminalSize(132, 43))
            output = await read_until(terminal, "resized 132x43 (code 8)", output)
            await terminal.write(b"exit 4\r\n")
            return await asyncio.wait_for(terminal.wait(), 30)
        finally:
            await terminal.close()
    assert run(scenario()) == 4


def test_closing_a_conhost_session_ends_helper_conhost_and_program():
    async def scenario():
        terminal = ConhostTerminal(SLEEPER, TerminalSize(80, 24),
                                   env={"XWTERM_CONHOST": fake_conhost()})
        await terminal.start()
        await read_until(terminal, "fake conhost 80x24")
        await terminal.close()
        return terminal.returncode
    assert run(scenario()) is not None


@pytest.mark.skipif(not UNDER_WINE, reason="what Wine's conhost.exe does")
def test_wines_conhost_exe_opens_the_pipe_but_starts_no_command():
    """Under Wine the helper runs and opens the signal pipe (start() returns), then Wine's
    conhost.exe, which only serves CreatePseudoConsole (no ``-- COMMAND``), exits 1."""
    async def scenario():
        terminal = ConhostTerminal([CMD], TerminalSize(80, 24))
        await terminal.start()
        try:
            status = await asyncio.wait_for(terminal.wait(), 30)
            output = await terminal.read()
        finally:
            await terminal.close()
        return status, output
    assert run(scenario()) == (1, b"")


@pytest.mark.skipif(UNDER_WINE, reason="Wine's conhost.exe starts no command")
def test_the_conhost_backend_with_the_real_conhost():
    async def scenario():
        terminal = ConhostTerminal([CMD], TerminalSize(100, 30))
        await terminal.start()
        try:
            await terminal.write(b"set /a 1234+4321\r")
            await read_until(terminal, "5555")
            terminal.resize(TerminalSize(120, 40))
            await terminal.write(size_command().encode())
            await read_until(terminal, "size=120:40")
            await terminal.write(b"exit 3\r")
            return await asyncio.wait_for(terminal.wait(), 30)
        finally:
            await terminal.close()
    assert run(scenario()) == 3
