"""The value types of the command line's options: each turns the text given into the value
the server takes, or an ``argparse.ArgumentTypeError`` that says what is wrong."""

import argparse

from .exceptions import ProtocolError
from .protocol import check_base_path, parse_initial_size
from .upload import parse_size


def terminal_size(value):
    """``COLUMNSxLINES`` as a ``TerminalSize``."""
    try:
        return parse_initial_size(value)
    except ProtocolError as error:
        raise argparse.ArgumentTypeError(str(error))


def port(value):
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError('not a port number: %r' % value)
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError('port must be 0..65535 (0: any free port)')
    return number


def base_path(value):
    try:
        return check_base_path(value)
    except ProtocolError as error:
        raise argparse.ArgumentTypeError(str(error))


def count(value):
    """A whole number of at least 1."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError('not a whole number: %r' % value)
    if number < 1:
        raise argparse.ArgumentTypeError('must be at least 1')
    return number


def size_in_bytes(value):
    """A size such as 500K, 100M or 2G, in bytes."""
    try:
        return parse_size(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error))


def seconds(value):
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError('not a number of seconds: %r' % value)
    if not number >= 0:
        raise argparse.ArgumentTypeError('must not be negative')
    return number
