#!/usr/bin/env python3
"""The reference miniserver: ``./miniserver.py [options]``, see ``--help``.

Works from a source checkout with nothing installed but aiohttp and/or
websockets: the checkout's root goes first on sys.path.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from xwterm.cli import main  # noqa: E402  (needs the path above)

if __name__ == '__main__':
    sys.exit(main())
