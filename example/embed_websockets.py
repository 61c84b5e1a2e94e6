#!/usr/bin/env python3
"""xwterm's connection handler in a program's own ``websockets`` server.

    python example/embed_websockets.py --port 8765     # then ws://127.0.0.1:8765/
"""

import argparse
import asyncio
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import websockets  # noqa: E402

from xwterm import SessionRegistry, SharedSessions  # noqa: E402
from xwterm.compat import run  # noqa: E402
from xwterm.ws import connection_handler, serve_options  # noqa: E402


async def main(port):
    sessions = SharedSessions(SessionRegistry())
    stop = asyncio.Event()
    loop = asyncio.get_event_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    server = await websockets.serve(connection_handler(sessions), '127.0.0.1', port,
                                    **serve_options())
    print('serving on ws://127.0.0.1:%d/' % server.sockets[0].getsockname()[1], flush=True)
    await stop.wait()
    server.close()
    await sessions.close_all()      # every session ends, every shell is reaped
    await server.wait_closed()


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--port', type=int, default=8765)
    run(main(parser.parse_args().port))
