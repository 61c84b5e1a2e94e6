"""The ConPTY and WinPTY backends: a child in a Windows pseudo console, through pywinpty's
PtyProcess (ConPTY on Windows 10 1809+; WinPTY's agent, which pywinpty ships, before that).

pywinpty's calls block (a read waits for output, a write for room in the console's input
pipe), so they run in two threads of this session's own (``BlockingWorker``), never in the
loop and never in the loop's shared executor. Reads are pulled: one read of up to
READ_SIZE is in flight only while someone awaits ``read()``; when nobody does, nothing
reads, pywinpty's relay socket fills up and the child blocks on its next write (the same
flow control as the pty backend). Input waits in a bounded queue drained by the write
thread. The child and everything it starts run in a Job Object that ``close()`` ends.

Seams (for tests on Linux): ``pty_process_class`` (pywinpty's ``PtyProcess`` by default)
and ``api`` (``xwterm.terminal.winapi`` by default).
"""

import asyncio
import codecs
import collections
import functools
import logging
import socket
import threading

from ..compat import create_task, get_running_loop
from ..exceptions import TerminalStartError
from . import winshared
from .base import Terminal, checked_size
from .worker import BlockingWorker

log = logging.getLogger(__name__)

#: Pending input above which ``write`` waits for the child to read (bytes).
WRITE_HIGH_WATER = 256 * 1024
#: ``write`` resumes once pending input falls to this (bytes).
WRITE_LOW_WATER = 64 * 1024
#: Most input handed to one blocking write (bytes).
WRITE_CHUNK = 64 * 1024
#: Seconds between exit checks while the child runs, and soon after output ended.
EXIT_POLL_IDLE = 0.5
EXIT_POLL_AFTER_EOF = 0.02
#: Seconds close() waits for the child's exit status and for its threads to end.
CLOSE_GRACE = 5.0


#: pywinpty's number for its WinPTY backend (``winpty.Backend.WinPTY``).
PYWINPTY_WINPTY = 1


def _load_pty_process(label):
    try:
        from winpty import PtyProcess
    except ImportError as error:
        raise TerminalStartError("the %s backend needs pywinpty (pip install pywinpty): %s"
                                 % (label, error))
    return PtyProcess


def _consume_result(future):
    """A read still pending at close ends with an error nobody awaits: take it."""
    if not future.cancelled():
        future.exception()


def _close_pty_process(process):
    """Runs in a thread: wake a read blocked on pywinpty's relay socket, then close it
    (PtyProcess.close sleeps, and terminates the child if it still runs)."""
    relay = getattr(process, "fileobj", None)
    if relay is not None:
        try:
            relay.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    try:
        process.close(force=True)
    except Exception as error:  # pywinpty raises what it likes; the job is the real kill
        log.debug("closing pid %s: %r", process.pid, error)


class ConPtyTerminal(Terminal):
    """A command in a Windows pseudo console (ConPTY), driven from worker threads."""

    #: For messages.
    label = "ConPTY"
    #: pywinpty's ``backend`` argument; None: its own choice, ConPTY (which, where ConPTY
    #: fails to start, it replaces with WinPTY without saying so).
    pywinpty_backend = None
    #: The PtyProcess class; None: pywinpty's, imported on first start.
    pty_process_class = None
    #: The OS layer; None: xwterm.terminal.winapi.
    api = None

    def __init__(self, argv, size, env=None, cwd=None):
        Terminal.__init__(self, argv, size, env, cwd)
        self._process = None
        self._pid = None
        self._returncode = None
        self._job = None
        self._reader = BlockingWorker("conpty-read")
        self._writer = BlockingWorker("conpty-write")
        self._pending_read = None
        self._reading = False
        self._output_done = False
        self._input = collections.deque()
        self._input_pending = 0
        self._input_decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._pump = None
        self._drain_waiter = None
        self._exited = None
        self._poll_handle = None
        self._closing = None

    @classmethod
    def default_command(cls):
        return winshared.default_command()

    @property
    def pid(self):
        return self._pid

    @property
    def returncode(self):
        return self._returncode

    def threads(self):
        """The threads this terminal started (to check that close() ended them)."""
        return [t for t in (self._reader.thread, self._writer.thread) if t is not None]

    def _api(self):
        if self.api is not None:
            return self.api
        from . import winapi
        return winapi

    async def start(self):
        if self._process is not None:
            return
        loop = get_running_loop()
        pty_process_class = self.pty_process_class or _load_pty_process(self.label)
        options = {}
        if self.pywinpty_backend is not None:
            options["backend"] = self.pywinpty_backend
        spawn = functools.partial(
            pty_process_class.spawn, list(self.argv), cwd=self.cwd,
            env=winshared.child_environment(self.env),
            dimensions=(self.size.lines, self.size.columns), **options)
        spawning = loop.run_in_executor(None, spawn)
        try:
            process = await asyncio.shield(spawning)
        except asyncio.CancelledError:
            spawning.add_done_callback(self._close_orphan)
            raise
        except Exception as error:  # FileNotFoundError, pywinpty's WinptyError, OSError
            raise TerminalStartError("cannot start %s: %s" % (" ".join(self.argv), error))
        self._process = process
        self._pid = process.pid
        self._job = self._make_job(process.pid)
        self._exited = loop.create_future()
        self._schedule_exit_poll(EXIT_POLL_IDLE)
        log.debug("started pid %s in a %s console: %s", self._pid, self.label, self.argv)

    @staticmethod
    def _close_orphan(spawning):
        """A start() cancelled while pywinpty was spawning: end what it started."""
        if not spawning.cancelled() and spawning.exception() is None:
            threading.Thread(target=_close_pty_process, args=(spawning.result(),),
                             name="conpty-orphan", daemon=True).start()

    def _make_job(self, pid):
        """A kill-on-close job holding the child; None (and a warning) if Windows refuses."""
        job = None
        try:
            job = self._api().create_job()
            job.add_process(pid)
            return job
        except OSError as error:
            log.warning("pid %s runs without a job object (%s): processes it starts may "
                        "outlive the session", pid, error)
            if job is not None:
                job.close()
            return None

    def _schedule_exit_poll(self, delay):
        if self._poll_handle is not None:
            self._poll_handle.cancel()
        self._poll_handle = get_running_loop().call_later(delay, self._poll_exit, delay)

    def _poll_exit(self, delay):
        """pywinpty offers no exit notification: ask (GetExitCodeProcess, no wait)."""
        self._poll_handle = None
        if self._exited.done() or self._process is None:
            return
        status = self._exit_status()
        if status is None:
            self._schedule_exit_poll(min(delay * 2, EXIT_POLL_IDLE))
        else:
            self._set_exited(status)

    def _exit_status(self):
        try:
            return self._process.exitstatus
        except Exception as error:
            log.debug("exit status of pid %s: %r", self._pid, error)
            return None

    def _set_exited(self, status):
        if not self._exited.done():
            self._returncode = status
            log.debug("pid %s exited with %s", self._pid, status)
            self._exited.set_result(status)

    async def read(self):
        if self._reading:
            raise RuntimeError("another coroutine is already reading this terminal")
        self._reading = True
        try:
            while self._process is not None and not self._output_done:
                if self._pending_read is None:
                    try:
                        self._pending_read = self._reader.submit(self._process.read,
                                                                 self.READ_SIZE)
                    except RuntimeError:  # the reader was stopped by close()
                        break
                pending = self._pending_read
                try:
                    text = await asyncio.shield(pending)
                except asyncio.CancelledError:
                    raise  # the read goes on; the next read() gets its result
                except Exception as error:  # EOFError at the end; OSError once closed
                    self._pending_read = None
                    self._end_of_output(error)
                    break
                self._pending_read = None
                if text:  # pywinpty returns '' for its keep-alive packets
                    return text.encode("utf-8", "surrogatepass")
        finally:
            self._reading = False
        return b""

    def _end_of_output(self, error):
        if not isinstance(error, EOFError) and self._closing is None:
            log.debug("reading pid %s failed: %r", self._pid, error)
        self._output_done = True
        if self._exited is not None and not self._exited.done():
            self._schedule_exit_poll(EXIT_POLL_AFTER_EOF)

    async def write(self, data):
        if self._process is None or self._closing is not None or not data:
            return
        text = self._input_decoder.decode(bytes(data))
        if not text:
            return  # the start of a character split across writes
        self._input.append((text, len(data)))
        self._input_pending += len(data)
        if self._pump is None:
            self._pump = create_task(self._pump_input(), name="conpty-input")
        while self._input_pending > WRITE_HIGH_WATER and self._closing is None:
            # One future shared by every waiting writer (shielded: a cancelled writer
            # does not cancel it for the others).
            if self._drain_waiter is None or self._drain_waiter.done():
                self._drain_waiter = get_running_loop().create_future()
            await asyncio.shield(self._drain_waiter)

    async def _pump_input(self):
        """Hand queued input to the write thread, up to WRITE_CHUNK per blocking write."""
        try:
            while self._input and self._closing is None:
                text, size = self._take_input()
                try:
                    await asyncio.shield(self._writer.submit(self._process.write, text))
                except asyncio.CancelledError:
                    raise
                except Exception as error:  # EOFError/OSError: the console has gone
                    log.debug("dropping %d bytes of input for pid %s: %r",
                              self._input_pending, self._pid, error)
                    self._drop_input()
                    break
                self._input_pending -= size
                if self._input_pending <= WRITE_LOW_WATER:
                    self._wake(self._drain_waiter)
        finally:
            self._pump = None
            self._wake(self._drain_waiter)

    def _take_input(self):
        texts, size = [], 0
        while self._input and size < WRITE_CHUNK:
            text, nbytes = self._input.popleft()
            texts.append(text)
            size += nbytes
        return "".join(texts), size

    def _drop_input(self):
        self._input.clear()
        self._input_pending = 0

    @staticmethod
    def _wake(waiter):
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def resize(self, size):
        size = checked_size(size)
        self.size = size
        if self._process is not None and self._closing is None:
            try:
                self._process.setwinsize(size.lines, size.columns)
            except Exception as error:
                log.warning("resizing the console of pid %s failed: %r", self._pid, error)

    async def wait(self):
        if self._exited is None:
            raise RuntimeError("terminal was never started")
        return await asyncio.shield(self._exited)

    async def close(self):
        if self._process is None and self._closing is None:
            return
        if self._closing is None:
            # A task of its own: a cancelled caller must not stop the kill and the cleanup.
            self._closing = create_task(self._close_console(), name="conpty-close")
        await asyncio.shield(self._closing)

    async def _close_console(self):
        loop = get_running_loop()
        process = self._process
        self._drop_input()
        self._wake(self._drain_waiter)
        try:
            if self._job is not None:
                self._job.terminate(1)  # the child and everything it started
            await loop.run_in_executor(None, _close_pty_process, process)
            for worker in (self._reader, self._writer):
                await worker.wait_stopped(CLOSE_GRACE)
            await self._await_exit_status()
        finally:
            if self._job is not None:
                self._job.close()
                self._job = None
            if self._poll_handle is not None:
                self._poll_handle.cancel()
                self._poll_handle = None
            self._output_done = True
            if self._pending_read is not None:
                self._pending_read.add_done_callback(_consume_result)
                self._pending_read = None
            self._process = None  # lets pywinpty drop the pseudo console
            if not self._exited.done():
                log.warning("pid %s: no exit status after close", self._pid)
                self._set_exited(None)

    async def _await_exit_status(self):
        deadline = get_running_loop().time() + CLOSE_GRACE
        while not self._exited.done():
            status = self._exit_status()
            if status is not None:
                self._set_exited(status)
            elif get_running_loop().time() > deadline:
                return
            else:
                await asyncio.sleep(EXIT_POLL_AFTER_EOF)


class WinPtyTerminal(ConPtyTerminal):
    """A command in a WinPTY console: pywinpty's winpty-agent keeps a hidden console and
    turns its screen into terminal output. For Windows before 10 1809 (no ConPTY), and
    where ConPTY does not work (Wine)."""

    label = "WinPTY"
    pywinpty_backend = PYWINPTY_WINPTY
