#!/usr/bin/env python3
"""xwterm inside an existing aiohttp application: the app's own page at /, the terminal
(page, long-polling, WebSocket) under /term/.

    python example/embed_aiohttp.py --port 8080     # then http://127.0.0.1:8080/term/

The host decides who gets a shell (here: requests carrying ``X-User: alice``, or
everyone with --open).  A real application plugs its own login in there.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from aiohttp import web  # noqa: E402

from xwterm.http import mount  # noqa: E402
from xwterm.pump import Permit  # noqa: E402


async def home(request):
    return web.Response(text='the terminal is at /term/\n')


def make_app(open_to_all=False):
    def authorize(info):
        if not open_to_all and info.headers.get('X-User') != 'alice':
            return None
        return Permit(cwd=os.path.expanduser('~'))

    app = web.Application()
    app.router.add_get('/', home)
    mount(app, '/term/', command=['/bin/sh'], authorize=authorize)
    return app


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--port', type=int, default=8080)
    parser.add_argument('--open', action='store_true', help='no X-User check')
    options = parser.parse_args()
    web.run_app(make_app(options.open), host='127.0.0.1', port=options.port)
