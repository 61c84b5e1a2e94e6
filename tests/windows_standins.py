"""Linux stand-ins for what the Windows backends get from Windows and pywinpty.

* ``PtyProcessStandIn``: pywinpty's ``PtyProcess`` interface over a real Linux pty, built
  the way pywinpty builds it -- a relay thread reads the console in 4 KiB blocking reads
  and sends them into a socket; ``read(size)`` receives from that socket and decodes UTF-8.
  So backpressure, blocking reads and closing behave as they do around pywinpty.
* ``LinuxApi``: the OS layer of xwterm.terminal.winapi. A "job" is a process tree killed
  with SIGKILL (found through /proc); the "named pipe" is a Unix-domain socket (named,
  connected once, an end-of-file for the reader when the server's end closes, inherited
  by file descriptor), and the conhost program is tests/windows_fake_conhost.py.

Python 3.6 compatible, like the code it stands in for.
"""

import codecs
import errno
import fcntl
import os
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE_CONHOST = os.path.join(HERE, "windows_fake_conhost.py")
HELPER_STANDIN = os.path.join(HERE, "windows_helper_standin.py")

#: Bytes pywinpty's relay thread reads from the console at a time.
RELAY_READ = 4096


def set_window_size(fd, columns, lines):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))


def acquire_controlling_tty():
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyProcessStandIn(object):
    """``winpty.PtyProcess`` over a Linux pty: same methods, same blocking behaviour."""

    #: Every instance spawned, so that tests can look at them.
    spawned = []

    def __init__(self, child, master, console_name):
        self.pid = child.pid
        self._console_name = console_name
        self._writing = False
        self.closed = False
        self.flag_eof = False
        self._child = child
        self._master = master
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.fileobj, self._relay_end = socket.socketpair()
        self.relay_thread = threading.Thread(target=self._relay, name="standin-relay")
        self.relay_thread.daemon = True
        self.relay_thread.start()

    @classmethod
    def spawn(cls, argv, cwd=None, env=None, dimensions=(24, 80), backend=None):
        if isinstance(argv, str):
            argv = shlex.split(argv)
        env = env or os.environ
        command = shutil.which(argv[0], path=env.get("PATH", os.defpath))
        if command is None:
            raise FileNotFoundError("The command was not found or was not executable: %s."
                                    % argv[0])
        master, slave = os.openpty()
        console_name = os.ttyname(slave)
        try:
            set_window_size(slave, dimensions[1], dimensions[0])
            child = subprocess.Popen([command] + list(argv[1:]), stdin=slave, stdout=slave,
                                     stderr=slave, cwd=cwd, env=env, close_fds=True,
                                     start_new_session=True,
                                     preexec_fn=acquire_controlling_tty)
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        process = cls(child, master, console_name)
        process.backend = backend  # what pywinpty was asked for
        cls.spawned.append(process)
        return process

    def _relay(self):
        """pywinpty's reader thread: console -> socket, blocking on both sides."""
        try:
            while True:
                try:
                    data = os.read(self._master, RELAY_READ)
                except OSError:
                    break  # EIO: no process holds the console any more
                if not data:
                    break
                self._relay_end.sendall(data)
        except OSError:
            pass  # the reading side was closed
        finally:
            self._relay_end.close()

    @property
    def exitstatus(self):
        return self._child.poll()

    def isalive(self):
        return self._child.poll() is None

    def read(self, size=1024):
        data = self.fileobj.recv(size)
        if not data:
            self.flag_eof = True
            raise EOFError("Pty is closed")
        return self._decoder.decode(data)

    def write(self, text):
        if self.closed or not self.isalive():
            raise EOFError("Pty is closed")
        data = memoryview(text.encode("utf-8"))
        self._writing = True
        try:
            while data:
                if self.closed:
                    raise EOFError("Pty is closed")
                written = os.write(self._master, data)
                data = data[written:]
        finally:
            self._writing = False
        return len(text)

    def setwinsize(self, rows, cols):
        set_window_size(self._master, cols, rows)

    def terminate(self, force=False):
        if not self.isalive():
            return True
        os.kill(self.pid, signal.SIGINT)
        time.sleep(0.1)
        if self.isalive() and force:
            os.kill(self.pid, signal.SIGKILL)
            time.sleep(0.1)
        return not self.isalive()

    def close(self, force=False):
        """As pywinpty: close the socket, end the child. And as closing the console does,
        fail a write blocked on its full input (the input is drained and the writer sees
        ``closed``) -- pywinpty gets there only once the PTY object is dropped."""
        if not self.closed:
            self.fileobj.close()
            time.sleep(0.1)
            if self.isalive() and not self.terminate(force):
                raise IOError("Could not terminate the child.")
            self.closed = True
            self._drain_input()
            self.relay_thread.join(5)
            if not self.relay_thread.is_alive():
                os.close(self._master)


    def _drain_input(self):
        """Read the console's pending input from its slave side until no write waits."""
        if not self._writing:
            return
        fd = os.open(self._console_name, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        try:
            deadline = time.time() + 5
            while self._writing and time.time() < deadline:
                try:
                    os.read(fd, 65536)
                except BlockingIOError:
                    time.sleep(0.01)
        finally:
            os.close(fd)


def descendants(pid):
    """``pid``'s children, their children, ... per /proc (zombies included)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as handle:
                    ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class TreeJob(object):
    """A Job Object stand-in: the processes added, and everything below them."""

    def __init__(self):
        self.pids = []
        self.terminated = False
        self.closed = False

    def add_process(self, pid):
        self.pids.append(pid)

    def terminate(self, exit_code=1):
        self.terminated = True
        for _ in range(50):  # a tree that forks while being killed needs another pass
            alive = [pid for root in self.pids for pid in [root] + descendants(root)
                     if _running(pid)]
            if not alive:
                return
            for pid in alive:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.01)

    def close(self):
        self.terminate()
        self.closed = True


def _running(pid):
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


class SocketSignalPipe(object):
    """The server end of the signal "pipe": a listening Unix socket, never blocking."""

    def __init__(self, name):
        self.name = name
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(name)
        self.listener.listen(1)
        self.listener.setblocking(False)
        self.connection = None
        self.written = []

    def connected(self):
        if self.connection is None:
            try:
                self.connection, _ = self.listener.accept()
            except BlockingIOError:
                return False
            self.connection.setblocking(False)
        return True

    def write(self, message):
        if self.connection is None:
            return False
        try:
            sent = self.connection.send(message)
        except OSError:
            return False
        self.written.append(message)
        return sent == len(message)

    def close(self):
        if self.connection is not None:
            self.connection.close()
        self.listener.close()
        try:
            os.unlink(self.name)
        except OSError:
            pass


class LinuxApi(object):
    """xwterm.terminal.winapi's functions, done with Linux means."""

    def __init__(self, fake_conhost=FAKE_CONHOST):
        self.fake_conhost = fake_conhost
        self.jobs = []
        self.pipes = []

    def create_job(self):
        job = TreeJob()
        self.jobs.append(job)
        return job

    def conhost_argv(self):
        return [sys.executable, self.fake_conhost]

    def new_pipe_name(self, token):
        return os.path.join(tempfile.gettempdir(), "xwterm-conhost-%d-%s" % (os.getpid(), token))

    def create_signal_pipe(self, name):
        pipe = SocketSignalPipe(name)
        self.pipes.append(pipe)
        return pipe

    def open_signal_pipe(self, name):
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            client.connect(name)
        except OSError as error:
            client.close()
            raise OSError(errno.ENOENT, "cannot open %s: %s" % (name, error))
        handle = client.detach()
        os.set_inheritable(handle, True)
        return handle

    def close_handle(self, handle):
        os.close(handle)

    def start_with_handle(self, program, options, command, handle):
        return subprocess.Popen(list(program) + list(options) + ["--", command],
                                pass_fds=(handle,))

    def helper_spawn_options(self):
        return {"start_new_session": True}

    def conpty_available(self):
        return True, None
