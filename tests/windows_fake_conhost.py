"""A stand-in for ``conhost.exe --headless --width W --height H --signal 0xHANDLE -- COMMAND``.

Accepts exactly that command line, runs COMMAND (split like a POSIX shell would) on a
Linux pty of W x H, copies its stdin to the pty and the pty to its stdout, and reads
6-byte signal messages (three little-endian int16: code, columns, lines) from the handle
-- here an inherited file descriptor. Code 8 resizes the pty (the child gets SIGWINCH).
When the signal handle reports end-of-file (the server is gone) it hangs up the child and
exits, as conhost ends its console; FAKE_CONHOST_IGNORE_SIGNAL_EOF=1 makes it ignore
that instead (to test the forced kill). FAKE_CONHOST_LOG=PATH records each message.
Exits with the child's exit status. Python 3.6 compatible.
"""

import errno
import os
import select
import shlex
import signal
import struct
import subprocess
import sys

from windows_standins import acquire_controlling_tty, set_window_size

MESSAGE = struct.Struct("<hhh")
RESIZE = 8


def parse(argv):
    """``(width, height, signal_fd, command)``; SystemExit(64) for anything else."""
    if (len(argv) != 9 or argv[0] != "--headless" or argv[1] != "--width"
            or argv[3] != "--height" or argv[5] != "--signal" or argv[7] != "--"
            or not argv[6].startswith("0x")):
        sys.stderr.write("fake conhost: bad command line %r\n" % (argv,))
        sys.exit(64)
    return int(argv[2]), int(argv[4]), int(argv[6], 16), argv[8]


def write_all(fd, data):
    while data:
        data = data[os.write(fd, data):]


def record(text):
    path = os.environ.get("FAKE_CONHOST_LOG")
    if path:
        with open(path, "a") as log:
            log.write(text + "\n")


def main():
    width, height, signal_fd, command = parse(sys.argv[1:])
    record("start %d %d %s" % (width, height, command))
    master, slave = os.openpty()
    set_window_size(slave, width, height)
    child = subprocess.Popen(shlex.split(command), stdin=slave, stdout=slave, stderr=slave,
                             start_new_session=True, preexec_fn=acquire_controlling_tty)
    os.close(slave)
    watched = [0, master, signal_fd]
    pending = b""
    while master in watched:
        readable, _, _ = select.select(watched, [], [])
        if 0 in readable:
            data = os.read(0, 65536)
            if data:
                write_all(master, data)
            else:
                watched.remove(0)
        if master in readable:
            try:
                data = os.read(master, 65536)
            except OSError as error:
                if error.errno != errno.EIO:
                    raise
                data = b""
            if data:
                write_all(1, data)
            else:
                watched.remove(master)
        if signal_fd in readable:
            data = os.read(signal_fd, 64)
            if not data:
                record("signal eof")
                watched.remove(signal_fd)
                if os.environ.get("FAKE_CONHOST_IGNORE_SIGNAL_EOF") != "1":
                    try:
                        os.killpg(child.pid, signal.SIGHUP)
                    except ProcessLookupError:
                        pass
                continue
            pending += data
            while len(pending) >= MESSAGE.size:
                code, columns, lines = MESSAGE.unpack(pending[:MESSAGE.size])
                record("message %s %d %d %d" % (pending[:MESSAGE.size].hex(), code, columns,
                                                 lines))
                pending = pending[MESSAGE.size:]
                if code == RESIZE:
                    set_window_size(master, columns, lines)
    status = child.wait()
    record("exit %d" % status)
    sys.exit(128 - status if status < 0 else status)


if __name__ == "__main__":
    main()
