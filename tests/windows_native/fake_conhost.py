"""conhost.exe's part, played by Windows Python where the real one cannot run (Wine's
conhost.exe starts no command): ``fake_conhost.py --headless --width W --height H --signal
0xHANDLE -- COMMAND``, as the conhost helper starts conhost.

COMMAND runs with this process's stdin and stdout (the helper's pipes, so the server's);
each resize message read from the inherited signal handle is answered on stdout with
``resized COLUMNSxLINES``. The exit status is COMMAND's.
"""

import msvcrt
import os
import struct
import subprocess
import sys
import threading

MESSAGE = struct.Struct("<hhh")


def parse(argv):
    separator = argv.index("--")
    options, command = argv[:separator], argv[separator + 1:]
    assert options[0] == "--headless", options
    values = dict(zip(options[1::2], options[2::2]))
    return int(values["--width"]), int(values["--height"]), int(values["--signal"], 16), command


def relay_signals(handle, output_lock):
    fd = msvcrt.open_osfhandle(handle, os.O_RDONLY)
    while True:
        message = b""
        while len(message) < MESSAGE.size:
            chunk = os.read(fd, MESSAGE.size - len(message))
            if not chunk:
                return
            message += chunk
        code, columns, lines = MESSAGE.unpack(message)
        with output_lock:
            os.write(1, b"resized %dx%d (code %d)\r\n" % (columns, lines, code))


def main():
    columns, lines, handle, command = parse(sys.argv[1:])
    output_lock = threading.Lock()
    os.write(1, b"fake conhost %dx%d\r\n" % (columns, lines))
    threading.Thread(target=relay_signals, args=(handle, output_lock), daemon=True).start()
    return subprocess.call(subprocess.list2cmdline(command))


if __name__ == "__main__":
    sys.exit(main())
