#!/usr/bin/env python3
"""The least a Python terminal server over ``websockets`` can do: the floor under ours.

    python3 bench/floor_server.py PORT -- bash --norc --noprofile

One shell on a fresh pty per connection, no sessions, no login, no replay, no limits:
output is read until EAGAIN (up to 64 KiB) and sent as one binary frame; every frame
received is written to the pty as it is.  It speaks just enough of the ``xwterm.binary``
subprotocol for the side-by-side clients (side_by_side.py ``--floor``), on the same
event loop as our server (uvloop when importable).  What it measures: how much of the
gap to ttyd is Python and the ``websockets`` library rather than our server's design.
Loopback only; a benchmark tool, never a server to use.
"""

import asyncio
import os
import pty
import signal
import sys

from websockets.asyncio.server import serve

READ_SIZE = 64 * 1024


def spawn(argv):
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    os.set_blocking(fd, False)
    return pid, fd


def read_available(fd):
    """What the pty has now, up to READ_SIZE; b"" once it is closed."""
    chunks, size = [], 0
    while size < READ_SIZE:
        try:
            data = os.read(fd, READ_SIZE - size)
        except BlockingIOError:
            break
        except OSError:
            return b"".join(chunks)
        if not data:
            break
        chunks.append(data)
        size += len(data)
    return b"".join(chunks)


async def forward_output(connection, fd):
    loop = asyncio.get_running_loop()
    while True:
        readable = loop.create_future()
        loop.add_reader(fd, readable.set_result, None)
        try:
            await readable
        finally:
            loop.remove_reader(fd)
        data = read_available(fd)
        if not data:
            return
        await connection.send(data)


def handler_for(argv):
    async def handle(connection):
        pid, fd = spawn(argv)
        output = asyncio.ensure_future(forward_output(connection, fd))
        try:
            async for message in connection:
                os.write(fd, message.encode() if isinstance(message, str) else message)
        finally:
            output.cancel()
            try:
                await output
            except (asyncio.CancelledError, Exception):
                pass
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(fd)
    return handle


async def main(port, argv):
    async with serve(handler_for(argv), "127.0.0.1", port, subprotocols=["xwterm.binary"],
                     compression=None, write_limit=64 * 1024, max_size=4 * 1024 * 1024):
        print("listening on ws://127.0.0.1:%d/" % port, flush=True)
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    port_argument, separator, *command = sys.argv[1:]
    if separator != "--" or not command:
        sys.exit("usage: floor_server.py PORT -- COMMAND...")
    try:
        import uvloop
        run = uvloop.run
    except ImportError:
        run = asyncio.run
    run(main(int(port_argument), command))
