"""--record DIR: every session as an asciicast v2 file (validated here, and played by the
real asciinema when it is installed), on every channel; input only with --record-input;
files 0600; bounds per file and in total; the list and download endpoints need the login."""

import asyncio
import json
import os
import shutil
import stat
import subprocess
import time

import aiohttp
import pytest
import websockets

from serverutil import (AUTH_HEADERS, ServerProcess, cli, http_base, run, serving, ws_connect,
                        ws_url)

from xwterm import record
from xwterm.record import NAME_PATTERN, Recorder

ASCIINEMA = shutil.which('asciinema')


def read_cast(path):
    """``(header, events)`` of an asciicast v2 file, checking the format as it goes."""
    with open(path, encoding='utf-8') as handle:
        lines = handle.read().splitlines()
    header = json.loads(lines[0])
    assert header['version'] == 2
    assert isinstance(header['width'], int) and isinstance(header['height'], int)
    assert isinstance(header['timestamp'], int) and header['command']
    events = [json.loads(line) for line in lines[1:]]
    times = [event[0] for event in events]
    assert times == sorted(times) and all(t >= 0 for t in times)
    for event in events:
        assert len(event) == 3 and event[1] in ('o', 'r', 'i') and isinstance(event[2], str)
        if event[1] == 'r':
            columns, lines_ = event[2].split('x')
            assert int(columns) > 0 and int(lines_) > 0
    return header, events


def output_of(events):
    return ''.join(event[2] for event in events if event[1] == 'o')


def only_cast(directory):
    names = [name for name in os.listdir(str(directory)) if name.endswith('.cast')]
    assert len(names) == 1, names
    return os.path.join(str(directory), names[0])


async def session_over(channel, server, script, needle):
    """Run ``script`` in a new session over ``channel``, resize it, end it with exit."""
    if channel == 'long-poll':
        async with aiohttp.ClientSession(headers=AUTH_HEADERS) as http:
            base = http_base(server)
            async with http.get(base + '?console&client=r1&size=24x80') as response:
                first = await response.json()
            query = 'client=r1&session=%s&token=%s' % (first['session'], first['token'])
            async with http.get(base + '?size=30x100&' + query) as response:
                assert response.status == 200
            async with http.post(base + '?' + query, data=script.encode()) as response:
                assert response.status == 200
            text = first['text']
            while needle not in text:
                async with http.get(base + '?console&wait=5&' + query) as response:
                    text += (await response.json())['text']
            async with http.post(base + '?' + query, data=b'exit\n') as response:
                assert response.status == 200
            while True:
                async with http.get(base + '?console&wait=5&' + query) as response:
                    if 'exit' in await response.json():
                        return
    url = ws_url(server) if channel == 'websocket port' else http_base(server).replace(
        'http:', 'ws:') + 'ws'
    async with ws_connect(url + '?size=24x80') as ws:
        await ws.send(json.dumps({'size': '30x100'}))
        await ws.send(json.dumps({'text': script}))
        text = ''
        while needle not in text:
            text += json.loads(await ws.recv()).get('text', '')
        await ws.send(json.dumps({'text': 'exit\n'}))
        try:
            while True:
                await ws.recv()
        except Exception:
            pass


async def wait_ended(server):
    while len(server.sessions):
        await asyncio.sleep(0.05)


@pytest.mark.parametrize('channel', ['websocket port', 'one-port /ws', 'long-poll'])
def test_every_channel_is_recorded_as_asciicast_v2(tmp_path, channel):
    recorder = Recorder(str(tmp_path / 'casts'))

    async def scenario():
        async with serving(recorder=recorder) as server:
            await session_over(channel, server, 'printf "caf\\303\\251 %s\\n" REC$((6*7))\n',
                               'REC42')
            await wait_ended(server)
    run(scenario())
    path = only_cast(tmp_path / 'casts')
    assert NAME_PATTERN.match(os.path.basename(path))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(str(tmp_path / 'casts')).st_mode) == 0o700
    header, events = read_cast(path)
    assert (header['width'], header['height']) == (80, 24) and header['command'] == '/bin/sh'
    assert 'café REC42' in output_of(events)
    assert ['r', '100x30'] in [event[1:] for event in events]
    assert not [event for event in events if event[1] == 'i']


def test_input_only_with_record_input(tmp_path):
    recorder = Recorder(str(tmp_path), record_input=True)

    async def scenario():
        async with serving(recorder=recorder) as server:
            await session_over('websocket port', server, 'echo TYPED$((1+1))\n', 'TYPED2')
            await wait_ended(server)
    run(scenario())
    _, events = read_cast(only_cast(tmp_path))
    typed = ''.join(event[2] for event in events if event[1] == 'i')
    assert 'echo TYPED$((1+1))\n' in typed and 'exit\n' in typed


def test_a_file_stops_at_its_bound_with_a_note(tmp_path):
    recorder = Recorder(str(tmp_path), max_file=4096, max_total=1024 * 1024)

    async def scenario():
        async with serving(recorder=recorder) as server:
            await session_over('websocket port', server,
                               'i=0; while [ $i -lt 400 ]; do echo line$i; i=$((i+1)); done;'
                               ' echo END$((5*5))\n', 'END25')
            await wait_ended(server)
    run(scenario())
    path = only_cast(tmp_path)
    _, events = read_cast(path)
    assert 'recording stopped: 4096 bytes per file' in events[-1][2]
    assert os.path.getsize(path) <= 4096
    assert 'line0' in output_of(events) and 'line399' not in output_of(events)


def test_oldest_recordings_go_first_when_the_total_is_reached(tmp_path):
    old = []
    for number in range(3):
        name = record.file_name('old%d' % number, time.time() - 3600 * (3 - number))
        with open(str(tmp_path / name), 'w') as handle:
            handle.write(json.dumps({'version': 2, 'width': 80, 'height': 24,
                                     'timestamp': 0, 'command': 'sh'}) + '\n')
            handle.write('[0.1, "o", "%s"]\n' % ('x' * 3000))
        old.append(name)
    unrelated = tmp_path / 'notes.txt'
    unrelated.write_text('not a recording')
    old_bytes = sum(os.path.getsize(str(tmp_path / name)) for name in old)
    recorder = Recorder(str(tmp_path), max_file=8192, max_total=old_bytes + 100)

    async def scenario():
        async with serving(recorder=recorder) as server:
            await session_over('websocket port', server, 'echo NEW$((7*7))\n', 'NEW49')
            await wait_ended(server)
    run(scenario())
    left = sorted(os.listdir(str(tmp_path)))
    assert old[0] not in left and old[2] in left and 'notes.txt' in left
    assert sum(os.path.getsize(str(tmp_path / name)) for name in left
               if NAME_PATTERN.match(name)) <= recorder.max_total
    new = [name for name in left if NAME_PATTERN.match(name) and 'old' not in name]
    assert 'NEW49' in output_of(read_cast(str(tmp_path / new[0]))[1])


@pytest.mark.skipif(ASCIINEMA is None, reason='asciinema is not installed (pip install asciinema)')
def test_asciinema_plays_it(tmp_path):
    recorder = Recorder(str(tmp_path))

    async def scenario():
        async with serving(recorder=recorder) as server:
            await session_over('websocket port', server, 'echo PLAY$((8*8))\n', 'PLAY64')
            await wait_ended(server)
    run(scenario())
    path = only_cast(tmp_path)
    shown = subprocess.run([ASCIINEMA, 'cat', path], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert b'PLAY64' in shown.stdout
    played = subprocess.run([ASCIINEMA, 'play', '-s', '50', '-i', '0.1', path],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert played.returncode == 0, played.stderr
    assert b'PLAY64' in played.stdout


def test_list_and_download_need_the_login(tmp_path):
    recorder = Recorder(str(tmp_path))

    async def scenario():
        async with serving(recorder=recorder) as server:
            await session_over('websocket port', server, 'echo LIST$((9*9))\n', 'LIST81')
            await wait_ended(server)
            base = http_base(server)
            async with aiohttp.ClientSession() as anonymous:
                for query in ('?recordings', '?recording=x.cast'):
                    async with anonymous.get(base + query) as response:
                        assert response.status == 401
            async with aiohttp.ClientSession(headers=AUTH_HEADERS) as http:
                # The file is closed by a worker thread after the session ends.
                for _ in range(200):
                    async with http.get(base + '?recordings') as response:
                        assert response.status == 200
                        listing = await response.json()
                    if listing and listing[0]['recording'] is False:
                        break
                    await asyncio.sleep(0.05)
                assert len(listing) == 1 and listing[0]['recording'] is False
                item = listing[0]
                assert (item['width'], item['height'], item['command']) == (80, 24, '/bin/sh')
                async with http.get(base + '?recording=' + item['name']) as response:
                    assert response.status == 200
                    assert response.headers['Content-Type'].startswith(record.CONTENT_TYPE)
                    assert 'LIST81' in await response.text()
                for bad in ('../etc/passwd', 'x.cast', item['name'] + '/', '.'):
                    async with http.get(base + '?recording=' + bad) as response:
                        assert response.status == 404
        async with serving(recorder=recorder, readonly=True) as server:
            async with aiohttp.ClientSession(headers=AUTH_HEADERS) as http:
                async with http.get(http_base(server) + '?recordings') as response:
                    assert response.status == 403
        async with serving() as server:
            async with aiohttp.ClientSession(headers=AUTH_HEADERS) as http:
                async with http.get(http_base(server) + '?recordings') as response:
                    assert response.status == 404
    run(scenario())


def test_cli_records_and_says_so(tmp_path):
    directory = tmp_path / 'rec'
    args = ['--http', '0', '--ws', '0', '--record', str(directory), '--command', '/bin/sh']
    with ServerProcess(args) as server:
        assert ('Recording: every session to %s (asciicast v2); played at /recordings.html'
                % directory) in server.output
        assert stat.S_IMODE(os.stat(str(directory)).st_mode) == 0o700


@pytest.mark.parametrize('args, message', [
    (['--record-input'], 'need --record DIR'),
    (['--record-max-total', '1M'], 'need --record DIR'),
    (['--record', '/tmp', '--record-max-file', '2M', '--record-max-total', '1M'],
     'larger than --record-max-total'),
    (['--record', '/tmp', '--record-max-file', '100'], 'at least 4096 bytes'),
])
def test_usage_errors(args, message):
    result = cli(args)
    assert result.returncode == 2 and message in result.stderr


def test_unusable_directory_exits_2_with_one_line(tmp_path):
    blocker = tmp_path / 'file'
    blocker.write_text('in the way')
    result = cli(['--record', str(blocker / 'sub'), '--command', '/bin/sh'])
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and '--record' in result.stderr


def test_a_stalled_disk_never_blocks_the_loop_and_output_beyond_the_buffer_is_noted(tmp_path):
    """The writer threads are all busy (a stand-in for a disk that does not answer):
    output() still returns at once, the buffer stops at MAX_PENDING, and once the disk
    answers the file says how much was left out."""
    import concurrent.futures
    import threading
    from xwterm.session import TerminalSize

    class StandIn(object):
        id = 'stalled'
        size = TerminalSize(80, 24)
        command = ['/bin/sh']

    class Hub(object):
        session = StandIn()

    recorder = Recorder(str(tmp_path))
    chunk = b'y' * 65536

    async def scenario():
        loop = asyncio.get_running_loop()
        executor = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        loop.set_default_executor(executor)
        disk = threading.Event()
        stalled = loop.run_in_executor(None, disk.wait, 60)
        recording = recorder.open(Hub())
        for _ in range(40):             # 2.5 MiB of output while nothing can be written
            recording.output(chunk)
        assert recording._batch_bytes <= record.MAX_PENDING
        disk.set()
        await stalled
        recording.output(b'AFTER\r\n')
        recording.close()
        await recorder.drain()
    run(scenario())
    _, events = read_cast(only_cast(tmp_path))
    text = output_of(events)
    assert 'characters of output not recorded: the disk was too slow' in text
    assert text.endswith('AFTER\r\n') and len(text) < 40 * 65536


def test_a_running_session_is_listed_as_recording(tmp_path):
    recorder = Recorder(str(tmp_path))

    async def scenario():
        async with serving(recorder=recorder) as server:
            async with ws_connect(ws_url(server) + '?size=24x80') as ws:
                await ws.send(json.dumps({'text': 'echo LIVE$((2*21))\n'}))
                text = ''
                while 'LIVE42' not in text:
                    text += json.loads(await ws.recv()).get('text', '')
                async with aiohttp.ClientSession(headers=AUTH_HEADERS) as http:
                    listing = []
                    while not listing:
                        async with http.get(http_base(server) + '?recordings') as response:
                            listing = await response.json()
                    assert listing[0]['recording'] is True
    run(scenario())


def test_the_workaround_child_records_its_sessions(tmp_path):
    directory = tmp_path / 'child'
    args = ['--http', '0', '--ws', '0', '--aiohttp-workaround', '--record', str(directory),
            '--record-input', '--command', '/bin/sh']
    with ServerProcess(args) as server:
        async def scenario():
            async with websockets.connect(server.urls['WebSocket']) as ws:
                await ws.send(json.dumps({'text': 'echo CHILD$((3*11)); exit\n'}))
                try:
                    while True:
                        await ws.recv()
                except websockets.ConnectionClosed:
                    pass
        run(scenario())
        deadline = time.monotonic() + 30
        while not [path for path in directory.iterdir() if 'exit' in path.read_text()]:
            assert time.monotonic() < deadline, 'the child recorded nothing'
            time.sleep(0.1)
    _, events = read_cast(only_cast(directory))
    assert 'CHILD33' in output_of(events)
    assert 'echo CHILD$((3*11)); exit\n' in ''.join(e[2] for e in events if e[1] == 'i')
