"""The WebSocket listener in a supervised child process (``--aiohttp-workaround``).

The child (``python -m xwterm --no-http ...``) inherits the listening socket, so the
port is known at once and survives a restart of the child, and a pipe whose end-of-file
tells it the parent is gone: it never outlives us.
"""

import asyncio
import collections
import logging
import os
import signal
import sys

from .compat import create_task, get_running_loop
from .hub import describe_exit

log = logging.getLogger(__name__)

#: Child restarts allowed within ``RESTART_WINDOW`` seconds before giving up.
MAX_RESTARTS = 5
RESTART_WINDOW = 60.0
#: Seconds a child gets to exit after SIGTERM before SIGKILL.
CHILD_GRACE = 10.0


class ChildListener(object):
    """The WebSocket listener in a supervised child process.

    The child is restarted when it dies (at most ``MAX_RESTARTS`` times in
    ``RESTART_WINDOW`` seconds, then the failure is reported and the HTTP
    listener keeps running).  It reads a pipe whose only writer is this
    process: when we exit, even by SIGKILL, it sees end-of-file and quits.
    """

    def __init__(self, config, sock, secrets):
        self.config = config
        self.sock = sock
        self.secrets = secrets
        self.process = None
        self.page_port = None
        self.failed = False
        self._pipe_read = None
        self._pipe_write = None
        self._supervisor = None
        self._stopping = False
        self._restarts = collections.deque()

    @property
    def port(self):
        return self.sock.getsockname()[1]

    def argv(self):
        """The child's command line: every option that matters to it."""
        config = self.config
        argv = [sys.executable, '-m', 'xwterm', '--no-http',
                '--bind', config.bind,
                '--ws-fd', '%d:%d' % (self.sock.fileno(), int(self.sock.family)),
                '--parent-fd', str(self._pipe_read),
                '--initial-size', '%dx%d' % (config.initial_size.columns,
                                             config.initial_size.lines),
                '--idle-timeout', repr(config.idle_timeout),
                '--detach-timeout', repr(config.detach_timeout),
                '--max-connections', str(config.max_connections),
                '--max-connections-per-address', str(config.max_per_address),
                '--log-level', config.log_level, '--secrets-fd', '0',
                '--event-loop', config.event_loop]
        if self.page_port is not None:
            argv.extend(['--page-port', str(self.page_port)])
        for origin in config.allow_origins:
            argv.append('--allow-origin=%s' % origin)
        if config.readonly:
            argv.append('--readonly')
        if config.links_need_login:
            argv.append('--links-need-login')
        if config.cwd:
            argv.extend(['--cwd', config.cwd])
        if config.recorder is not None:
            argv.extend(config.recorder.argv())
        if config.command:
            argv.append('--')
            argv.extend(config.command)
        return argv

    async def start(self, page_port):
        self.page_port = page_port
        self._pipe_read, self._pipe_write = os.pipe()
        os.set_inheritable(self._pipe_read, True)
        await self._spawn()
        self._supervisor = create_task(self._supervise(), name='ws-child-supervisor')

    async def _spawn(self):
        env = dict(os.environ)
        package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env['PYTHONPATH'] = os.pathsep.join(
            [package_parent] + ([env['PYTHONPATH']] if env.get('PYTHONPATH') else []))
        self.process = await asyncio.create_subprocess_exec(
            *self.argv(), env=env, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            pass_fds=(self.sock.fileno(), self._pipe_read))
        try:
            self.process.stdin.write(self.secrets)
            await asyncio.wait_for(self.process.stdin.drain(), CHILD_GRACE)
        except (OSError, asyncio.TimeoutError) as error:
            log.error('could not hand the WebSocket child its settings: %r', error)
        finally:
            self.process.stdin.close()
        log.info('WebSocket listener runs in child process %d', self.process.pid)

    async def _supervise(self):
        loop = get_running_loop()
        while True:
            code = await self.process.wait()
            if self._stopping:
                return
            now = loop.time()
            self._restarts.append(now)
            while self._restarts and now - self._restarts[0] > RESTART_WINDOW:
                self._restarts.popleft()
            if len(self._restarts) > MAX_RESTARTS:
                log.error('WebSocket child process keeps dying (%s); '
                          'the WebSocket listener is down', describe_exit(code))
                self._give_up()
                return
            log.error('WebSocket child process ended (%s); restarting', describe_exit(code))
            await asyncio.sleep(1.0)
            if self._stopping:
                return
            try:
                await self._spawn()
            except OSError as error:
                log.error('cannot restart the WebSocket child process (%s); '
                          'the WebSocket listener is down', error)
                self._give_up()
                return

    def _give_up(self):
        """No child any more: close the port, so clients are refused instead of hanging."""
        self.failed = True
        self.sock.close()

    async def stop(self):
        self._stopping = True
        if self._pipe_write is not None:
            os.close(self._pipe_write)
            self._pipe_write = None
        process = self.process
        if process is not None and process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), CHILD_GRACE)
            except asyncio.TimeoutError:
                log.error('WebSocket child %d ignored SIGTERM: killing it', process.pid)
                process.kill()
                await process.wait()
        if self._supervisor is not None:
            await asyncio.wait([self._supervisor])
            self._supervisor = None
        if self._pipe_read is not None:
            os.close(self._pipe_read)
            self._pipe_read = None
        self.sock.close()
