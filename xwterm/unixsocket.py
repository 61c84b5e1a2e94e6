"""The HTTP listener on a UNIX socket (``--bind unix:PATH``), for a reverse proxy on the
same host: no TCP port at all, and the file's mode (0600 by default) or group decides who
may connect.

A path that holds a live socket (something answers) or any other kind of file is never
replaced; a stale socket left by a killed server is.  The socket is removed at exit, but
only while it is still the one this process made.
"""

import errno
import logging
import os
import socket
import stat

log = logging.getLogger(__name__)

#: How ``--bind`` spells a UNIX socket.
PREFIX = 'unix:'
#: Mode of the socket file unless ``--unix-socket-mode`` says otherwise.
DEFAULT_MODE = 0o600
#: Seconds the probe of an existing socket waits for an answer.
PROBE_TIMEOUT = 1.0


class UnixSocketError(OSError):
    """The socket cannot be made at that path (the message says why)."""


def socket_path(bind):
    """The path of a ``unix:PATH`` bind address, else None."""
    if bind and bind.startswith(PREFIX):
        return bind[len(PREFIX):]
    return None


def parse_mode(text):
    """``--unix-socket-mode``: octal digits (``600``, ``0660``) -> int; ValueError if not."""
    mode = int(text, 8)
    if not 0 <= mode <= 0o777:
        raise ValueError('a mode is at most 777 (octal)')
    return mode


def group_id(name):
    """``--unix-socket-group``: a group name or number -> gid; ValueError if unknown."""
    if name.isdigit():
        return int(name)
    import grp
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise ValueError('no such group: %s' % name)


def _clear_stale(path):
    """Remove a dead socket at ``path``; UnixSocketError for a live one or another file."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(status.st_mode):
        raise UnixSocketError('%s exists and is not a socket: not replacing it' % path)
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(PROBE_TIMEOUT)
    try:
        probe.connect(path)
    except OSError as error:
        if error.errno not in (errno.ECONNREFUSED, errno.ENOENT):
            raise UnixSocketError('%s: cannot tell whether a server still uses it (%s): '
                                  'not replacing it' % (path, error.strerror or error))
    else:
        raise UnixSocketError('%s is in use by a running server: not replacing it' % path)
    finally:
        probe.close()
    log.info('removing the stale socket %s', path)
    os.unlink(path)


class UnixListeningSocket(object):
    """A listening UNIX socket at ``path`` with ``mode`` (and ``gid``), and its removal."""

    def __init__(self, path, mode=DEFAULT_MODE, gid=None):
        self.path = os.path.abspath(path)
        self.mode = mode
        self.gid = gid
        self.sock = None
        self._identity = None

    def open(self):
        """Bind and listen; the socket object (non-blocking).  UnixSocketError, OSError."""
        _clear_stale(self.path)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        # Made with no permission for anyone but the owner, so there is no moment in which
        # others could connect; then given the mode asked for.
        previous = os.umask(0o177)
        try:
            sock.bind(self.path)
        except OSError as error:
            sock.close()
            raise UnixSocketError('cannot make the socket %s: %s'
                                  % (self.path, error.strerror or error))
        finally:
            os.umask(previous)
        try:
            status = os.lstat(self.path)
            self._identity = (status.st_dev, status.st_ino)
            if self.gid is not None:
                os.chown(self.path, -1, self.gid)
            os.chmod(self.path, self.mode)
            sock.listen(128)
            sock.setblocking(False)
        except OSError as error:
            sock.close()
            self.remove()
            raise UnixSocketError('cannot set up the socket %s: %s'
                                  % (self.path, error.strerror or error))
        self.sock = sock
        return sock

    def remove(self):
        """Delete the socket file if it is still ours (idempotent)."""
        identity, self._identity = self._identity, None
        if identity is None:
            return
        try:
            status = os.lstat(self.path)
            if (status.st_dev, status.st_ino) == identity:
                os.unlink(self.path)
        except OSError as error:
            if error.errno != errno.ENOENT:
                log.warning('cannot remove the socket %s: %s', self.path, error)
