"""End to end in headless Chromium: ``cat`` of a file until its last line is on screen.

Each run opens a fresh page (a new session) at 120x40, types ``cat FILE`` and Enter, and
measures in the page from the Enter key to the animation frame after the file's end marker
is in the terminal's screen buffer: ours through ``term.dumpScreen()`` (web/xwterm.js),
ttyd's xterm.js through ``window.term.buffer.active``.  Both are polled every 20 ms from a
timer in the page, so both pay the same small polling cost; the extra animation frame makes
sure the renderer had its turn to paint the line.  The system Chromium is used; a browser is
never downloaded.
"""

from sbs_servers import END, COLUMNS, LINES

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1600, "height": 1000}
PAGE_TIMEOUT_MS = 180000

#: Per page kind: is the terminal ready; resize it; does its screen show the needle.
PAGE_SCRIPTS = {
    "ours": {
        "ready": "() => !!(window.term && window.term.dumpScreen"
                 " && window.term.dumpScreen().text.some(l => l.trim() === '$'))",
        "resize": "() => window.term.resize(%d, %d)" % (LINES, COLUMNS),
        "size": "() => [window.term.nColumns, window.term.nLines]",
        "shows": "(needle) => window.term.dumpScreen().text.some(l => l.includes(needle))",
    },
    "ttyd": {
        "ready": "() => { const t = window.term; if (!t || !t.buffer) return false;"
                 " const b = t.buffer.active;"
                 " for (let i = b.baseY; i < b.baseY + t.rows; i++) {"
                 "   const l = b.getLine(i); if (l && l.translateToString(true).trim() === '$') return true; }"
                 " return false; }",
        "resize": "() => window.term.resize(%d, %d)" % (COLUMNS, LINES),
        "size": "() => [window.term.cols, window.term.rows]",
        "shows": "(needle) => { const t = window.term, b = t.buffer.active;"
                 " for (let i = b.baseY; i < b.baseY + t.rows; i++) {"
                 "   const l = b.getLine(i); if (l && l.translateToString(true).includes(needle)) return true; }"
                 " return false; }",
    },
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

    async def cat_until_drawn(self, kind, url, path):
        """Seconds from Enter to the end marker drawn; the terminal size it ran at."""
        scripts = PAGE_SCRIPTS[kind]
        page = await self.browser.new_page(viewport=VIEWPORT)
        try:
            page.set_default_timeout(PAGE_TIMEOUT_MS)
            await page.goto(url)
            await page.wait_for_function(scripts["ready"], polling=50, timeout=30000)
            await page.evaluate(scripts["resize"])
            await page.wait_for_timeout(300)  # the resize reaches the shell
            await page.click("body")
            await page.keyboard.type("cat %s" % path)
            await page.wait_for_timeout(200)
            size = await page.evaluate(scripts["size"])
            t0 = await page.evaluate("() => performance.now()")
            await page.keyboard.press("Enter")
            elapsed_ms = await page.evaluate(WAIT_DRAWN, [scripts["shows"], END.decode(), t0])
            return elapsed_ms / 1000.0, "%dx%d" % tuple(size)
        finally:
            await page.close()
