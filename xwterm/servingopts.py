"""The command line's serving options: ``--cwd``, ``--once``, the UNIX socket of
``--bind unix:PATH`` and ``--record`` (docs/options.md, docs/recordings.md)."""

import argparse
import os
import socket
import sys

from . import record, unixsocket
from .optiontypes import size_in_bytes
from .upload import format_size


def _octal_mode(value):
    try:
        return unixsocket.parse_mode(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError('not an octal mode like 600 or 660: %r (%s)'
                                         % (value, error))


def _group(value):
    try:
        return unixsocket.group_id(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error))


def add_options(parser):
    group = parser.add_argument_group(
        'serving', 'Where shells start, how long the server lives, where it listens, '
        'what it records (see docs/options.md and docs/recordings.md).')
    add = group.add_argument
    add('--cwd', metavar='DIR',
        help='directory the shells start in (default: the server\'s own)')
    add('--once', action='store_true',
        help='serve one session (reloads and share links attach to it); when it ends, '
             'the server exits with status 0')
    add('--unix-socket-mode', type=_octal_mode, default=unixsocket.DEFAULT_MODE,
        metavar='MODE', help='with --bind unix:PATH: the socket file\'s mode, octal '
                             '(default: 600, the owner only)')
    add('--unix-socket-group', type=_group, metavar='GROUP',
        help='with --bind unix:PATH: the socket file\'s group (e.g. the proxy\'s, with '
             '--unix-socket-mode 660)')
    add('--record', metavar='DIR',
        help='write every session to DIR as an asciicast v2 file (asciinema play FILE); '
             'the page lists them at recordings.html')
    add('--record-input', action='store_true',
        help='with --record: record what is typed too (passwords included)')
    add('--record-max-file', type=size_in_bytes, default=record.DEFAULT_MAX_FILE,
        metavar='SIZE', help='with --record: bytes one recording may reach (default: %s)'
        % format_size(record.DEFAULT_MAX_FILE))
    add('--record-max-total', type=size_in_bytes, default=record.DEFAULT_MAX_TOTAL,
        metavar='SIZE', help='with --record: bytes all recordings may take; the oldest '
        'are deleted first (default: %s)' % format_size(record.DEFAULT_MAX_TOTAL))


def check_options(parser, options):
    """Usage errors among the serving options (exit 2 through ``parser.error``)."""
    unix = unixsocket.socket_path(options.bind) is not None
    if unix and not options.bind[len(unixsocket.PREFIX):]:
        parser.error('--bind unix:PATH needs a path')
    if unix and not hasattr(socket, 'AF_UNIX'):
        parser.error('--bind unix:PATH: this system has no UNIX sockets')
    if unix and options.no_http:
        parser.error('--bind unix:PATH serves the HTTP listener: it cannot be combined '
                     'with --no-http')
    if not unix and options.unix_socket_group is not None:
        parser.error('--unix-socket-group needs --bind unix:PATH')
    if options.once and options.aiohttp_workaround:
        parser.error('--once cannot be combined with --aiohttp-workaround (the child '
                     'process would serve sessions of its own)')
    if not options.record and (options.record_input or
                               options.record_max_file != record.DEFAULT_MAX_FILE or
                               options.record_max_total != record.DEFAULT_MAX_TOTAL):
        parser.error('--record-input, --record-max-file and --record-max-total need '
                     '--record DIR')
    if options.record and options.record_max_file > options.record_max_total:
        parser.error('--record-max-file is larger than --record-max-total')
    if options.record and options.record_max_file < record.MIN_MAX_FILE:
        parser.error('--record-max-file must be at least %d bytes' % record.MIN_MAX_FILE)


def start_directory(path):
    """``--cwd`` as an absolute path; None (after one line on stderr) if unusable."""
    if path is None:
        return None
    if not os.path.isdir(path):
        print('xwterm: --cwd %s: not a directory' % path, file=sys.stderr)
        return False
    return os.path.abspath(path)


def recorder(options):
    """The ``record.Recorder`` of ``--record`` (None without); False (after one line on
    stderr) if its directory cannot be used."""
    if not options.record:
        return None
    made = record.Recorder(options.record, options.record_input,
                           options.record_max_file, options.record_max_total)
    try:
        made.check_directory()
    except OSError as error:
        print('xwterm: --record %s: %s' % (options.record, error.strerror or error),
              file=sys.stderr)
        return False
    return made
