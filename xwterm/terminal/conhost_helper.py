"""``xwterm --conhost-helper PIPE COMMAND COLUMNS LINES``: the process between the server and
conhost.exe.

asyncio starts children with exactly three inherited handles, but conhost needs a fourth
(its signal pipe). So the server starts this helper, which opens the named pipe PIPE as an
inheritable handle and starts ``conhost.exe --headless --width COLUMNS --height LINES
--signal 0xHANDLE -- COMMAND`` with it and with the helper's own stdin/stdout (the server's
pipes). The helper then only waits and exits with conhost's exit status.

It never outlives the server: the server holds the helper in a kill-on-close Job Object
(which conhost and the command inherit), and conhost ends when the server's end of the
signal pipe closes. Ctrl-C and Ctrl-Break at the server's console are ignored here: the
server decides when its sessions end.
"""

import logging
import os
import shlex
import shutil
import signal
import sys

from .winshared import conhost_options, parse_helper_arguments, split_command_line

log = logging.getLogger(__name__)

#: Environment variable naming another conhost program (an argument list as one string).
CONHOST_OVERRIDE = "XWTERM_CONHOST"


def conhost_program(api, environ=None):
    """The conhost command as a list: XWTERM_CONHOST if set, else the system's."""
    environ = os.environ if environ is None else environ
    override = environ.get(CONHOST_OVERRIDE)
    if not override:
        return api.conhost_argv()
    if sys.platform == "win32":
        return split_command_line(override)
    return shlex.split(override)


def _ignore_console_interrupts():
    for name in ("SIGINT", "SIGBREAK"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)


def _exit_code(returncode):
    """A child's status as this process's exit code (a POSIX signal N becomes 128+N)."""
    return 128 - returncode if returncode < 0 else returncode


def run_helper(args, api):
    """Open the signal pipe, run conhost with it, return conhost's exit status (2 on a
    usage or start error, reported on stderr)."""
    try:
        pipe, command, columns, lines = parse_helper_arguments(args)
    except ValueError as error:
        log.error("%s", error)
        return 2
    _ignore_console_interrupts()
    program = conhost_program(api)
    if not program or not (os.path.isfile(program[0]) or shutil.which(program[0])):
        log.error("conhost program not found: %s", program[0] if program else "(empty)")
        return 2
    try:
        handle = api.open_signal_pipe(pipe)
    except OSError as error:
        log.error("cannot open the signal pipe %s: %s", pipe, error)
        return 2
    try:
        child = api.start_with_handle(program, conhost_options(columns, lines, handle),
                                      command, handle)
    except OSError as error:
        log.error("cannot start %s: %s", program[0], error)
        return 2
    finally:
        api.close_handle(handle)  # conhost has its own copy now
    return _exit_code(child.wait())


def main(args):
    """The ``--conhost-helper`` entry point (Windows)."""
    from . import winapi
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="xwterm conhost helper: %(message)s")
    return run_helper(args, winapi)
