#!/usr/bin/env python3
"""What ``--record DIR`` costs the shell: output throughput over WebSocket with and without it.

Starts ``python -m xwterm --no-auth --no-http --ws 0`` from this checkout twice (plain, and
with ``--record`` into a temporary directory), alternating runs; each run has the shell print
``--mb`` MB of 100-column lines and times it from the command until its end marker arrives.
Prints MB/s (median of ``--reps``) for both, their ratio, and the recording's size.  Prints,
never asserts.

    python3 bench/bench_record.py [--mb 32] [--reps 3]
"""

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import websockets

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARKER = '__BENCH_END__'


def start_server(extra):
    env = dict(os.environ, PYTHONPATH=ROOT)
    process = subprocess.Popen(
        [sys.executable, '-m', 'xwterm', '--no-auth', '--no-http', '--ws', '0', '--quiet']
        + extra + ['--', '/bin/sh'], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, universal_newlines=True)
    for line in process.stdout:
        if line.startswith('WebSocket:'):
            return process, line.split(None, 1)[1].strip()
    raise SystemExit('the server did not start')


async def one_run(url, megabytes):
    count = int(megabytes * 1024 * 1024 / 101)
    command = ("yes xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
               "xxxxxxxxxxxxxxxxxxxxxxxxx | head -n %d; echo __BENCH_\"END__\"; exit\n" % count)
    async with websockets.connect(url + '?size=40x120', max_size=None) as ws:
        started = time.monotonic()
        await ws.send(json.dumps({'text': command}))
        tail = ''
        received = 0
        while MARKER not in tail:
            text = json.loads(await ws.recv()).get('text', '')
            received += len(text)
            tail = (tail + text)[-200:]
        elapsed = time.monotonic() - started
    return received / elapsed / 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--mb', type=float, default=32, help='MB of output per run')
    parser.add_argument('--reps', type=int, default=3, help='runs of each (default 3)')
    options = parser.parse_args()
    directory = tempfile.mkdtemp(prefix='xwterm-bench-record-')
    servers = {'plain': start_server([]),
               'recorded': start_server(['--record', directory])}
    rates = {name: [] for name in servers}
    try:
        for _ in range(options.reps):
            for name, (_, url) in servers.items():
                rates[name].append(asyncio.run(one_run(url, options.mb)))
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(30)
            process.stdout.close()
    recorded = sum(os.path.getsize(os.path.join(directory, name))
                   for name in os.listdir(directory))
    shutil.rmtree(directory, ignore_errors=True)
    plain = statistics.median(rates['plain'])
    with_recording = statistics.median(rates['recorded'])
    print('output over WebSocket, %.0f MB per run, median of %d (Python %s):'
          % (options.mb, options.reps, sys.version.split()[0]))
    print('  plain            %7.1f MB/s  %s' % (plain, ['%.1f' % r for r in rates['plain']]))
    print('  with --record    %7.1f MB/s  %s' % (with_recording,
                                                 ['%.1f' % r for r in rates['recorded']]))
    print('  ratio            %7.2f' % (with_recording / plain))
    print('  recorded         %7.1f MB in %d runs' % (recorded / 1e6, options.reps))


if __name__ == '__main__':
    main()
