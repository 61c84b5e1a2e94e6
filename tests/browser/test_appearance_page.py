"""Themes and fonts (issue 22): --theme, --font-size and --font-family reach the page through
?config, the page's query overrides them, bad query values are ignored. Checked in Chromium
on what it computed and drew: the terminal's CSS background, the canvas pixels of an empty
cell, the font the canvas measures with and the input's font size."""

import pytest

from conftest import Server

FAMILY = "'DejaVu Sans Mono', monospace"

LOOK = '''() => {
  const t = window.term;
  return {
    theme: t.params.theme,
    rootBackground: getComputedStyle(t.root).backgroundColor,
    bodyBackground: getComputedStyle(document.body).backgroundColor,
    inputFontSize: getComputedStyle(t.input).fontSize,
    fontSize: t.params.fontSize,
    font: t.params.font,
    canvasFont: t._fonts[0][0],   // the font the renderer draws regular text with
  };
}'''


@pytest.fixture(scope='module')
def styled_server():
    server = Server(['--no-websocket', '--theme', 'light', '--font-size', '18',
                     '--font-family', FAMILY]).start()
    yield server
    server.stop()


def look(term):
    term.wait_connected()
    return term.page.evaluate(LOOK)


def corner_pixel(term):
    """The canvas's bottom-right pixel: an empty cell, drawn in the default background."""
    rows = term.canvas_pixels()
    return rows[-2][-2]


def test_config_carries_the_appearance(styled_server, module_server):
    assert styled_server.get('?config')['appearance'] == {
        'theme': 'light', 'font_size': 18, 'font_family': FAMILY}
    assert module_server.get('?config')['appearance'] == {
        'theme': 'dark', 'font_size': None, 'font_family': None}


def test_default_is_dark(module_server, open_terminal):
    term = open_terminal(module_server.url)
    got = look(term)
    assert got['theme'] == 'dark'
    assert got['rootBackground'] == 'rgb(0, 0, 0)'
    assert got['bodyBackground'] == 'rgb(0, 0, 0)'
    assert got['fontSize'] == 15 and got['inputFontSize'] == '15px'
    assert corner_pixel(term)[:3] == (0, 0, 0)


def test_server_options_reach_the_page(styled_server, open_terminal):
    term = open_terminal(styled_server.url)
    got = look(term)
    assert got['theme'] == 'light'
    assert got['rootBackground'] == 'rgb(255, 255, 255)'
    assert got['bodyBackground'] == 'rgb(255, 255, 255)'
    assert got['fontSize'] == 18 and got['inputFontSize'] == '18px'
    assert got['font'] == FAMILY
    assert got['canvasFont'] == '18px ' + FAMILY
    assert corner_pixel(term)[:3] == (255, 255, 255)


def test_query_overrides_the_server(styled_server, open_terminal):
    term = open_terminal(styled_server.url + '?theme=solarized-dark&font-size=12&font-family=monospace')
    got = look(term)
    assert got['theme'] == 'solarized-dark'
    assert got['rootBackground'] == 'rgb(0, 43, 54)'
    assert got['fontSize'] == 12 and got['inputFontSize'] == '12px'
    assert got['font'] == 'monospace'
    assert corner_pixel(term)[:3] == (0, 43, 54)


@pytest.mark.parametrize('query', [
    '?theme=nope&font-size=1000&font-family=x%3B%7D',
    '?theme=&font-size=-3&font-family=url(x)',
    '?theme=light%3Bcolor:red&font-size=16px&font-family=' + 'a' * 201,
])
def test_bad_query_values_are_ignored(styled_server, open_terminal, query):
    term = open_terminal(styled_server.url + query)
    got = look(term)
    assert got['theme'] == 'light'
    assert got['fontSize'] == 18
    assert got['font'] == FAMILY


def test_bad_query_on_a_default_server_gives_the_defaults(module_server, open_terminal):
    term = open_terminal(module_server.url + '?theme=purple&font-size=abc')
    got = look(term)
    assert got['theme'] == 'dark' and got['fontSize'] == 15
    assert got['rootBackground'] == 'rgb(0, 0, 0)'


def test_text_colours_follow_the_theme(module_server, open_terminal):
    """The palette changes with the theme: SGR 31 red is drawn in light's own red."""
    term = open_terminal(module_server.url + '?theme=light')
    term.wait_connected()
    term.page.evaluate('''() => {
        window.term.setDriver(new (window.AnsiTermDriver)());
        window.term.write('\\x1bc\\x1b[41m' + ' '.repeat(6) + '\\x1b[0m');
    }''')
    rows = term.canvas_pixels()
    assert rows[2][2][:3] == (0xc4, 0x27, 0x1d)
