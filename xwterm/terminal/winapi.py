"""The Windows calls the Windows backends make, in one place (the OS-layer seam).

Everything here goes through ctypes to kernel32 and is loaded on first use, so this module
imports on every OS; the backends take any object with these functions (``api``), which is
how the tests run all of their logic on Linux with stand-ins. Nothing here decides anything.

* Job Objects with kill-on-close: a session's processes, and everything they start, end
  when the session closes its job -- and when the server dies, because Windows closes the
  server's handles then.
* The conhost signal pipe: a named pipe the server writes resize messages into and the
  conhost helper opens and hands to conhost.exe as an inherited handle.
* A console control handler for Ctrl-C/Ctrl-Break/close, called by Windows on its own thread.
"""

import os
import subprocess
import sys

from .winshared import conhost_command_line

CREATE_NEW_PROCESS_GROUP = 0x00000200
CTRL_C_EVENT = 0
CTRL_BREAK_EVENT = 1
CTRL_CLOSE_EVENT = 2
CTRL_LOGOFF_EVENT = 5
CTRL_SHUTDOWN_EVENT = 6

_PROCESS_TERMINATE = 0x0001
_PROCESS_SET_QUOTA = 0x0100
_JOB_OBJECT_EXTENDED_LIMIT_INFORMATION = 9
_JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x2000
_PIPE_ACCESS_OUTBOUND = 0x00000002
_FILE_FLAG_FIRST_PIPE_INSTANCE = 0x00080000
_PIPE_TYPE_BYTE = 0x00000000
_PIPE_NOWAIT = 0x00000001
_PIPE_REJECT_REMOTE_CLIENTS = 0x00000008
_GENERIC_READ = 0x80000000
_OPEN_EXISTING = 3
_ERROR_PIPE_CONNECTED = 535
_ERROR_PIPE_LISTENING = 536
_SIGNAL_PIPE_BUFFER = 4096

_kernel32 = None
#: Console handler routines registered with Windows, by id: ctypes must keep them alive
#: (a ctypes function pointer is not hashable).
_registered_routines = {}


def _windows():
    """kernel32 with prototypes, loaded once (ImportError-free on other OSes: never called)."""
    global _kernel32
    if _kernel32 is not None:
        return _kernel32
    import ctypes
    from ctypes import wintypes
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    handle, dword, boolean = wintypes.HANDLE, wintypes.DWORD, wintypes.BOOL
    prototypes = {
        "CreateJobObjectW": (handle, [ctypes.c_void_p, wintypes.LPCWSTR]),
        "SetInformationJobObject": (boolean, [handle, ctypes.c_int, ctypes.c_void_p, dword]),
        "OpenProcess": (handle, [dword, boolean, dword]),
        "AssignProcessToJobObject": (boolean, [handle, handle]),
        "TerminateJobObject": (boolean, [handle, wintypes.UINT]),
        "CloseHandle": (boolean, [handle]),
        "CreateNamedPipeW": (handle, [wintypes.LPCWSTR, dword, dword, dword, dword, dword,
                                      dword, ctypes.c_void_p]),
        "ConnectNamedPipe": (boolean, [handle, ctypes.c_void_p]),
        "WriteFile": (boolean, [handle, ctypes.c_char_p, dword, ctypes.POINTER(dword),
                                ctypes.c_void_p]),
        "CreateFileW": (handle, [wintypes.LPCWSTR, dword, dword, ctypes.c_void_p, dword,
                                 dword, handle]),
        "SetConsoleCtrlHandler": (boolean, [ctypes.c_void_p, boolean]),
    }
    for name, (restype, argtypes) in prototypes.items():
        function = getattr(kernel32, name)
        function.restype = restype
        function.argtypes = argtypes
    _kernel32 = kernel32
    return kernel32


def _raise_last_error(what):
    import ctypes
    code = ctypes.get_last_error()
    raise OSError(None, "%s failed: %s" % (what, ctypes.FormatError(code)), None, code)


def _valid(handle):
    """False for NULL and INVALID_HANDLE_VALUE (ctypes returns the latter unsigned)."""
    import ctypes
    return bool(handle) and handle != ctypes.c_void_p(-1).value


def wine_version():
    """The Wine version this process runs under ("8.0"), None on Windows itself."""
    if sys.platform != "win32":
        return None
    import ctypes
    try:
        get_version = ctypes.WinDLL("ntdll").wine_get_version
    except (AttributeError, OSError):
        return None
    get_version.restype = ctypes.c_char_p
    get_version.argtypes = []
    return get_version().decode("ascii", "replace")


def conpty_available():
    """``(True, None)`` if this Windows has the ConPTY API (10 1809+), else ``(False, why)``."""
    if sys.platform != "win32":
        return False, "not Windows"
    try:
        _windows().CreatePseudoConsole
    except AttributeError:
        return False, "this Windows has no ConPTY API (needs Windows 10 1809 or later)"
    return True, None


def conhost_argv():
    """The conhost program to start, as an argument list."""
    root = os.environ.get("SystemRoot", r"C:\Windows")
    return [os.path.join(root, "System32", "conhost.exe")]


def new_pipe_name(token):
    """A pipe name nobody else uses (pid and a random token)."""
    return r"\\.\pipe\xwterm-conhost-%d-%s" % (os.getpid(), token)


class JobObject(object):
    """A Job Object whose processes all end when it is closed or terminated."""

    def __init__(self):
        import ctypes
        kernel32 = _windows()
        self._handle = kernel32.CreateJobObjectW(None, None)
        if not _valid(self._handle):
            _raise_last_error("CreateJobObject")
        info = _extended_limit_information()
        info.BasicLimitInformation.LimitFlags = _JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
        if not kernel32.SetInformationJobObject(
                self._handle, _JOB_OBJECT_EXTENDED_LIMIT_INFORMATION,
                ctypes.byref(info), ctypes.sizeof(info)):
            self.close()
            _raise_last_error("SetInformationJobObject")

    def add_process(self, pid):
        """Put process ``pid`` (and so everything it starts from now on) into the job."""
        kernel32 = _windows()
        process = kernel32.OpenProcess(_PROCESS_TERMINATE | _PROCESS_SET_QUOTA, False, pid)
        if not _valid(process):
            _raise_last_error("OpenProcess(%d)" % pid)
        try:
            if not kernel32.AssignProcessToJobObject(self._handle, process):
                _raise_last_error("AssignProcessToJobObject(%d)" % pid)
        finally:
            kernel32.CloseHandle(process)

    def terminate(self, exit_code=1):
        """End every process in the job now."""
        if self._handle is not None:
            _windows().TerminateJobObject(self._handle, exit_code)

    def close(self):
        """Close the job; kill-on-close ends whatever still runs in it."""
        if self._handle is not None:
            _windows().CloseHandle(self._handle)
            self._handle = None


def _extended_limit_information():
    import ctypes
    from ctypes import wintypes

    class IoCounters(ctypes.Structure):
        _fields_ = [(name, ctypes.c_ulonglong) for name in (
            "ReadOperationCount", "WriteOperationCount", "OtherOperationCount",
            "ReadTransferCount", "WriteTransferCount", "OtherTransferCount")]

    class BasicLimitInformation(ctypes.Structure):
        _fields_ = [("PerProcessUserTimeLimit", ctypes.c_int64),
                    ("PerJobUserTimeLimit", ctypes.c_int64),
                    ("LimitFlags", wintypes.DWORD),
                    ("MinimumWorkingSetSize", ctypes.c_size_t),
                    ("MaximumWorkingSetSize", ctypes.c_size_t),
                    ("ActiveProcessLimit", wintypes.DWORD),
                    ("Affinity", ctypes.c_size_t),
                    ("PriorityClass", wintypes.DWORD),
                    ("SchedulingClass", wintypes.DWORD)]

    class ExtendedLimitInformation(ctypes.Structure):
        _fields_ = [("BasicLimitInformation", BasicLimitInformation),
                    ("IoInfo", IoCounters),
                    ("ProcessMemoryLimit", ctypes.c_size_t),
                    ("JobMemoryLimit", ctypes.c_size_t),
                    ("PeakProcessMemoryUsed", ctypes.c_size_t),
                    ("PeakJobMemoryUsed", ctypes.c_size_t)]

    return ExtendedLimitInformation()


def create_job():
    return JobObject()


class SignalPipe(object):
    """The server end of the conhost signal pipe: outbound, never blocking.

    ``PIPE_NOWAIT`` makes ``ConnectNamedPipe`` a poll and ``WriteFile`` return at once, so
    neither can stall the event loop (a 6-byte resize into a 4 KiB buffer).
    """

    def __init__(self, name):
        self.name = name
        self._handle = _windows().CreateNamedPipeW(
            name, _PIPE_ACCESS_OUTBOUND | _FILE_FLAG_FIRST_PIPE_INSTANCE,
            _PIPE_TYPE_BYTE | _PIPE_NOWAIT | _PIPE_REJECT_REMOTE_CLIENTS, 1,
            _SIGNAL_PIPE_BUFFER, _SIGNAL_PIPE_BUFFER, 0, None)
        if not _valid(self._handle):
            self._handle = None
            _raise_last_error("CreateNamedPipe(%s)" % name)

    def connected(self):
        """True once the helper has opened the other end."""
        import ctypes
        if self._handle is None:
            return False
        if _windows().ConnectNamedPipe(self._handle, None):
            return True
        code = ctypes.get_last_error()
        if code == _ERROR_PIPE_CONNECTED:
            return True
        if code == _ERROR_PIPE_LISTENING:
            return False
        _raise_last_error("ConnectNamedPipe(%s)" % self.name)

    def write(self, message):
        """Write ``message`` whole; False if it did not fit or the reader is gone."""
        import ctypes
        from ctypes import wintypes
        if self._handle is None:
            return False
        written = wintypes.DWORD(0)
        ok = _windows().WriteFile(self._handle, message, len(message), ctypes.byref(written),
                                  None)
        return bool(ok) and written.value == len(message)

    def close(self):
        if self._handle is not None:
            _windows().CloseHandle(self._handle)
            self._handle = None


def create_signal_pipe(name):
    return SignalPipe(name)


def open_signal_pipe(name):
    """The helper's end of the signal pipe, as an inheritable handle (an int)."""
    import ctypes
    from ctypes import wintypes

    class SecurityAttributes(ctypes.Structure):
        _fields_ = [("nLength", wintypes.DWORD), ("lpSecurityDescriptor", ctypes.c_void_p),
                    ("bInheritHandle", wintypes.BOOL)]

    attributes = SecurityAttributes(ctypes.sizeof(SecurityAttributes), None, True)
    handle = _windows().CreateFileW(name, _GENERIC_READ, 0, ctypes.byref(attributes),
                                    _OPEN_EXISTING, 0, None)
    if not _valid(handle):
        _raise_last_error("CreateFile(%s)" % name)
    return handle


def close_handle(handle):
    _windows().CloseHandle(handle)


def start_with_handle(program, options, command, handle):
    """Start ``program options -- command`` with the helper's stdin/stdout and ``handle``.

    ``command`` is appended as it is (a Windows command line, not one quoted argument),
    as conhost reads everything after ``--``. stdin/stdout are given explicitly, so that
    Popen passes them as standard handles (STARTF_USESTDHANDLES) and puts them into the
    handle list next to ``handle``: with a handle list, nothing else is inherited (3.7+;
    3.6 has no handle list and inherits every inheritable handle).
    """
    command_line = conhost_command_line(program, options, command)
    streams = {"stdin": 0, "stdout": 1, "stderr": subprocess.DEVNULL}
    if sys.version_info >= (3, 7):
        startupinfo = subprocess.STARTUPINFO(lpAttributeList={"handle_list": [handle]})
        return subprocess.Popen(command_line, close_fds=True, startupinfo=startupinfo,
                                **streams)
    return subprocess.Popen(command_line, close_fds=False, **streams)


def helper_spawn_options():
    """Extra ``create_subprocess_exec`` arguments for the helper: its own process group,
    so a Ctrl-C typed at the server's console is not delivered to it."""
    return {"creationflags": CREATE_NEW_PROCESS_GROUP}


def add_console_ctrl_handler(handler):
    """Have Windows call ``handler(ctrl_type) -> bool`` (on a thread of its own) for
    Ctrl-C, Ctrl-Break and console close; returns the function that removes it.

    Also turns Ctrl-C processing back on, in case this process inherited "ignore Ctrl-C"
    (what CREATE_NEW_PROCESS_GROUP gives a child).
    """
    import ctypes
    from ctypes import wintypes
    kernel32 = _windows()
    routine = ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.DWORD)(
        lambda ctrl_type: bool(handler(ctrl_type)))
    kernel32.SetConsoleCtrlHandler(None, False)
    if not kernel32.SetConsoleCtrlHandler(ctypes.cast(routine, ctypes.c_void_p), True):
        _raise_last_error("SetConsoleCtrlHandler")
    _registered_routines[id(routine)] = routine

    def remove():
        if _registered_routines.pop(id(routine), None) is not None:
            kernel32.SetConsoleCtrlHandler(ctypes.cast(routine, ctypes.c_void_p), False)
    return remove
