"""What else the machine did while a benchmark ran: the CPU time of every other process.

    python3 bench/sbs_load.py WATCHED_PID          # samples until stdin closes, prints JSON

A benchmark on a shared machine measures the other processes' load as much as its own
servers.  This watcher runs as a separate process (its sampling must not stall the
benchmark's event loop), reads /proc every ``INTERVAL`` seconds, and sorts the CPU time
(utime + stime, and cutime + cstime of children reaped meanwhile) of every process into:

* ours: WATCHED_PID and its descendants (the benchmark, the servers, their shells, itself);
* kernel threads (children of kthreadd: e.g. the kworkers that move pty data, which our
  own workload keeps busy);
* others: everything else, i.e. load the benchmark did not cause.

A process that ends between two samples is still counted: its parent's cutime + cstime
grows by its whole CPU time, less what was already counted while it was seen alive.  The
others' total (and its peak per interval) is the machine-wide busy time of /proc/stat
less ours and the kernel threads', so every process counts once; the per-command list
of the busiest others is their own CPU time between samples (approximate: what a
process used after the last sample it was seen in is not in it).
On end of stdin it prints one JSON object (see ``Watcher.report``).
"""

import json
import os
import sys
import threading
import time

INTERVAL = 0.5
KTHREADD = 2
#: Others' average CPU use (in CPUs) above which a run is called busy.
BUSY_CPUS = 0.2


def clock_ticks():
    return float(os.sysconf("SC_CLK_TCK"))


def read_processes():
    """pid -> (ppid, starttime, own cpu ticks, reaped children's cpu ticks, comm)."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        close = stat.rfind(b")")
        comm = stat[stat.find(b"(") + 1:close].decode("ascii", "replace")
        fields = stat[close + 2:].split()
        table[int(name)] = (int(fields[1]), int(fields[19]),
                            int(fields[11]) + int(fields[12]),
                            int(fields[13]) + int(fields[14]), comm)
    return table


def busy_ticks():
    """CPU ticks the whole machine spent not idle (user, nice, system, irq, softirq, steal)."""
    with open("/proc/stat") as handle:
        fields = [int(x) for x in handle.readline().split()[1:9]]
    return sum(fields) - fields[3] - fields[4]


class Watcher(object):
    def __init__(self, root):
        self.root = root
        self.started = time.monotonic()
        self.busy_start = busy_ticks()
        self.loadavg_start = os.getloadavg()
        self.seen = {}          # (pid, starttime) -> [own, children, kind, ppid, comm]
        self.counted = {"ours": 0, "kernel": 0, "others": 0}
        self.by_command = {}
        self.peak_others = 0.0
        self.samples = 0
        self.last_busy = self.busy_start
        self.last_time = self.started
        self.sample(first=True)

    def classify(self, pid, table):
        hops = 0
        while pid in table and hops < 64:
            if pid == self.root:
                return "ours"
            if pid == KTHREADD:
                return "kernel"
            pid = table[pid][0]
            hops += 1
        return "others"

    def sample(self, first=False):
        table = read_processes()
        before = dict(self.counted)
        alive = set((pid, row[1]) for pid, row in table.items())
        for key in [key for key in self.seen if key not in alive]:
            entry = self.seen.pop(key)
            # Its parent's cutime now includes all of it: the part counted already (and
            # the part before the run) must not count again.
            parent = self.seen.get((entry[3], table.get(entry[3], (0, None))[1]))
            if parent is not None:
                parent[1] += entry[0] + entry[1]
        # An orphan is reaped by init (or a subreaper) with its whole life's CPU, from
        # before the run too: the reapers' children times are left to the machine-wide
        # figure (report), which counts every process once.
        for pid, (ppid, start, own, children, comm) in table.items():
            entry = self.seen.get((pid, start))
            if entry is None:
                # Born during the run: all of its CPU is new; else only what follows.
                entry = self.seen[(pid, start)] = [own if first else 0,
                                                   children if first else 0,
                                                   self.classify(pid, table), ppid, comm]
            reaped = children - entry[1] if pid != 1 else 0
            self.account(entry[2], entry[4], own - entry[0], max(0, reaped))
            entry[0], entry[1], entry[3] = own, children, ppid
        busy, now = busy_ticks(), time.monotonic()
        if not first and now > self.last_time:
            self.samples += 1
            ours_and_kernel = sum(self.counted[kind] - before[kind] for kind in ("ours", "kernel"))
            others = (busy - self.last_busy - ours_and_kernel) / clock_ticks()
            self.peak_others = max(self.peak_others, others / (now - self.last_time))
        self.last_busy, self.last_time = busy, now

    def account(self, kind, comm, own, reaped):
        """``own``: CPU ticks the process used itself; ``reaped``: of children it reaped.
        The per-command list counts only ``own`` (a child reaped by a process that is
        not its parent on record would be counted twice there)."""
        self.counted[kind] += max(0, own) + reaped
        if kind == "others" and own > 0:
            self.by_command[comm] = self.by_command.get(comm, 0) + own

    def report(self):
        self.sample()
        elapsed = time.monotonic() - self.started
        ticks = clock_ticks()
        total = (busy_ticks() - self.busy_start) / ticks
        ours, kernel = self.counted["ours"] / ticks, self.counted["kernel"] / ticks
        # The machine-wide counter less ours: also catches short-lived processes and
        # interrupts that no sample saw.
        others = max(0.0, total - ours - kernel)
        top = sorted(self.by_command.items(), key=lambda item: -item[1])[:5]
        return {
            "seconds": round(elapsed, 2),
            "cpus": os.cpu_count(),
            "machine_busy_cpu_s": round(total, 2),
            "ours_cpu_s": round(ours, 2),
            "kernel_threads_cpu_s": round(kernel, 2),
            "others_cpu_s": round(others, 2),
            "others_cpus": round(others / elapsed, 3) if elapsed else 0.0,
            "others_peak_cpus": round(self.peak_others, 2),
            "others_top": [[comm, round(ticks_ / ticks, 2)] for comm, ticks_ in top],
            "loadavg_start": [round(x, 2) for x in self.loadavg_start],
            "loadavg_end": [round(x, 2) for x in os.getloadavg()],
            "busy": others / elapsed > BUSY_CPUS if elapsed else False,
        }


def main(argv):
    watcher = Watcher(int(argv[1]))
    done = threading.Event()

    def wait_for_eof():
        sys.stdin.read()
        done.set()
    threading.Thread(target=wait_for_eof, daemon=True).start()
    while not done.wait(INTERVAL):
        watcher.sample()
    sys.stdout.write(json.dumps(watcher.report()) + "\n")
    return 0


class LoadWatch(object):
    """The watcher as a child process of a benchmark: start(), then stop() -> the report."""

    def __init__(self):
        self.proc = None

    def start(self):
        import subprocess
        self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), str(os.getpid())],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        return self

    def stop(self):
        output, _ = self.proc.communicate(b"", timeout=60)
        return json.loads(output.decode())


def describe(load):
    """One line: the others' CPU use beside the figures, and whether the run was busy."""
    top = ", ".join("%s ~%.1f s" % (comm, seconds) for comm, seconds in load["others_top"][:3])
    return ("other processes used %.2f of %d CPUs on average (peak %.2f over %.1f s), "
            "%.1f s CPU%s; load average %s at start, %s at end; %s" % (
                load["others_cpus"], load["cpus"], load["others_peak_cpus"], INTERVAL,
                load["others_cpu_s"], " (%s)" % top if top else "",
                " ".join("%.2f" % x for x in load["loadavg_start"]),
                " ".join("%.2f" % x for x in load["loadavg_end"]),
                "BUSY: figures disturbed, targets not judged" if load["busy"]
                else "quiet (others below %.2f CPUs)" % BUSY_CPUS))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
