"""Which processes still belong to a closed session: one /proc scan, in a worker thread,
answers every session closing at about the same time.

A shell's background jobs may outlive it in its session (they ignore the hang-up); the
pty backend finds them here to hang them up too.
"""

import asyncio
import logging
import os
import weakref

from ..compat import create_task, get_running_loop

log = logging.getLogger(__name__)

#: Seconds a /proc scan for leftovers of closed sessions waits for more sessions to close.
SCAN_GATHER = 0.25


def _sessions_members(sids):
    """``{sid: [pids]}``: the live processes of each session in ``sids`` per /proc
    (empty where /proc does not exist).

    Plain os.open/os.read (no file objects, the GIL released in each call): this runs in
    a worker thread while the loop serves the other sessions.
    """
    members = dict((sid, []) for sid in sids)
    try:
        names = os.listdir("/proc")
    except OSError:
        return members
    for name in names:
        if not name.isdigit():
            continue
        try:
            fd = os.open("/proc/%s/stat" % name, os.O_RDONLY)
        except OSError:
            continue
        try:
            stat = os.read(fd, 4096)
        except OSError:
            continue
        finally:
            os.close(fd)
        fields = stat[stat.rfind(b")") + 2:].split(None, 5)
        if len(fields) > 3 and fields[0] != b"Z":
            sid = int(fields[3])
            if sid in members:
                members[sid].append(int(name))
    return members


class SessionScans(object):
    """One /proc scan in a worker thread answers every session closing at about the same
    time: closing 100 sessions costs a few scans, not 100 (each reads every process)."""

    _per_loop = weakref.WeakKeyDictionary()

    def __init__(self):
        self._waiting = {}
        self._scanner = None

    @classmethod
    def of_running_loop(cls):
        loop = get_running_loop()
        scans = cls._per_loop.get(loop)
        if scans is None:
            scans = cls._per_loop[loop] = cls()
        return scans

    async def members(self, sid):
        """The live processes of session ``sid``."""
        future = self._waiting.get(sid)
        if future is None:
            future = self._waiting[sid] = get_running_loop().create_future()
        if self._scanner is None:
            self._scanner = create_task(self._scan(), name="proc-scan")
        return await asyncio.shield(future)

    async def _scan(self):
        loop = get_running_loop()
        try:
            # Sessions closing together (a server stopping, many tabs closed) are
            # answered by one scan, which then does not compete with the sessions
            # being opened at that moment (it runs in a thread, but needs the GIL).
            await asyncio.sleep(SCAN_GATHER)
            while self._waiting:
                batch, self._waiting = self._waiting, {}
                try:
                    found = await loop.run_in_executor(None, _sessions_members, set(batch))
                except asyncio.CancelledError:
                    raise
                except Exception as error:   # answer every waiter, whatever happened
                    log.warning("cannot scan /proc: %r", error)
                    found = {}
                for sid, future in batch.items():
                    if not future.done():
                        future.set_result(found.get(sid, []))
        finally:
            self._scanner = None
