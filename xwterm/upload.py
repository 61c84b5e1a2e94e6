"""File transfer without the network: which names an upload may take, where files go,
and the blocking file work that the HTTP side (``xwterm.transfer``) runs in worker threads.

Nothing here touches the event loop or imports aiohttp, so the CLI can use the defaults.

* An upload is written to a temporary dot-file beside its target and renamed only when
  complete: an aborted upload leaves nothing, and a reader never sees half a file.
* An existing file is never replaced unless asked for (``overwrite``); then the complete
  new file replaces it atomically.
"""

import errno
import os
import re
import stat
import sys
import tempfile
import threading
import urllib.parse

from .exceptions import XwtermError

#: Default folder for ``PUT /NAME`` (created, mode 0700, on the first upload).
DEFAULT_UPLOAD_DIR = os.path.join('~', 'xwterm-uploads')
#: Default largest upload (bytes); ``--max-upload``.
DEFAULT_MAX_UPLOAD = 100 * 1024 * 1024
#: Default bytes that uploads in progress may hold at once (``--max-upload-total``).
DEFAULT_MAX_UPLOAD_TOTAL = 1024 * 1024 * 1024
#: Default free space an upload must leave on its file system (``--min-free-space``);
#: on a file system smaller than ten times this, a tenth of its size.
DEFAULT_MIN_FREE_SPACE = 64 * 1024 * 1024
#: Largest file a download sends (bytes).
MAX_DOWNLOAD = 1024 * 1024 * 1024
#: Longest file name (bytes of UTF-8), the common file-system limit.
MAX_NAME_BYTES = 255
#: Temporary files are dot-files, so they cannot be named by an upload themselves.
TEMP_PREFIX = '.xwterm-upload-'
TEMP_SUFFIX = '.part'

_SIZE_RE = re.compile(r'^\s*(\d+)\s*([kmgt]?)(i?b)?\s*$', re.IGNORECASE)
_UNITS = {'': 1, 'k': 1024, 'm': 1024 ** 2, 'g': 1024 ** 3, 't': 1024 ** 4}


def _umask():
    """The process umask (read once at import: setting it back and forth is not thread-safe)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: Mode of an uploaded file: what ``open()`` would have given it.
FILE_MODE = 0o666 & ~_umask()


class TransferRefused(XwtermError):
    """A transfer that cannot be done; ``status`` is the HTTP status to answer with."""

    def __init__(self, status, message):
        XwtermError.__init__(self, message)
        self.status = status


def check_name(name):
    """``name`` if it is a plain file name inside the folder; else TransferRefused (400).

    Refused: empty, longer than MAX_NAME_BYTES, any ``/`` or ``\\``, a leading dot
    (``.``, ``..``, dot-files, our temporary files), control characters; on Windows also
    ``:`` (drives, streams) and trailing dots or spaces, which Windows drops.
    """
    if not name:
        raise TransferRefused(400, 'no file name given')
    if len(name.encode('utf-8', 'surrogateescape')) > MAX_NAME_BYTES:
        raise TransferRefused(400, 'file name longer than %d bytes' % MAX_NAME_BYTES)
    if '/' in name or '\\' in name:
        raise TransferRefused(400, 'file name must not contain / or \\')
    if name.startswith('.'):
        raise TransferRefused(400, 'file name must not start with a dot')
    if any(ord(char) < 0x20 or 0x7f <= ord(char) < 0xa0 for char in name):
        raise TransferRefused(400, 'file name must not contain control characters')
    if sys.platform == 'win32' and (':' in name or name.rstrip(' .') != name):
        raise TransferRefused(400, 'file name must not contain : or end in a dot or space')
    return name


def name_from_path(raw_path):
    """``/NAME`` (one percent-encoded path segment) -> NAME, checked."""
    if not raw_path.startswith('/') or '/' in raw_path[1:]:
        raise TransferRefused(400, 'upload to /NAME: one file name, no folders')
    try:
        name = urllib.parse.unquote(raw_path[1:], errors='strict')
    except UnicodeDecodeError:
        raise TransferRefused(400, 'file name is not UTF-8')
    return check_name(name)


def parse_size(text):
    """``"100M"``, ``"512k"``, ``"1GiB"``, ``"1048576"`` -> bytes (ValueError otherwise)."""
    match = _SIZE_RE.match(text or '')
    if match is None:
        raise ValueError('not a size: %r (e.g. 100M, 512K, 1G or bytes)' % text)
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


def format_size(size):
    for unit, factor in (('GiB', 1024 ** 3), ('MiB', 1024 ** 2), ('KiB', 1024)):
        if size >= factor and size % factor == 0:
            return '%d %s' % (size // factor, unit)
    return '%d bytes' % size


def prepare_upload_dir(path):
    """The absolute upload folder, created (mode 0700) if missing.  Blocking."""
    folder = os.path.abspath(os.path.expanduser(path))
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    except OSError as error:
        raise TransferRefused(500, 'cannot create the upload folder %s: %s'
                              % (folder, error.strerror))
    return folder


def check_free_space(folder, size, min_free=None):
    """TransferRefused (507) unless ``size`` more bytes in ``folder`` leave ``min_free``
    bytes free (None: DEFAULT_MIN_FREE_SPACE, or a tenth of a small file system).
    Blocking."""
    try:
        status = os.statvfs(folder)
    except (OSError, AttributeError):     # no statvfs on Windows: nothing to check
        return
    free = status.f_bavail * status.f_frsize
    if min_free is None:
        min_free = min(DEFAULT_MIN_FREE_SPACE, status.f_blocks * status.f_frsize // 10)
    if free - size < min_free:
        raise TransferRefused(507, 'not enough free space: %s free, an upload must leave %s'
                              % (format_size(free), format_size(min_free)))


def foreground_cwd(pid):
    """The current directory of the foreground process of ``pid``'s terminal (what the user
    is working in: the shell, or the program it runs), else of ``pid`` itself.  Linux /proc;
    TransferRefused (501) elsewhere.  Blocking.
    """
    candidates = []
    try:
        with open('/proc/%d/stat' % pid, 'rb') as handle:
            fields = handle.read().rsplit(b')', 1)[1].split()
        foreground = int(fields[5])  # tpgid: the terminal's foreground process group
        if foreground > 0:
            candidates.append(foreground)
    except (OSError, IndexError, ValueError):
        pass
    candidates.append(pid)
    for candidate in candidates:
        try:
            return os.readlink('/proc/%d/cwd' % candidate)
        except OSError:
            continue
    raise TransferRefused(501, "cannot find the shell's current directory on this system")


def download_path(cwd, path):
    """``path`` as given (absolute, or relative to ``cwd``) -> absolute path."""
    if not path or '\x00' in path:
        raise TransferRefused(400, 'give the file as path=ABSOLUTE_OR_RELATIVE_PATH')
    return os.path.normpath(os.path.join(cwd or '/', path))


class UploadWriter(object):
    """One upload on its way to ``directory/name``.

    Every method blocks: call them in a worker thread.  A lock keeps ``discard`` (after a
    cancelled upload) from racing a ``write`` still running in another thread.
    """

    def __init__(self, directory, name, overwrite=False):
        self.directory = directory
        self.name = name
        self.target = os.path.join(directory, name)
        self.overwrite = overwrite
        self.size = 0
        self._file = None
        self._temp = None
        self._lock = threading.Lock()

    def open(self):
        """Create the temporary file (409 at once if the target exists and may not be replaced)."""
        with self._lock:
            self._refuse_existing()
            try:
                fd, self._temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX,
                                                  dir=self.directory)
            except OSError as error:
                raise TransferRefused(_status_of(error), 'cannot write into %s: %s'
                                      % (self.directory, error.strerror))
            if hasattr(os, 'fchmod'):
                os.fchmod(fd, FILE_MODE)
            self._file = os.fdopen(fd, 'wb')

    def write(self, data):
        with self._lock:
            if self._file is None:
                raise TransferRefused(500, 'the upload was discarded')
            self._file.write(data)
            self.size += len(data)

    def commit(self):
        """Flush to disk and give the file its name (409 if it appeared meanwhile)."""
        with self._lock:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None
            if self.overwrite:
                try:
                    os.replace(self._temp, self.target)
                except OSError as error:
                    raise TransferRefused(_status_of(error), 'cannot replace %s: %s'
                                          % (self.name, error.strerror))
            else:
                self._rename_without_clobbering()
            self._temp = None

    def discard(self):
        """Remove what an unfinished upload wrote; safe to call at any time, more than once."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
            if self._temp is not None:
                try:
                    os.unlink(self._temp)
                except OSError:
                    pass
                self._temp = None

    def _refuse_existing(self):
        if os.path.isdir(self.target):
            raise TransferRefused(409, '%s is a folder' % self.name)
        if not self.overwrite and os.path.lexists(self.target):
            raise TransferRefused(409, '%s already exists (add ?overwrite=1 to replace it)'
                                  % self.name)

    def _rename_without_clobbering(self):
        """A hard link fails if the name exists, atomically; file systems without hard links
        (FAT on a memory card) get a check and a rename instead."""
        try:
            os.link(self._temp, self.target)
        except FileExistsError:
            raise TransferRefused(409, '%s already exists (add ?overwrite=1 to replace it)'
                                  % self.name)
        except OSError:
            self._refuse_existing()
            os.rename(self._temp, self.target)
            return
        os.unlink(self._temp)


class DownloadReader(object):
    """A regular file read in chunks, at most ``limit`` bytes long.  Blocking methods."""

    def __init__(self, path, limit=MAX_DOWNLOAD):
        self.path = path
        self.limit = limit
        self.size = None
        self.remaining = 0
        self._file = None
        self._lock = threading.Lock()

    def open(self):
        try:
            handle = open(self.path, 'rb')
        except OSError as error:
            raise TransferRefused(_status_of(error), 'cannot open %s: %s'
                                  % (self.path, error.strerror))
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            handle.close()
            raise TransferRefused(400, '%s is not a regular file' % self.path)
        if info.st_size > self.limit:
            handle.close()
            raise TransferRefused(413, '%s is larger than %s' % (self.path,
                                                                 format_size(self.limit)))
        with self._lock:
            self._file = handle
            self.size = self.remaining = info.st_size

    def read(self, size):
        """The next chunk (b'' at the end; never more than the size seen at open)."""
        with self._lock:
            if self._file is None or self.remaining <= 0:
                return b''
            data = self._file.read(min(size, self.remaining))
            self.remaining -= len(data)
            return data

    def close(self):
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


def _status_of(error):
    """HTTP status for a file-system error."""
    if error.errno in (errno.ENOENT, errno.ENOTDIR):
        return 404
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return 403
    if error.errno in (errno.EISDIR,):
        return 400
    if error.errno in (errno.ENOSPC, getattr(errno, 'EDQUOT', errno.ENOSPC)):
        return 507
    return 500
