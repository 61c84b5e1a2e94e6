"""End to end in headless Chromium: ``cat`` of a file until its last line is on screen.

Each run opens a fresh page (a new session) at 120x40, types ``cat FILE`` and Enter, and
measures in the page from the Enter key to the animation frame after the file's end marker
is in the terminal's screen buffer: ours through ``term.dumpScreen()`` (web/xwterm.js),
ttyd's xterm.js through ``window.term.buffer.active``.  Both are polled every 20 ms from a
timer in the page, so both pay the same small polling cost; the extra animation frame makes
sure the renderer had its turn to paint the line.  The system Chromium is used; a browser is
never downloaded.
"""

import asyncio

from sbs_servers import END, COLUMNS, LINES

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1600, "height": 1000}
PAGE_TIMEOUT_MS = 180000

#: JS expressions for the visible lines of each page's terminal.
SCREEN_LINES = {
    "ours": "window.term.dumpScreen().text",
    "ttyd": "((t) => { const b = t.buffer.active, lines = [];"
            " for (let i = b.baseY; i < b.baseY + t.rows; i++)"
            " lines.push(b.getLine(i).translateToString(true));"
            " return lines; })(window.term)",
}
TERMINAL_EXISTS = {
    "ours": "window.term && window.term.dumpScreen",
    "ttyd": "window.term && window.term.buffer",
}
#: Per page kind: the prompt is on screen; resize the terminal; its size; does it show needle.
PAGE_SCRIPTS = {
    kind: {
        "ready": "() => !!(%s) && %s.some((l) => l.trim() === '$')"
                 % (TERMINAL_EXISTS[kind], SCREEN_LINES[kind]),
        "resize": resize,
        "size": size,
        "shows": "(needle) => %s.some((l) => l.includes(needle))" % SCREEN_LINES[kind],
    }
    for kind, resize, size in [
        ("ours", "() => window.term.resize(%d, %d)" % (LINES, COLUMNS),
         "() => [window.term.nColumns, window.term.nLines]"),
        ("ttyd", "() => window.term.resize(%d, %d)" % (COLUMNS, LINES),
         "() => [window.term.cols, window.term.rows]"),
    ]
}

WAIT_DRAWN = """(args) => new Promise((resolve) => {
  const [shows, needle, t0] = args;
  const test = eval(shows);
  (function poll() {
    if (test(needle)) requestAnimationFrame(() => resolve(performance.now() - t0));
    else setTimeout(poll, 20);
  })();
})"""


class Browser(object):
    """One headless Chromium for all runs; each run gets a new page."""

    def __init__(self):
        self.playwright = None
        self.browser = None

    async def start(self):
        from playwright.async_api import async_playwright
        self.playwright = await async_playwright().start()
        self.browser = await self.playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        return self

    async def stop(self):
        if self.browser is not None:
            await self.browser.close()
        if self.playwright is not None:
            await self.playwright.stop()

    async def cat_until_drawn(self, kind, url, path, timeout=60):
        """Seconds from Enter to the end marker drawn; the terminal size it ran at."""
        scripts = PAGE_SCRIPTS[kind]
        page = await self.browser.new_page(viewport=VIEWPORT)
        try:
            page.set_default_timeout(PAGE_TIMEOUT_MS)
            await page.goto(url)
            await page.wait_for_function(scripts["ready"], polling=50, timeout=30000)
            await page.evaluate(scripts["resize"])
            await page.wait_for_timeout(300)  # the resize reaches the shell
            # Focus through the terminal's API: a click may land outside a terminal that the
            # resize made smaller than the viewport, and the keys would then go nowhere.
            await page.evaluate("() => window.term.focus()")
            command = "cat %s" % path
            await page.keyboard.type(command)
            await page.wait_for_function(scripts["shows"], arg=command, polling=50, timeout=10000)
            size = await page.evaluate(scripts["size"])
            t0 = await page.evaluate("() => performance.now()")
            await page.keyboard.press("Enter")
            try:
                elapsed_ms = await asyncio.wait_for(
                    page.evaluate(WAIT_DRAWN, [scripts["shows"], END.decode(), t0]), timeout)
            except asyncio.TimeoutError:
                lines = await page.evaluate("() => %s" % SCREEN_LINES[kind])
                shown = " | ".join(line for line in lines if line.strip())[-300:]
                raise TimeoutError("end marker not drawn in %.0f s; screen: %s" % (timeout, shown))
            return elapsed_ms / 1000.0, "%dx%d" % tuple(size)
        finally:
            await page.close()
