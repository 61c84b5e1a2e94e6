#!/usr/bin/env python3
"""xwterm inside an ASGI application: a Starlette app with the terminal under /term.

    pip install uvicorn starlette
    python example/embed_asgi.py --port 8080       # then ws://127.0.0.1:8080/term/ws

Only the connections whose request carries ``X-User: alice`` get a shell here: the
``authorize`` hook is where a host application plugs in its own login.
"""

import argparse
import contextlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import uvicorn  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.responses import PlainTextResponse  # noqa: E402
from starlette.routing import Mount, Route  # noqa: E402

from xwterm.asgi import XwtermApp  # noqa: E402
from xwterm.pump import Permit  # noqa: E402


def authorize(info):
    """The host's decision for each connection: who may have a shell, and which."""
    if info.headers.get('X-User') != 'alice':
        return None
    return Permit(command=['/bin/sh'], cwd=os.path.expanduser('~'))


terminal = XwtermApp(authorize=authorize)


@contextlib.asynccontextmanager
async def lifespan(app):
    yield
    await terminal.close()          # every session ends, every shell is reaped


async def home(request):
    return PlainTextResponse('the terminal is at /term/ws\n')


app = Starlette(routes=[Route('/', home), Mount('/term', app=terminal)], lifespan=lifespan)

if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--port', type=int, default=8080)
    port = parser.parse_args().port
    uvicorn.run(app, host='127.0.0.1', port=port, log_level='warning')
