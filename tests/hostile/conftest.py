"""Hostile-client tests: every test runs against loopback servers only, with a bounded
number of connections and bounded time, and ends with a leak check of this process:
no file descriptor, child process or zombie more than before."""

import os
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

from procfs import proc_stats  # noqa: E402

#: Seconds a test's processes get to disappear after it ended.
SETTLE = 15.0


def _my_children():
    me = os.getpid()
    return set(pid for pid, fields in proc_stats() if int(fields[1]) == me)


def _my_fds():
    return set(os.listdir('/proc/self/fd'))


@pytest.fixture(autouse=True)
def no_leaks():
    """Fail a test that leaves descriptors, child processes or zombies behind."""
    fds_before = _my_fds()
    children_before = _my_children()
    yield
    deadline = time.monotonic() + SETTLE
    while True:
        new_children = _my_children() - children_before
        new_fds = _my_fds() - fds_before
        if not new_children and not new_fds:
            return
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert not new_children, 'child processes left behind: %s' % sorted(new_children)
    details = []
    for fd in sorted(new_fds):
        try:
            details.append('%s -> %s' % (fd, os.readlink('/proc/self/fd/' + fd)))
        except OSError:
            pass
    assert not details, 'descriptors left open: %s' % details
