"""The library without the servers: one shell in a pty, driven from asyncio.

Run it after ``pip install .``, or from a checkout with
``PYTHONPATH=. python3 example/session_example.py``.
Works on Python 3.6 to 3.13: ``xwterm.compat.run`` stands in for ``asyncio.run``.
"""

from xwterm import Session, TerminalSize
from xwterm.compat import run


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
