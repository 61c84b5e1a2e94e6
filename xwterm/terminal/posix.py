"""The Linux/Unix backend: a child process in its own session on a pty.

All I/O on the master side is non-blocking and driven by the event loop's reader and
writer callbacks, so no thread is needed. Exit is noticed through a pidfd where Python and
the kernel have one (3.9+, Linux 5.3+), otherwise by polling ``waitpid(WNOHANG)``.
"""

import asyncio
import collections
import errno
import fcntl
import logging
import os
import signal
import struct
import subprocess
import sys
import termios

from ..compat import create_task, get_running_loop
from ..exceptions import TerminalStartError
from .base import Terminal, checked_size
from .procscan import SessionScans

log = logging.getLogger(__name__)

#: Pending input above which ``write`` waits for the shell to read (bytes).
WRITE_HIGH_WATER = 256 * 1024
#: ``write`` resumes once pending input falls to this (bytes).
WRITE_LOW_WATER = 64 * 1024
#: Input is queued in slices of this many bytes, each waiting for room on its own.
WRITE_SLICE = 64 * 1024
#: Seconds between SIGHUP and SIGKILL when a session is closed.
CLOSE_GRACE = 2.0
#: Seconds between exit checks when no pidfd is available (slower while output flows).
EXIT_POLL_IDLE = 1.0
EXIT_POLL_AFTER_EOF = 0.01
#: A first read this short emptied the pty (a flood reads ~4 KiB at a time): an echo.
_FLOOD_READ = 1024

_FALLBACK_SHELLS = ("/bin/bash", "/bin/sh")


def _acquire_controlling_tty():
    """Runs in the child after setsid(): make the pty on fd 0 its controlling terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _find_executable(name, env):
    """``name`` as ``subprocess.Popen`` would exec it with ``env`` (PATH from env); or None."""
    if os.path.dirname(name):
        return name
    for directory in os.get_exec_path(env):
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def _spawn_on_pty(argv, slave, env, cwd):
    """Start ``argv`` in a new session whose controlling terminal is the pty ``slave``,
    through posix_spawn; None where that cannot give the same child as the Popen path.

    ``Popen(preexec_fn=...)`` must fork() the whole server and run Python in the child,
    which blocks the event loop for ~10 ms per session on a 40 MB server; posix_spawn
    (vfork + exec) takes ~0.2 ms. The child is the same: setsid() happens before the file
    actions (glibc and musl), and on Linux a session leader without a controlling
    terminal that opens a tty (no O_NOCTTY) gets it as its controlling terminal -- what
    TIOCSCTTY did. Signals Python ignores get their default back (restore_signals), and
    inheritable descriptors other than 0-2 are closed (close_fds). Needs Linux, Python 3.8+
    (``setsid``), and no ``cwd`` (posix_spawn cannot chdir).
    """
    spawn = getattr(os, "posix_spawn", None)
    if (spawn is None or cwd is not None or not sys.platform.startswith("linux")
            or not hasattr(os, "POSIX_SPAWN_OPEN")):
        return None
    path = _find_executable(argv[0], env)
    if path is None:
        return None  # Popen reports the error
    actions = [(os.POSIX_SPAWN_OPEN, 0, os.ttyname(slave), os.O_RDWR, 0),
               (os.POSIX_SPAWN_DUP2, 0, 1),
               (os.POSIX_SPAWN_DUP2, 0, 2)]
    actions.extend((os.POSIX_SPAWN_CLOSE, fd) for fd in _inheritable_fds())
    defaults = [getattr(signal, name) for name in ("SIGPIPE", "SIGXFZ", "SIGXFSZ")
                if hasattr(signal, name)]
    try:
        pid = spawn(path, list(argv), env, file_actions=actions, setsid=True,
                    setsigdef=defaults)
    except NotImplementedError:
        return None
    return _SpawnedChild(pid)


def _inheritable_fds():
    """Descriptors above 2 that an exec would pass on (Python's own are not inheritable)."""
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return []
    found = []
    for name in names:
        fd = int(name)
        if fd > 2:
            try:
                if os.get_inheritable(fd):
                    found.append(fd)
            except OSError:
                pass  # the listdir descriptor itself, already closed
    return found


class _SpawnedChild(object):
    """What the backend uses of ``subprocess.Popen`` (pid, returncode, poll), for a pid."""

    def __init__(self, pid):
        self.pid = pid
        self.returncode = None

    def poll(self):
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = 0  # reaped elsewhere (SIGCHLD ignored): as Popen does
                return self.returncode
            if pid == self.pid:
                if os.WIFSIGNALED(status):
                    self.returncode = -os.WTERMSIG(status)
                elif os.WIFEXITED(status):
                    self.returncode = os.WEXITSTATUS(status)
        return self.returncode


def _set_window_size(fd, size):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", size.lines, size.columns, 0, 0))


def _is_executable(path):
    return bool(path) and os.path.isfile(path) and os.access(path, os.X_OK)


class PtyTerminal(Terminal):
    """A command in a new session whose controlling terminal is a fresh pty."""

    def __init__(self, argv, size, env=None, cwd=None):
        Terminal.__init__(self, argv, size, env, cwd)
        self._proc = None
        self._master = None
        self._pidfd = None
        self._poll_handle = None
        self._exited = None
        self._read_waiter = None
        self._reader_registered = False
        self._pending = b""
        #: Whether the last read emptied the pty (the next read waits for it at once).
        self._drained = False
        self._write_queue = collections.deque()
        self._write_pending = 0
        self._writer_registered = False
        self._drain_waiter = None
        self._closing = None

    @classmethod
    def default_command(cls):
        shell = os.environ.get("SHELL")
        if _is_executable(shell):
            return [shell]
        for candidate in _FALLBACK_SHELLS:
            if _is_executable(candidate):
                return [candidate]
        raise TerminalStartError("no shell found: $SHELL is unset and neither %s exists"
                                 % " nor ".join(_FALLBACK_SHELLS))

    @property
    def pid(self):
        return self._proc.pid if self._proc is not None else None

    @property
    def returncode(self):
        return self._proc.returncode if self._proc is not None else None

    def _child_env(self):
        env = dict(os.environ)
        env.pop("COLUMNS", None)
        env.pop("LINES", None)
        env.update(TERM="xterm-256color", COLORTERM="truecolor")
        if self.env:
            env.update(self.env)
        return env

    async def start(self):
        if self._proc is not None:
            return
        loop = get_running_loop()
        try:
            master, slave = os.openpty()
        except OSError as exc:
            raise TerminalStartError("cannot allocate a pty: %s" % exc)
        try:
            _set_window_size(slave, self.size)
            os.set_blocking(master, False)
            env = self._child_env()
            self._proc = _spawn_on_pty(self.argv, slave, env, self.cwd)
            if self._proc is None:
                self._proc = subprocess.Popen(
                    self.argv, stdin=slave, stdout=slave, stderr=slave,
                    env=env, cwd=self.cwd, close_fds=True,
                    start_new_session=True, preexec_fn=_acquire_controlling_tty)
        except (OSError, subprocess.SubprocessError, ValueError) as exc:
            # ValueError: a NUL byte in the command or the environment.
            os.close(master)
            raise TerminalStartError("cannot start %s: %s" % (" ".join(self.argv), exc))
        finally:
            os.close(slave)
        self._master = master
        self._exited = loop.create_future()
        self._watch_exit(loop)
        log.debug("started pid %d: %s", self._proc.pid, self.argv)

    def _watch_exit(self, loop):
        pidfd_open = getattr(os, "pidfd_open", None)
        if pidfd_open is not None:
            try:
                self._pidfd = pidfd_open(self._proc.pid)
            except OSError:
                self._pidfd = None
        if self._pidfd is not None:
            loop.add_reader(self._pidfd, self._check_exit)
        else:
            self._poll_handle = loop.call_later(EXIT_POLL_IDLE, self._check_exit)

    def _check_exit(self, next_poll=EXIT_POLL_IDLE):
        if self._exited.done():
            return
        if self._proc.poll() is None:
            if self._pidfd is None:
                if self._poll_handle is not None:
                    self._poll_handle.cancel()
                self._poll_handle = get_running_loop().call_later(
                    next_poll, self._check_exit, min(next_poll * 2, EXIT_POLL_IDLE))
            return
        self._stop_exit_watch()
        log.debug("pid %d exited with %s", self._proc.pid, self._proc.returncode)
        self._exited.set_result(self._proc.returncode)
        self._wake(self._read_waiter)

    def _stop_exit_watch(self):
        if self._pidfd is not None:
            get_running_loop().remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = None
        if self._poll_handle is not None:
            self._poll_handle.cancel()
            self._poll_handle = None

    @staticmethod
    def _wake(waiter):
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def read(self):
        if self._read_waiter is not None:
            raise RuntimeError("another coroutine is already reading this terminal")
        if self._pending:
            data, self._pending = self._pending, b""
            return data
        while self._master is not None:
            if self._drained and not self._exited.done():
                # The last read emptied the pty: wait for it (the reader callback reads).
                self._drained = False
            else:
                data = self._try_read()
                if data is not None:
                    return data
                if self._exited.done():
                    return b""
            data = await self._readable()
            if data is not None:
                return data
        return b""

    def _try_read(self):
        """Output available now: bytes; b"" once output has ended; None if none yet."""
        try:
            return self._read_available(os.read(self._master, self.READ_SIZE))
        except BlockingIOError:
            return None
        except OSError as exc:
            if exc.errno != errno.EIO:
                raise
            self._output_ended()
            return b""

    def _read_available(self, data):
        """``data`` plus whatever else the pty has right now, up to READ_SIZE in all.

        A Linux pty hands out at most ~4 KiB per read (its line discipline buffer), so
        without this a flood becomes one small chunk -- and one frame, one JSON encoding,
        one send -- per 4 KiB.  Stops at the first EAGAIN: nothing waits for more output.
        A first read of less than ``_FLOOD_READ`` bytes (an echo, a prompt) drained the
        pty: it is returned at once, and the next ``read`` waits for output instead of
        trying first -- either read would only fail with EAGAIN, an exception each, per
        keystroke.  An error after some data is left for the next ``read`` to see.
        """
        self._drained = len(data) < _FLOOD_READ
        if self._drained or len(data) >= self.READ_SIZE:
            return data
        chunks = [data]
        size = len(data)
        while size < self.READ_SIZE:
            try:
                more = os.read(self._master, self.READ_SIZE - size)
            except OSError:
                break
            if not more:
                break
            chunks.append(more)
            size += len(more)
        return b"".join(chunks) if len(chunks) > 1 else data

    def _output_ended(self):
        """Linux says EIO once every slave descriptor is closed: the exit is imminent."""
        if not self._exited.done() and self._pidfd is None:
            self._check_exit(EXIT_POLL_AFTER_EOF)

    async def _readable(self):
        """Wait until the pty has output: returns it if the wake-up read it, else None.

        The pty stays registered with the loop from one wait to the next (interactive
        output costs no add/remove pair, ~2 epoll_ctl and a Handle, per keystroke); when
        it turns readable while nobody waits it is unregistered at once, so the output
        of a shell whose consumer stopped reading is not polled (flow control).
        """
        loop = get_running_loop()
        self._read_waiter = loop.create_future()
        if not self._reader_registered:
            loop.add_reader(self._master, self._on_readable)
            self._reader_registered = True
        try:
            return await self._read_waiter
        except asyncio.CancelledError:
            # Cancelled after the callback had read output: keep it for the next read().
            waiter = self._read_waiter
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._pending = waiter.result() or b""
            raise
        finally:
            self._read_waiter = None

    def _on_readable(self):
        waiter = self._read_waiter
        if waiter is None or waiter.done():
            get_running_loop().remove_reader(self._master)
            self._reader_registered = False
            return
        # Read here, not in the woken task: the task runs after the next poll, which
        # would otherwise report the same (by then drained) readiness once more.
        try:
            data = self._try_read()
        except OSError as exc:
            if not waiter.done():
                waiter.set_exception(exc)
            return
        if data is not None and not waiter.done():
            waiter.set_result(data)

    async def write(self, data):
        """Queue ``data`` a slice at a time, each only once the queue is below its bound:
        however many writers wait, the queue never holds more than the bound plus one slice.

        A keystroke with nothing queued before it goes to the pty at once, without
        queueing, slicing or a check for room: the common case costs one ``os.write``."""
        if not self._write_queue and self._master is not None and len(data) <= WRITE_SLICE:
            written = self._write_now(data)
            if written == len(data):
                return
            data = data[written:]
        view = memoryview(bytes(data))
        for start in range(0, len(view), WRITE_SLICE):
            await self._room_for_input()
            if self._master is None:
                return
            piece = view[start:start + WRITE_SLICE]
            self._write_queue.append(piece)
            self._write_pending += len(piece)
            self._flush()
        await self._room_for_input()

    async def _room_for_input(self):
        while self._write_pending > WRITE_HIGH_WATER and self._master is not None:
            # One future shared by every waiting writer (shielded, so a cancelled
            # writer does not cancel it for the others).
            if self._drain_waiter is None or self._drain_waiter.done():
                self._drain_waiter = get_running_loop().create_future()
            await asyncio.shield(self._drain_waiter)

    def _write_now(self, data):
        """Write what the pty takes of ``data`` now (nothing queued before it); bytes written."""
        try:
            return os.write(self._master, data)
        except BlockingIOError:
            return 0
        except OSError as exc:
            log.debug("dropping %d bytes of input: %s", len(data), exc)
            return len(data)

    def _flush(self):
        queue = self._write_queue
        while queue and self._master is not None:
            chunk = queue[0]
            try:
                written = os.write(self._master, chunk)
            except BlockingIOError:
                break
            except OSError as exc:
                log.debug("dropping %d bytes of input: %s", self._write_pending, exc)
                self._drop_input()
                break
            self._write_pending -= written
            if written < len(chunk):
                queue[0] = chunk[written:]
                break
            queue.popleft()
        self._update_writer()
        if self._write_pending <= WRITE_LOW_WATER:
            self._wake(self._drain_waiter)

    def _drop_input(self):
        self._write_queue.clear()
        self._write_pending = 0

    def _update_writer(self):
        loop = get_running_loop()
        want = bool(self._write_queue) and self._master is not None
        if want and not self._writer_registered:
            loop.add_writer(self._master, self._flush)
        elif not want and self._writer_registered:
            loop.remove_writer(self._master)
        self._writer_registered = want

    def resize(self, size):
        size = checked_size(size)
        self.size = size
        if self._master is not None:
            _set_window_size(self._master, size)

    async def wait(self):
        if self._exited is None:
            raise RuntimeError("terminal was never started")
        return await asyncio.shield(self._exited)

    async def close(self):
        if self._proc is None:
            return
        if self._closing is None:
            if not self._exited.done():
                # Hung up here, not a loop iteration later in the task: a burst of
                # closes sends its SIGHUPs together, before other work queued behind it.
                self._signal_group(signal.SIGHUP)
                self._signal_group(signal.SIGCONT)
            # A task of its own: a caller cancelled during the grace period must not
            # stop the SIGKILL and the reaping.
            self._closing = create_task(self._close_child(), name="pty-close")
        await asyncio.shield(self._closing)

    async def _close_child(self):
        try:
            await self._end_child()
        finally:
            self._release()

    async def _end_child(self):
        sid = self._proc.pid
        if not self._exited.done():
            if not await self._exits_within(CLOSE_GRACE):
                self._signal_group(signal.SIGKILL)
                await asyncio.shield(self._exited)
        # Scanning /proc takes milliseconds (one open per process): not on the loop,
        # and shared with the other sessions closing now.
        scans = SessionScans.of_running_loop()
        leftovers = await scans.members(sid)
        for pid in leftovers:
            self._kill(pid, signal.SIGHUP)
        if leftovers:
            await asyncio.sleep(CLOSE_GRACE)
            for pid in await scans.members(sid):
                self._kill(pid, signal.SIGKILL)

    async def _exits_within(self, seconds):
        try:
            await asyncio.wait_for(asyncio.shield(self._exited), seconds)
            return True
        except asyncio.TimeoutError:
            return False

    def _signal_group(self, sig):
        try:
            os.killpg(self._proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    @staticmethod
    def _kill(pid, sig):
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def _release(self):
        self._stop_exit_watch()
        self._drop_input()
        if self._master is not None:
            loop = get_running_loop()
            if self._writer_registered:
                loop.remove_writer(self._master)
                self._writer_registered = False
            if self._reader_registered:
                loop.remove_reader(self._master)
                self._reader_registered = False
            os.close(self._master)
            self._master = None
        self._wake(self._read_waiter)
        self._wake(self._drain_waiter)
