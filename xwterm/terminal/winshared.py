"""The pure pieces the Windows modules share: backend names, the default command, Windows
command lines, the child's environment, conhost's options and signal messages, the helper's
arguments.

No OS calls and no imports of the backends: the OS layer (winapi), both backends, the helper
and the backend registry (windows) import this module, never the other way round.
"""

import os
import shlex
import struct
import subprocess

from .base import MAX_COLUMNS, MAX_LINES, checked_size

#: Backend names, as the command line spells them (--use-conhost, --use-conpty,
#: --use-winpty), in the order the default prefers them.
CONHOST = "conhost"
CONPTY = "conpty"
WINPTY = "winpty"
WINDOWS_BACKENDS = (CONHOST, CONPTY, WINPTY)

FALLBACK_COMMAND = r"C:\Windows\System32\cmd.exe"


def default_command(environ=None):
    """``[%COMSPEC%]``, else ``[C:\\Windows\\System32\\cmd.exe]``."""
    environ = os.environ if environ is None else environ
    return [environ.get("COMSPEC") or FALLBACK_COMMAND]


def command_line(argv):
    """``argv`` as one Windows command line (the quoting the C runtime undoes)."""
    return subprocess.list2cmdline(list(argv))


def split_command_line(text):
    """A ``--command`` string typed on Windows -> argument list.

    ``shlex`` in POSIX mode would eat the backslashes of ``C:\\Windows\\...``; in its
    non-POSIX mode it keeps them and the quotes around arguments, which are dropped here.
    """
    words = shlex.split(text, posix=False)
    return [word[1:-1] if len(word) >= 2 and word[0] == word[-1] == '"' else word
            for word in words]


def child_environment(extra=None):
    """The server's environment plus ``extra``; terminals want TERM like on Linux."""
    env = dict(os.environ)
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    env.setdefault("TERM", "xterm-256color")
    if extra:
        env.update(extra)
    return env


#: The code of a resize message on conhost's signal pipe.
RESIZE_CODE = 8
_SIGNAL_MESSAGE = struct.Struct("<hhh")


def resize_message(size):
    """The 6 bytes that ask conhost for a new size: three little-endian int16s."""
    size = checked_size(size)
    return _SIGNAL_MESSAGE.pack(RESIZE_CODE, size.columns, size.lines)


def parse_signal_message(message):
    """``(code, columns, lines)`` of one 6-byte signal message (ValueError if malformed)."""
    if len(message) != _SIGNAL_MESSAGE.size:
        raise ValueError("a signal message is %d bytes, not %d"
                         % (_SIGNAL_MESSAGE.size, len(message)))
    return _SIGNAL_MESSAGE.unpack(message)


def format_handle(handle):
    """A handle as conhost's --signal wants it: ``0x`` and lower-case hex."""
    return "0x%x" % handle


def conhost_options(columns, lines, handle):
    """conhost's arguments before ``--``."""
    return ["--headless", "--width", str(columns), "--height", str(lines),
            "--signal", format_handle(handle)]


def conhost_command_line(program, options, command):
    """conhost's command line: ``command`` goes after ``--`` as it is (a Windows command
    line, not one quoted argument: conhost runs everything after ``--``)."""
    return subprocess.list2cmdline(list(program) + list(options) + ["--"]) + " " + command


def helper_arguments(pipe, command, size):
    """What follows ``--conhost-helper``: PIPE COMMAND COLUMNS LINES."""
    return [pipe, command, str(size.columns), str(size.lines)]


def parse_helper_arguments(args):
    """``(pipe, command, columns, lines)``; ValueError with a usage text if malformed."""
    if len(args) != 4:
        raise ValueError("--conhost-helper takes PIPE COMMAND COLUMNS LINES (got %d "
                         "arguments)" % len(args))
    pipe, command, columns, lines = args
    try:
        size = checked_size((int(columns), int(lines)))
    except ValueError:
        raise ValueError("--conhost-helper: COLUMNS and LINES must be numbers in 1..%d and "
                         "1..%d, not %r %r" % (MAX_COLUMNS, MAX_LINES, columns, lines))
    if not pipe or not command:
        raise ValueError("--conhost-helper: PIPE and COMMAND must not be empty")
    return pipe, command, size.columns, size.lines
