"""The Windows backends' pure parts, the console control handler, backend selection, the
CLI's refusal outside Windows, the --check report, and the worker thread: on Linux, and
(but for the tests of how things look from Linux) under Windows Python in the Wine leg."""

import asyncio
import os
import subprocess
import sys
import threading

import pytest

from xwterm import TerminalSize, compat, consolectrl, doctor, terminal
from xwterm.exceptions import UnsupportedPlatformError
from xwterm.terminal import conhost, conhost_helper, windows, winapi, winshared
from xwterm.terminal.conhost import ConhostTerminal
from xwterm.terminal.conpty import ConPtyTerminal, WinPtyTerminal
from xwterm.terminal.winshared import (conhost_command_line, conhost_options, format_handle,
                                       helper_arguments, parse_helper_arguments,
                                       parse_signal_message, resize_message)
from xwterm.terminal.worker import BlockingWorker

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WINDOWS = sys.platform == "win32"
not_on_windows = pytest.mark.skipif(WINDOWS, reason="how it looks outside Windows")


def run(coro, timeout=30):
    return compat.run(asyncio.wait_for(coro, timeout))


# --- signal pipe messages, handles, command lines, pipe names -------------------------

def test_resize_message_is_three_little_endian_int16():
    assert resize_message(TerminalSize(120, 40)) == b"\x08\x00\x78\x00\x28\x00"
    assert resize_message((1000, 1)) == b"\x08\x00\xe8\x03\x01\x00"
    assert len(resize_message((80, 24))) == 6
    assert parse_signal_message(resize_message((300, 70))) == (8, 300, 70)
    for bad in ((0, 24), (80, 1001)):
        with pytest.raises(ValueError):
            resize_message(bad)
    with pytest.raises(ValueError):
        parse_signal_message(b"\x08\x00\x50\x00")


def test_handles_are_formatted_as_lower_case_hex():
    assert format_handle(0x1A4) == "0x1a4"
    assert format_handle(4) == "0x4"
    assert conhost_options(120, 40, 0x2C8) == [
        "--headless", "--width", "120", "--height", "40", "--signal", "0x2c8"]


def test_conhost_command_line_appends_the_command_as_it_is():
    line = conhost_command_line([r"C:\Windows\System32\conhost.exe"],
                                conhost_options(120, 40, 0x1A4), 'cmd.exe /k "echo hi"')
    assert line == (r"C:\Windows\System32\conhost.exe --headless --width 120 --height 40 "
                    r'--signal 0x1a4 -- cmd.exe /k "echo hi"')
    spaced = conhost_command_line([r"C:\Program Files\conhost.exe"], [], "cmd.exe")
    assert spaced == r'"C:\Program Files\conhost.exe" -- cmd.exe'


def test_windows_command_lines():
    assert winshared.command_line([r"C:\Program Files\x.exe", "a b", 'say "hi"', ""]) == (
        r'"C:\Program Files\x.exe" "a b" "say \"hi\"" ""')
    assert winshared.split_command_line(r'"C:\Program Files\x.exe" /k dir') == [
        r"C:\Program Files\x.exe", "/k", "dir"]
    assert winshared.split_command_line(r"C:\Windows\System32\cmd.exe /q") == [
        r"C:\Windows\System32\cmd.exe", "/q"]


def test_helper_arguments_round_trip_and_errors():
    args = helper_arguments(r"\\.\pipe\x", "cmd.exe /k", TerminalSize(132, 43))
    assert args == [r"\\.\pipe\x", "cmd.exe /k", "132", "43"]
    assert parse_helper_arguments(args) == (r"\\.\pipe\x", "cmd.exe /k", 132, 43)
    for bad in (args[:3], args + ["x"], args[:2] + ["wide", "43"], args[:2] + ["0", "43"],
                args[:2] + ["80", "1001"], ["", "cmd", "80", "24"]):
        with pytest.raises(ValueError):
            parse_helper_arguments(bad)


def test_pipe_names_are_unique_windows_pipe_paths():
    name = winapi.new_pipe_name(conhost.new_token())
    assert name.startswith(r"\\.\pipe\xwterm-conhost-%d-" % os.getpid())
    tokens = set(conhost.new_token() for _ in range(100))
    assert len(tokens) == 100 and all(len(t) == 16 for t in tokens)
    assert winapi.conhost_argv()[0].endswith(os.path.join("System32", "conhost.exe"))


def test_default_command_and_environment(monkeypatch):
    monkeypatch.setenv("COMSPEC", r"D:\shells\tcc.exe")
    assert winshared.default_command() == [r"D:\shells\tcc.exe"]
    assert ConhostTerminal.default_command() == [r"D:\shells\tcc.exe"]
    assert winshared.default_command({}) == [r"C:\Windows\System32\cmd.exe"]
    monkeypatch.setenv("COLUMNS", "80")
    env = winshared.child_environment({"EXTRA": "1"})
    assert "COLUMNS" not in env and env["EXTRA"] == "1" and env["TERM"]


def test_helper_finds_this_package_without_pythonpath():
    """The helper's Python gets the package's folder as an argument: an embeddable Python
    (a ``._pth`` file) ignores PYTHONPATH."""
    command = ConhostTerminal.helper_command
    assert command[1] == "-c" and command[3] == ROOT and command[4] == "--conhost-helper"
    result = subprocess.run([sys.executable, "-I"] + list(command[1:]) + ["p", "c", "80", "24"],
                            cwd=os.path.dirname(ROOT), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
    assert result.returncode == 2
    if WINDOWS:  # the helper ran, and found no pipe called "p"
        assert "cannot open the signal pipe p" in result.stderr, result.stderr
    else:
        assert "--conhost-helper is only available on Windows" in result.stderr


def test_conhost_program_override():
    class Api(object):
        @staticmethod
        def conhost_argv():
            return [r"C:\Windows\System32\conhost.exe"]

    assert conhost_helper.conhost_program(Api, {}) == [r"C:\Windows\System32\conhost.exe"]
    assert conhost_helper.conhost_program(Api, {"XWTERM_CONHOST": "python3 fake.py"}) == [
        "python3", "fake.py"]
    assert conhost_helper._exit_code(-9) == 137 and conhost_helper._exit_code(3) == 3


def test_helper_usage_error_exits_2(caplog):
    assert conhost_helper.run_helper(["pipe", "cmd"], api=None) == 2
    assert "PIPE COMMAND COLUMNS LINES" in caplog.text


# --- backend selection and the command line -------------------------------------------

@not_on_windows
def test_backend_names_and_selection(monkeypatch):
    from xwterm.terminal.posix import PtyTerminal
    assert terminal.get_backend("pty") is PtyTerminal
    assert terminal.get_backend("conpty") is ConPtyTerminal
    assert terminal.get_backend("conhost") is ConhostTerminal
    assert terminal.get_backend("winpty") is WinPtyTerminal
    with pytest.raises(ValueError):
        terminal.get_backend("winpty-agent")
    assert terminal.default_backend() is PtyTerminal
    for name in ("conpty", "conhost", "winpty"):
        with pytest.raises(UnsupportedPlatformError):
            terminal.select_backend(name)
    monkeypatch.setattr(sys, "platform", "win32")
    # This machine's report, as an old Windows without ConPTY gives it:
    monkeypatch.setattr(windows, "backend_report", lambda: [
        ("conhost", False, "no headless mode"), ("conpty", False, "no ConPTY API"),
        ("winpty", True, "pywinpty 2.0.13")])
    try:
        assert terminal.default_backend() is WinPtyTerminal  # the first that can run
        terminal.select_backend("conpty")
        assert terminal.default_backend() is ConPtyTerminal
        with pytest.raises(UnsupportedPlatformError):
            terminal.select_backend("pty")
    finally:
        terminal.select_backend(None)
    monkeypatch.undo()
    assert terminal.default_backend() is PtyTerminal


@not_on_windows
@pytest.mark.parametrize("args", [["--use-conpty"], ["--use-conhost"], ["--use-winpty"],
                                  ["--conhost-helper", "pipe", "cmd", "80", "24"]])
def test_windows_options_outside_windows_exit_2_with_a_message(args):
    result = subprocess.run([sys.executable, "-m", "xwterm"] + args, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, timeout=60)
    assert result.returncode == 2
    assert "%s is only available on Windows" % args[0] in result.stderr


# --- --check ---------------------------------------------------------------------------

class ReportApi(object):
    def __init__(self, conhost_path, conpty, wine=None):
        self.path, self.conpty, self.wine = conhost_path, conpty, wine

    def conhost_argv(self):
        return [self.path]

    def conpty_available(self):
        return self.conpty

    def wine_version(self):
        return self.wine


def test_check_reports_each_windows_backend(tmp_path):
    present = tmp_path / "conhost.exe"
    present.write_text("")
    pywinpty = type(sys)("winpty")
    pywinpty.__version__ = "2.0.15"
    report = windows.backend_report(ReportApi(str(present), (True, None)), "win32",
                                    lambda: (pywinpty, None))
    assert [(name, ok) for name, ok, _ in report] == [
        ("conhost", True), ("conpty", True), ("winpty", True)]
    assert "pywinpty 2.0.15" in report[1][2] and "pywinpty 2.0.15" in report[2][2]
    ok, text = doctor.windows_terminal_status(report)
    assert ok and "default: conhost" in text

    report = windows.backend_report(ReportApi(str(present), (True, None), wine="8.0"),
                                    "win32", lambda: (pywinpty, None))
    assert [(name, ok) for name, ok, _ in report] == [
        ("conhost", False), ("conpty", False), ("winpty", True)]
    assert "Wine 8.0" in report[0][2] and "Wine 8.0" in report[1][2]
    assert windows.best_backend(report) == "winpty"

    report = windows.backend_report(
        ReportApi(str(present), (False, "needs Windows 10 1809")), "win32",
        lambda: (pywinpty, None))
    assert [(name, ok) for name, ok, _ in report] == [
        ("conhost", False), ("conpty", False), ("winpty", True)]
    ok, text = doctor.windows_terminal_status(report)
    assert ok and "default: winpty" in text and "no headless mode" in text
    assert windows.best_backend(report) == "winpty"

    report = windows.backend_report(
        ReportApi(str(tmp_path / "missing.exe"), (False, "needs Windows 10 1809")), "win32",
        lambda: (None, "No module named 'winpty'"))
    ok, text = doctor.windows_terminal_status(report)
    assert not ok
    assert "conhost cannot run: %s not found" % (tmp_path / "missing.exe") in text
    assert "conpty cannot run: needs Windows 10 1809" in text
    assert "winpty cannot run: pywinpty is missing" in text and "default" not in text
    assert windows.best_backend(report) == "conhost"  # whose start then says why

    report = windows.backend_report(ReportApi(str(present), (True, None)), "win32",
                                    lambda: (None, "No module named 'winpty'"))
    ok, text = doctor.windows_terminal_status(report)
    assert ok and "pip install pywinpty" in text


@not_on_windows
def test_check_outside_windows():
    assert windows.backend_report() == [("conhost", False, "Windows only"),
                                        ("conpty", False, "Windows only"),
                                        ("winpty", False, "Windows only")]
    assert winapi.wine_version() is None
    assert winapi.conpty_available() == (False, "not Windows")


# --- the console control handler -------------------------------------------------------

class ConsoleApi(object):
    """Records the handler as SetConsoleCtrlHandler would."""

    def __init__(self):
        self.handlers = []

    def add_console_ctrl_handler(self, handler):
        self.handlers.append(handler)
        return lambda: self.handlers.remove(handler)


def test_console_events_from_another_thread_stop_the_loop():
    api = ConsoleApi()

    async def main():
        stopped = asyncio.Event()
        remove = consolectrl.install(compat.get_running_loop(), stopped.set, api=api)
        handler = api.handlers[0]
        answers = {}

        def windows_calls(event):  # Windows runs handlers on a thread of its own
            answers[event] = handler(event)

        for event in (winapi.CTRL_BREAK_EVENT, 3):  # 3 is not an event we handle
            thread = threading.Thread(target=windows_calls, args=(event,))
            thread.start()
            thread.join()
        await asyncio.wait_for(stopped.wait(), 5)
        remove()
        return answers, handler

    answers, handler = run(main())
    assert answers == {winapi.CTRL_BREAK_EVENT: True, 3: False}
    assert api.handlers == []
    assert handler(winapi.CTRL_C_EVENT) is False  # its loop is closed: Windows' default acts


def test_console_handler_outside_windows_and_when_refused(caplog):
    class Refusing(object):
        @staticmethod
        def add_console_ctrl_handler(handler):
            raise OSError(5, "Access is denied")

    async def main():
        loop = compat.get_running_loop()
        consolectrl.install(loop, lambda: None)()  # no-op on Linux
        consolectrl.install(loop, lambda: None, api=Refusing)()

    run(main())
    assert "no console control handler" in caplog.text


# --- the worker thread -----------------------------------------------------------------

def test_worker_runs_one_call_at_a_time_and_ends():
    release = threading.Event()

    async def main():
        worker = BlockingWorker("test-worker")
        assert await worker.submit(lambda x: x * 2, 21) == 42
        blocked = worker.submit(release.wait, 10)
        assert worker.busy
        with pytest.raises(RuntimeError):
            worker.submit(len, "x")
        release.set()
        assert await blocked is True
        with pytest.raises(ZeroDivisionError):
            await worker.submit(lambda: 1 / 0)
        assert await worker.wait_stopped(5)
        with pytest.raises(RuntimeError):
            worker.submit(len, "x")
        return worker

    worker = run(main())
    assert not worker.thread.is_alive()
    assert run(BlockingWorker("never-started").wait_stopped(1))


def test_worker_that_stays_blocked_is_reported(caplog):
    release = threading.Event()

    async def main():
        worker = BlockingWorker("stuck-worker")
        worker.submit(release.wait, 30)
        stopped = await worker.wait_stopped(0.2)
        release.set()
        return stopped, worker

    stopped, worker = run(main())
    worker.thread.join(5)
    assert not stopped and "stuck-worker is still blocked" in caplog.text


# --- Python 3.6 ------------------------------------------------------------------------

WINDOWS_MODULES = ["xwterm/terminal/%s.py" % name for name in (
    "__init__", "winshared", "winapi", "worker", "windows", "conpty", "conhost",
    "conhost_helper")] + [
    "xwterm/consolectrl.py", "xwterm/cli.py", "xwterm/doctor.py", "xwterm/server.py",
    "tests/windows_standins.py", "tests/windows_fake_conhost.py",
    "tests/windows_helper_standin.py", "tests/windows_py36_smoke.py"]


def _python36():
    """The Python 3.6 interpreter CI uses, or skip."""
    try:
        python36 = subprocess.run(["bash", os.path.join(ROOT, ".ci", "pyenv-python"), "3.6"],
                                  stdout=subprocess.PIPE, universal_newlines=True,
                                  timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        python36 = ""
    if not python36 or not os.path.exists(python36):
        pytest.skip("no Python 3.6 here")
    return python36


@not_on_windows
def test_windows_modules_parse_on_python_3_6():
    python36 = _python36()
    check = "import ast, sys\nfor path in sys.argv[1:]:\n    ast.parse(open(path).read(), path)"
    result = subprocess.run([python36, "-c", check] + WINDOWS_MODULES, cwd=ROOT,
                            stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_server_installs_the_console_handler_where_the_loop_has_no_signal_handlers(
        monkeypatch):
    """What Windows' loops do: add_signal_handler raises NotImplementedError."""
    from xwterm.server import Server, ServerConfig
    calls = []

    def install(loop, request_stop):
        calls.append(("install", request_stop))
        return lambda: calls.append(("remove",))

    monkeypatch.setattr(consolectrl, "install", install)

    async def main():
        loop = compat.get_running_loop()

        def no_signal_handlers(*args):
            raise NotImplementedError

        monkeypatch.setattr(loop, "add_signal_handler", no_signal_handlers)
        server = Server(ServerConfig(), have_aiohttp=False, have_websockets=False)
        restore = server._handle_signals()
        installed = list(calls)
        restore()
        return server, installed

    server, installed = run(main())
    assert installed == [("install", server.request_stop)]
    assert calls[-1] == ("remove",)


@not_on_windows
def test_backends_run_on_python_3_6():
    python36 = _python36()
    result = subprocess.run([python36, os.path.join(ROOT, "tests", "windows_py36_smoke.py")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True, timeout=120)
    assert result.stdout.split("\n")[:2] == ["conpty ok", "conhost ok"], (
        result.stdout + result.stderr)


# --- the terminal package's import graph -------------------------------------------------

def test_terminal_package_imports_form_no_circle():
    """Every import inside xwterm/terminal, the lazy ones included, points one way."""
    import ast
    folder = os.path.join(ROOT, "xwterm", "terminal")
    graph = {}
    for filename in os.listdir(folder):
        if filename.endswith(".py"):
            with open(os.path.join(folder, filename)) as handle:
                tree = ast.parse(handle.read())
            graph[filename[:-3]] = set(
                (node.module or alias.name).split(".")[0]
                for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 1
                for alias in node.names)
    assert graph["winshared"] == {"base"} and "windows" not in set().union(
        *(graph[name] for name in ("conhost", "conpty", "conhost_helper", "winapi")))
    done, visiting = set(), []

    def visit(module):
        assert module not in visiting, "import circle: %s" % " -> ".join(visiting + [module])
        if module not in done:
            visiting.append(module)
            for imported in graph.get(module, ()):
                visit(imported)
            visiting.pop()
            done.add(module)

    for module in graph:
        visit(module)
