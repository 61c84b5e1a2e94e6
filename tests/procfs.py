"""Process facts from /proc for the tests (Python 3.6+: the embedded leg imports it too)."""

import os


def proc_stats():
    """``(pid, fields)`` for every process, ``fields`` being /proc/PID/stat after the name
    (state, ppid, pgrp, session, ..., utime at 11, stime at 12)."""
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as handle:
                yield int(entry), handle.read().rsplit(')', 1)[1].split()
        except OSError:
            continue
