#!/usr/bin/env python3
"""How fast a Linux pty delivers a flood to its reader, by the way it is read (issue 19).

    python3 bench/pty_reads.py                  # 30 MB, 5 rounds, ~1 min
    python3 bench/pty_reads.py --mb 60 --rounds 7

No server, no WebSocket: ``cat`` of a base64 file in ``bash --norc`` on a pty of this
process, read in one of these ways (the rounds alternate them):

* ``blocking``: ``os.read(fd, 65536)`` in a plain loop (the raw-pty row of side_by_side.py);
* ``once``: epoll, then one non-blocking read per readiness (what libuv, hence ttyd, does);
* ``drain``: epoll, then reads until EAGAIN or 64 KiB (bigger chunks, fewer forwards);
* ``once+Nus``: ``once`` with N microseconds of busy work after each read, standing in for
  what a server does with a chunk before it reads again (frame it, send it).

A pty hands out at most ~4 KiB per read and refills only as it is drained, so the rate is
about 4 KiB per reader turnaround: the ``once+Nus`` rows show what a turnaround of a
Python event loop costs.  It prints MB/s (median [min-max]) and the machine's other load.
"""

import argparse
import base64
import os
import pty
import random
import select
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import sbs_load  # noqa: E402

END = b"@@PTY-READS-END@@"
GUARD = 60.0


def spawn_shell():
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update(PS1="$ ", HISTFILE="/dev/null", LC_ALL="C.UTF-8")
        os.execv("/bin/bash", ["bash", "--norc", "--noprofile"])
    return pid, fd


def busy(seconds):
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        pass


def flood(path, mode, work_us):
    """``cat path`` read in ``mode``: (MB/s, bytes per read)."""
    pid, fd = spawn_shell()
    poller = select.epoll()
    try:
        seen = b""
        deadline = time.monotonic() + GUARD
        while b"$ " not in seen:
            if time.monotonic() > deadline:
                raise TimeoutError("no prompt")
            seen += os.read(fd, 65536)
        os.set_blocking(fd, mode == "blocking")
        poller.register(fd, select.EPOLLIN)
        os.write(fd, ("stty -echo; cat %s\n" % path).encode())
        total, reads, tail = 0, 0, b""
        start = time.perf_counter()
        while True:
            if time.perf_counter() - start > GUARD:
                raise TimeoutError("flood took more than %.0f s" % GUARD)
            if mode == "blocking":
                got = os.read(fd, 65536)
                reads += 1
            else:
                poller.poll(1.0)
                got = b""
                while True:
                    try:
                        more = os.read(fd, 65536 - len(got))
                    except BlockingIOError:
                        break
                    reads += 1
                    got += more
                    if mode != "drain" or len(got) >= 65536:
                        break
                if work_us:
                    busy(work_us / 1e6)
            total += len(got)
            if END in tail + got:
                break
            tail = got[-len(END):]
        return total / (time.perf_counter() - start) / 1e6, total / float(reads)
    finally:
        poller.close()
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        os.close(fd)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--work", type=int, action="append", metavar="US",
                        help="busy microseconds per read for a once+N row (default 10, 40)")
    options = parser.parse_args(argv)
    variants = [("blocking", 0), ("once", 0), ("drain", 0)]
    variants += [("once", us) for us in (options.work or [10, 40])]
    names = ["%s+%dus" % (mode, us) if us else mode for mode, us in variants]
    rates = dict((name, []) for name in names)
    per_read = dict((name, []) for name in names)
    raw = random.Random(20261206).randbytes(int(options.mb * 1e6 * 3 / 4))
    with tempfile.TemporaryDirectory(prefix="xwterm-pty-reads-") as directory:
        path = os.path.join(directory, "flood.b64")
        with open(path, "wb") as payload:
            payload.write(base64.encodebytes(raw) + END + b"\n")
        load = sbs_load.LoadWatch().start()
        try:
            for round_index in range(options.rounds):
                order = list(zip(names, variants))
                if round_index % 2:
                    order.reverse()
                for name, (mode, us) in order:
                    rate, size = flood(path, mode, us)
                    rates[name].append(rate)
                    per_read[name].append(size)
        finally:
            report = load.stop()
    print("pty flood: %.0f MB base64 through `cat` in bash, %d rounds, modes alternating"
          % (options.mb, options.rounds))
    print("load: " + sbs_load.describe(report))
    print("| read pattern | MB/s median [min-max] | bytes per read |")
    print("| --- | --- | --- |")
    for name in names:
        values = rates[name]
        print("| %s | %.1f [%.1f-%.1f] | %.0f |" % (name, statistics.median(values), min(values),
                                                    max(values), statistics.median(per_read[name])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
