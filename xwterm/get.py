"""``xwterm-get FILE...``: inside an xwterm session, ask the page to download FILE.

It prints, for each file, ``ESC ] 7799 ; download ; <base64 of the absolute path> BEL``
(the path's bytes as the file system has them, UTF-8 for ordinary names); the page then
fetches ``GET ?download&session=ID&token=T&path=PATH`` from the server.  A terminal that
does not know the sequence ignores it.  Inside tmux or screen the sequence does not reach
the page.

Standard library only and no package imports: ``xwterm/bin/xwterm-get`` runs this file
directly with the server's Python, which the server puts first on every session's PATH
(``helper_env``).  ``python3 -m xwterm.get FILE`` works as well.
"""

import base64
import os
import sys

#: The OSC number of xwterm's requests to the page.
OSC_NUMBER = 7799
BIN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'bin')


def download_request(path):
    """The escape sequence that asks the page to download ``path``."""
    encoded = base64.b64encode(os.fsencode(os.path.abspath(path))).decode('ascii')
    return '\x1b]%d;download;%s\x07' % (OSC_NUMBER, encoded)


def helper_env(environ=None):
    """Environment additions for a session: our bin/ first on PATH, and the server's Python
    for the xwterm-get launcher.  Nothing on Windows (the launcher is a shell script)."""
    if sys.platform == 'win32':
        return None
    environ = os.environ if environ is None else environ
    path = environ.get('PATH') or os.defpath
    return {'PATH': BIN_DIR + os.pathsep + path, 'XWTERM_PYTHON': sys.executable}


def _terminal():
    """Where the request goes: stdout if it is the terminal, else the controlling terminal
    (``xwterm-get FILE > log`` still reaches the page)."""
    if sys.stdout.isatty():
        return sys.stdout
    try:
        return open('/dev/tty', 'w')
    except OSError:
        return sys.stdout


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ('-h', '--help'):
        sys.stderr.write('usage: xwterm-get FILE...\n'
                         'Download FILE through the xwterm page this shell runs in.\n')
        return 0 if args else 2
    status = 0
    requests = []
    for name in args:
        if os.path.isfile(name):
            requests.append(download_request(name))
            continue
        if os.path.isdir(name):
            reason = 'is a directory (only files can be downloaded)'
        elif os.path.exists(name):
            reason = 'not a regular file'
        else:
            reason = 'no such file'
        sys.stderr.write('xwterm-get: %s: %s\n' % (name, reason))
        status = 1
    if requests:
        out = _terminal()
        out.write(''.join(requests))
        out.flush()
    return status


if __name__ == '__main__':
    sys.exit(main())
