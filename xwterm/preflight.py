"""What the command line checks before it serves: a board service that is misconfigured
fails at start (exit 2, one line naming the problem) rather than serving errors later.

Each check returns ``None`` when all is well, else the one-line reason.  Nothing here
changes anything: the upload folder is still created on the first upload.
"""

import os
import shutil
import tempfile


def docroot_problem(path):
    """``--docroot``: a directory the page can be served from."""
    if not os.path.exists(path):
        return '--docroot %s: no such directory' % path
    if not os.path.isdir(path):
        return '--docroot %s: not a directory' % path
    if not os.access(path, os.R_OK | os.X_OK):
        return '--docroot %s: not readable' % path
    return None


def command_problem(command, environ=None):
    """The command sessions run: its program exists and may be executed."""
    if not command:
        return None
    program = command[0]
    environ = os.environ if environ is None else environ
    if os.sep in program or (os.altsep and os.altsep in program):
        if not os.path.exists(program):
            return 'command %s: no such file' % program
        if os.path.isdir(program):
            return 'command %s: is a directory' % program
        if not os.access(program, os.X_OK):
            return 'command %s: not executable' % program
        return None
    if shutil.which(program, path=environ.get('PATH', os.defpath)) is None:
        return 'command %s: not found on PATH' % program
    return None


def _existing_ancestor(path):
    path = os.path.abspath(path)
    while not os.path.exists(path):
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return path


def upload_dir_problem(path):
    """``--upload-dir``: a writable directory, or one that can be created on the first
    upload (its nearest existing parent is a directory in which one can be made)."""
    path = os.path.expanduser(path)
    if os.path.exists(path):
        if not os.path.isdir(path):
            return '--upload-dir %s: not a directory' % path
        if not os.access(path, os.W_OK | os.X_OK):
            return '--upload-dir %s: not writable' % path
        return None
    parent = _existing_ancestor(path)
    if not os.path.isdir(parent):
        return '--upload-dir %s: %s is not a directory' % (path, parent)
    try:
        # access() says yes to root everywhere; making (and removing) a folder is the test.
        os.rmdir(tempfile.mkdtemp(prefix='.xwterm-probe-', dir=parent))
    except OSError as error:
        return '--upload-dir %s: cannot be created in %s (%s)' % (
            path, parent, error.strerror or error)
    return None
