"""``python -m xwterm``: the server's command line."""

import sys

from .cli import main

sys.exit(main())
