"""The page's layout at real window sizes (issue 21): the status bar stays one row on a
1000-px desktop and on a phone, its menu still opens on the screen, and a full-width
program's colours reach the window's right edge (no strip beside the last column)."""

import pytest

from conftest import HANG_GUARD_MS, TerminalPage, decode_png

#: The status text a struggling channel shows: the longest the bar carries.
LONG_STATE = 'HTTP: sending failed, retrying in 2 s'

BAR_ROWS = '''() => {
  const bar = document.querySelector('.xwterm-status');
  const shown = Array.from(bar.children).filter(child => child.offsetParent !== null
      && child.getBoundingClientRect().height > 0);
  const tops = shown.map(child => Math.round(child.getBoundingClientRect().top));
  return { height: bar.getBoundingClientRect().height, tops: tops,
           buttonHeight: bar.querySelector('button').getBoundingClientRect().height,
           pageWidth: document.documentElement.scrollWidth, windowWidth: innerWidth };
}'''


def _open(browser, url, width, height, phone=False):
    context = browser.new_context(viewport={'width': width, 'height': height},
                                  is_mobile=phone, has_touch=phone, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(HANG_GUARD_MS)
    errors = []
    page.on('pageerror', lambda error: errors.append(str(error)))
    page.goto(url)
    terminal = TerminalPage(page)
    terminal.wait_connected()
    return context, terminal, errors


def _assert_one_row(page):
    bar = page.evaluate(BAR_ROWS)
    assert max(bar['tops']) - min(bar['tops']) <= 4, bar
    assert bar['height'] < 2 * bar['buttonHeight'], bar
    assert bar['pageWidth'] <= bar['windowWidth'], bar


@pytest.mark.parametrize('width, height, phone', [(1000, 700, False), (360, 740, True)],
                         ids=['desktop-1000px', 'phone-360px'])
def test_status_bar_is_one_row(browser, start_server, width, height, phone):
    server = start_server()
    context, terminal, errors = _open(browser, server.url, width, height, phone)
    try:
        page = terminal.page
        _assert_one_row(page)
        page.evaluate('text => window.term.statusBar.showConnection(false, text)', LONG_STATE)
        _assert_one_row(page)
        # The copy menu opens above its button, inside the window, even where the bar
        # scrolls sideways.
        page.click('.xwterm-copy-as')
        menu = page.evaluate('''() => {
          const box = document.querySelector('.xwterm-menu').getBoundingClientRect();
          return [box.left, box.top, box.right, box.bottom, innerWidth, innerHeight];
        }''')
        left, top, right, bottom, window_width, window_height = menu
        assert 0 <= left < right <= window_width and 0 <= top < bottom <= window_height, menu
        assert page.is_visible('.xwterm-menu >> text="Copy as HTML"')
    finally:
        context.close()
    assert errors == []


@pytest.mark.parametrize('width', [1000, 997])
def test_full_width_line_reaches_the_right_edge(browser, start_server, width):
    """A line painted across every column (what tmux's status line is) continues to the
    window's edge: the sub-cell remainder and the scrollbar's strip take its colour."""
    server = start_server()
    context, terminal, errors = _open(browser, server.url, width, 600)
    try:
        page = terminal.page
        terminal.run("clear; printf '\\033[42m%*s\\033[0m\\n' $(tput cols) ''; echo DONE")
        terminal.wait_line('DONE')
        cell = page.evaluate('window.term.getCharRect()')
        columns = page.evaluate('window.term.nColumns')
        assert columns * cell['width'] < width - 12          # there is a strip to fill
        page.evaluate('new Promise(done => requestAnimationFrame(() => '
                      'requestAnimationFrame(done)))')
        pixels = decode_png(page.screenshot())
        row = pixels[int(cell['height'] / 2)]               # the green line is the first row
        green = row[4]
        assert green[1] > 100 and green[0] < 100 and green[2] < 100, green
        for x in (columns * cell['width'] + 1, width - 13, width - 1):
            assert row[x] == green, (x, row[x])
        below = pixels[int(cell['height'] * 2.5)]           # the "DONE" row: default colour
        assert below[width - 1] == below[columns * cell['width'] + 1] != green
    finally:
        context.close()
    assert errors == []
