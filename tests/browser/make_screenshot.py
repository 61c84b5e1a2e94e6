"""Re-makes docs/screenshot.png: web/index.html in Chromium running a full-screen program.

    python tests/browser/make_screenshot.py [program ...]     (default: mc)

The program starts a moment after the shell: the server starts it at --initial-size and the
page's size arrives just after, a resize that mc ignores while it is still starting up.
"""

import os
import sys

from playwright.sync_api import sync_playwright

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from conftest import CHROMIUM, CHROMIUM_ARGS, HANG_GUARD_MS, REPO, Server  # noqa: E402


def main(program):
    server = Server([], command=['sh', '-c', 'sleep 1; exec "$0" "$@"'] + program).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={'width': 1000, 'height': 620})
            page.set_default_timeout(HANG_GUARD_MS)
            page.goto(server.url)
            page.wait_for_function('window.term && window.term.connectionState === "connected"')
            # Full-screen programs switch to the alternate screen; then let them draw.
            page.wait_for_function('window.term.dumpScreen().altScreen')
            page.wait_for_timeout(1500)
            path = os.path.join(REPO, 'docs', 'screenshot.png')
            page.screenshot(path=path)
            browser.close()
            print(path)
    finally:
        server.stop()


if __name__ == '__main__':
    main(sys.argv[1:] or ['mc'])
