"""Both Windows backends, with the Linux stand-ins, through Session on the Python running
this script (the tests run it on 3.6, whose asyncio differs): round trip, resize, exit
status, close. Prints one line per backend: NAME ok, or NAME failed and why."""

import asyncio
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE), HERE]

from windows_standins import HELPER_STANDIN, LinuxApi, PtyProcessStandIn  # noqa: E402
from xwterm import Session, TerminalSize, compat  # noqa: E402
from xwterm.terminal.conhost import ConhostTerminal  # noqa: E402
from xwterm.terminal.conpty import ConPtyTerminal  # noqa: E402


class StandInConPty(ConPtyTerminal):
    pty_process_class = PtyProcessStandIn
    api = LinuxApi()


class StandInConhost(ConhostTerminal):
    api = LinuxApi()
    helper_command = (sys.executable, HELPER_STANDIN)


async def check(backend):
    session = Session(["/bin/sh"], size=TerminalSize(80, 24), backend=backend)
    await session.start()
    await session.write("stty size; echo hi-$((6*7))\n")
    out = ""
    while "hi-42" not in out:
        out += await session.read()
    session.resize((100, 30))
    await session.write("stty size; exit 3\n")
    while True:
        text = await session.read()
        if not text:
            break
        out += text
    status = await session.wait()
    await session.close()
    if "24 80" in out and "30 100" in out and status == 3:
        return "ok"
    return "failed: status %r, output %r" % (status, out[-200:])


async def main():
    for name, backend in (("conpty", StandInConPty), ("conhost", StandInConhost)):
        print(name, await asyncio.wait_for(check(backend), 30))


if __name__ == "__main__":
    compat.run(main())
