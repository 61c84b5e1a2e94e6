"""The library without the servers: one shell in a pty, driven from asyncio.

Runs from a checkout as it is (``python3 example/session_example.py``: the checkout's
root goes first on sys.path, as for miniserver.py) or with the package installed.
Works on Python 3.6 to 3.13: ``xwterm.compat.run`` stands in for ``asyncio.run``.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from xwterm import Session, TerminalSize  # noqa: E402  (needs the path above)
from xwterm.compat import run  # noqa: E402


async def main():
    session = Session(["/bin/sh", "-c", "read name; echo hello $name; exit 3"],
                      size=TerminalSize(80, 24))
    await session.start()
    await session.write("world\n")       # the pty echoes what is typed, like a terminal
    while True:
        text = await session.read()      # '' once the shell has exited
        if not text:
            break
        print(text, end="")
    print("exit status:", await session.wait())
    await session.close()                # reaps the shell (SIGHUP, then SIGKILL)


run(main())
