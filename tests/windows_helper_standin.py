"""The conhost helper as ``python -m xwterm --conhost-helper`` runs it on Windows, but
with the Linux stand-ins of windows_standins.py as its OS layer (the CLI refuses the
option outside Windows). Usage: windows_helper_standin.py PIPE COMMAND COLUMNS LINES."""

import logging
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE), HERE]

from windows_standins import LinuxApi  # noqa: E402
from xwterm.terminal.conhost_helper import run_helper  # noqa: E402

if __name__ == "__main__":
    logging.basicConfig(stream=sys.stderr, format="conhost helper stand-in: %(message)s")
    sys.exit(run_helper(sys.argv[1:], LinuxApi()))
