"""The conhost backend: a child in a headless conhost.exe, started through a helper.

The server starts ``python -c BOOTSTRAP --conhost-helper PIPE COMMAND COLUMNS LINES`` with
stdin/stdout pipes (``asyncio.create_subprocess_exec``; overlapped pipes on the proactor
loop, so no thread is needed). The helper opens the named pipe PIPE, which the server
created, and starts ``conhost.exe --headless --width W --height H --signal 0xHANDLE --
COMMAND`` with that handle inherited and its own stdin/stdout (see conhost_helper.py).
asyncio cannot pass extra handles to a child, hence the helper. A resize is one 6-byte
message on the signal pipe. The helper, conhost and the command run in a Job Object the
server holds: closing the session, or the server dying, ends all of them.

Seams (for tests on Linux): ``api`` (``xwterm.terminal.winapi`` by default) and
``helper_command`` (the argument list before PIPE).
"""

import asyncio
import binascii
import logging
import os
import sys

from ..compat import create_task, get_running_loop
from ..exceptions import TerminalStartError
from . import winshared
from .base import Terminal, checked_size
from .winshared import helper_arguments, resize_message

log = logging.getLogger(__name__)

#: Pending input above which ``write`` waits for conhost to read (bytes).
WRITE_HIGH_WATER = 256 * 1024
WRITE_LOW_WATER = 64 * 1024
#: Seconds the helper has to open the signal pipe before start() gives up.
CONNECT_TIMEOUT = 10.0
CONNECT_POLL = 0.01
#: Seconds between closing the signal pipe (conhost then ends its console) and the kill.
CLOSE_GRACE = 2.0
#: Seconds between exit checks (growing from the first to the second).
EXIT_POLL_FIRST = 0.02
EXIT_POLL_IDLE = 0.5
#: The folder that holds the xwterm package (this checkout, or site-packages).
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
#: What the helper's Python runs: this package, found through the path given first (not
#: PYTHONPATH, which an embeddable Python ignores when its ``._pth`` file exists).
HELPER_BOOTSTRAP = ("import sys; sys.path.insert(0, sys.argv.pop(1)); "
                    "from xwterm.cli import main; sys.exit(main(sys.argv[1:]))")


def new_token():
    return binascii.hexlify(os.urandom(8)).decode("ascii")


class ConhostTerminal(Terminal):
    """A command in a headless conhost.exe, reached through pipes of a helper process."""

    #: The OS layer; None: xwterm.terminal.winapi.
    api = None
    #: The command that starts the helper, before its four arguments.
    helper_command = (sys.executable, "-c", HELPER_BOOTSTRAP, PACKAGE_PARENT, "--conhost-helper")

    def __init__(self, argv, size, env=None, cwd=None):
        Terminal.__init__(self, argv, size, env, cwd)
        self._process = None
        self._job = None
        self._signal = None
        self._drain = None
        self._closing = None

    @classmethod
    def default_command(cls):
        return winshared.default_command()

    @property
    def pid(self):
        """The helper's process id (conhost and the command are its children)."""
        return self._process.pid if self._process is not None else None

    @property
    def returncode(self):
        return self._process.returncode if self._process is not None else None

    def _api(self):
        if self.api is not None:
            return self.api
        from . import winapi
        return winapi

    async def start(self):
        if self._process is not None:
            return
        api = self._api()
        pipe = api.new_pipe_name(new_token())
        try:
            self._signal = api.create_signal_pipe(pipe)
        except OSError as error:
            raise TerminalStartError("cannot create the signal pipe %s: %s" % (pipe, error))
        argv = list(self.helper_command) + helper_arguments(
            pipe, winshared.command_line(self.argv), self.size)
        try:
            self._process = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                env=winshared.child_environment(self.env), cwd=self.cwd,
                **api.helper_spawn_options())
        except (OSError, ValueError) as error:
            self._close_signal()
            raise TerminalStartError("cannot start the conhost helper for %s: %s"
                                     % (" ".join(self.argv), error))
        except BaseException:
            self._close_signal()
            raise
        self._job = self._make_job(self._process.pid)
        transport = self._process.stdin.transport
        transport.set_write_buffer_limits(high=WRITE_HIGH_WATER, low=WRITE_LOW_WATER)
        try:
            await self._await_helper_connection(pipe)
        except BaseException:
            await self._close_helper()
            raise
        log.debug("conhost helper pid %d runs %s", self._process.pid, self.argv)

    def _make_job(self, pid):
        job = None
        try:
            job = self._api().create_job()
            job.add_process(pid)
            return job
        except OSError as error:
            log.warning("conhost helper %d runs without a job object (%s): its processes "
                        "may outlive the session", pid, error)
            if job is not None:
                job.close()
            return None

    async def _await_helper_connection(self, pipe):
        """Wait until the helper has opened the signal pipe (so resizes reach conhost);
        a helper that exits first failed to start conhost: TerminalStartError."""
        deadline = get_running_loop().time() + CONNECT_TIMEOUT
        while not self._signal.connected():
            if self._process.returncode is not None:
                raise TerminalStartError("the conhost helper for %s exited with %s before "
                                         "opening %s" % (" ".join(self.argv),
                                                         self._process.returncode, pipe))
            if get_running_loop().time() > deadline:
                raise TerminalStartError("the conhost helper did not open %s within %.0f s"
                                         % (pipe, CONNECT_TIMEOUT))
            await asyncio.sleep(CONNECT_POLL)

    async def read(self):
        if self._process is None:
            return b""
        try:
            return await self._process.stdout.read(self.READ_SIZE)
        except (ConnectionError, OSError) as error:
            log.debug("reading from the conhost helper %d failed: %r", self.pid, error)
            return b""

    async def write(self, data):
        if self._process is None or self._closing is not None or not data:
            return
        stdin = self._process.stdin
        if stdin.transport.is_closing():
            return
        try:
            stdin.write(bytes(data))
        except (ConnectionError, OSError, RuntimeError) as error:
            log.debug("dropping input for the conhost helper %d: %r", self.pid, error)
            return
        if stdin.transport.get_write_buffer_size() <= WRITE_HIGH_WATER:
            return
        # One drain shared by every waiting writer: StreamWriter.drain() allows only one
        # waiter on older Pythons.
        if self._drain is None or self._drain.done():
            self._drain = create_task(self._drain_input(), name="conhost-drain")
        await asyncio.shield(self._drain)

    async def _drain_input(self):
        try:
            await self._process.stdin.drain()
        except (ConnectionError, OSError) as error:
            log.debug("conhost helper %d stopped reading input: %r", self.pid, error)

    def resize(self, size):
        size = checked_size(size)
        self.size = size
        if self._signal is not None and self._closing is None:
            try:
                sent = self._signal.write(resize_message(size))
            except OSError as error:
                sent = False
                log.debug("signal pipe write failed: %r", error)
            if not sent:
                log.warning("resize to %dx%d not delivered to conhost (signal pipe full or "
                            "closed)", size.columns, size.lines)

    async def wait(self):
        if self._process is None:
            raise RuntimeError("terminal was never started")
        await self._exits_within(None)
        return self._process.returncode

    async def _exits_within(self, seconds):
        """Wait for the helper's exit (at most ``seconds``, None: no limit); True if it did.

        Not ``Process.wait()``: that also waits for stdout's end-of-file, which never
        comes while nobody reads stdout. ``returncode`` is set at the exit itself.
        """
        loop = get_running_loop()
        deadline = None if seconds is None else loop.time() + seconds
        delay = EXIT_POLL_FIRST
        while self._process.returncode is None:
            if deadline is not None and loop.time() >= deadline:
                return False
            await asyncio.sleep(delay)
            delay = min(delay * 2, EXIT_POLL_IDLE)
        return True

    async def close(self):
        if self._process is None:
            return
        if self._closing is None:
            self._closing = create_task(self._close_helper(), name="conhost-close")
        await asyncio.shield(self._closing)

    async def _close_helper(self):
        """Close the signal pipe (conhost ends its console: the polite way), then end the
        job (helper, conhost, the command and all it started), reap, release the pipes."""
        process = self._process
        try:
            self._close_signal()
            await self._exits_within(CLOSE_GRACE)
            if self._job is not None:
                self._job.terminate(1)
            elif process.returncode is None:
                try:
                    process.kill()
                except ProcessLookupError:
                    pass
            if not await self._exits_within(CLOSE_GRACE):
                log.warning("conhost helper %d still runs after being killed", process.pid)
        finally:
            if self._job is not None:
                self._job.close()
                self._job = None
            # Closing asyncio's transport closes the pipes too, even an unread stdout
            # (whose end-of-file Process.wait() would otherwise wait for forever).
            transport = getattr(process, "_transport", None)
            if transport is not None:
                transport.close()

    def _close_signal(self):
        if self._signal is not None:
            try:
                self._signal.close()
            finally:
                self._signal = None
