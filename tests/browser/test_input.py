"""What AnsiTerm sends for keys, pastes, mouse and focus, and its selection and scrollback,
checked in Chromium with real input events. The page's driver is swapped for one that records
what the terminal sends, so these tests need the server only to serve the page."""

import pytest

CAPTURE_DRIVER = '''async () => {
  const { AnsiTermDriver } = await import('/xwterm.js');
  class CaptureDriver extends AnsiTermDriver {
    start() { super.start(); this._set_connection_state(true, 'connected', 'capturing'); }
    _tx(text) { window.sent.push(text); }
  }
  window.sent = [];
  window.term.setDriver(new CaptureDriver());
  window.term.write('\\x1bc');  // forget the modes the real shell may have set (RIS)
  window.term.focus();
}'''


@pytest.fixture
def term(module_server, open_terminal):
    term = open_terminal(module_server.url)
    term.wait_connected('http')
    term.page.evaluate(CAPTURE_DRIVER)
    return term


def sent(term):
    return ''.join(term.page.evaluate('window.sent.splice(0)'))


def local_output(term, data):
    """Output as if it came from the host, drawn before the call returns."""
    term.page.evaluate('data => window.term.write(data)', data)
    term.page.evaluate('new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))')


def cell_center(term, col, row):
    box = term.page.locator('canvas').bounding_box()
    columns, lines = term.page.evaluate('[window.term.nColumns, window.term.nLines]')
    return (box['x'] + (col + 0.5) * box['width'] / columns,
            box['y'] + (row + 0.5) * box['height'] / lines)


@pytest.mark.parametrize('key, expected', [
    ('a', 'a'),
    ('Enter', '\r'),
    ('Backspace', '\x7f'),
    ('Tab', '\t'),
    ('Shift+Tab', '\x1b[Z'),
    ('Escape', '\x1b'),
    ('Control+c', '\x03'),
    ('Control+BracketLeft', '\x1b'),
    ('Alt+x', '\x1bx'),
    ('Alt+Shift+X', '\x1bX'),
    ('ArrowUp', '\x1b[A'),
    ('Control+ArrowLeft', '\x1b[1;5D'),
    ('Shift+ArrowRight', '\x1b[1;2C'),
    ('Alt+ArrowDown', '\x1b[1;3B'),
    ('Home', '\x1b[H'),
    ('End', '\x1b[F'),
    ('PageUp', '\x1b[5~'),
    ('Delete', '\x1b[3~'),
    ('Control+Delete', '\x1b[3;5~'),
    ('F1', '\x1bOP'),
    ('Shift+F1', '\x1b[1;2P'),
    ('F5', '\x1b[15~'),
    ('Control+F12', '\x1b[24;5~'),
    ('Shift+Insert', ''),
    ('Control+Shift+C', ''),
])
def test_key(term, key, expected):
    term.page.keyboard.press(key)
    assert sent(term) == expected


def test_application_cursor_keys(term):
    local_output(term, '\x1b[?1h')
    term.page.keyboard.press('ArrowUp')
    term.page.keyboard.press('Home')
    term.page.keyboard.press('Control+ArrowUp')
    assert sent(term) == '\x1bOA\x1bOH\x1b[1;5A'
    local_output(term, '\x1b[?1l')
    term.page.keyboard.press('ArrowUp')
    assert sent(term) == '\x1b[A'


def test_text_and_ime_input(term):
    term.page.keyboard.type('ls -l | wc')
    term.page.keyboard.insert_text('日本語')
    assert sent(term) == 'ls -l | wc日本語'


def paste(term, text):
    term.page.evaluate('''text => {
      const data = new DataTransfer();
      data.setData('text/plain', text);
      document.querySelector('.xwterm-input').dispatchEvent(
        new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }''', text)


def test_paste_plain_and_bracketed(term):
    paste(term, 'one\ntwo\r\nthree')
    assert sent(term) == 'one\rtwo\rthree'
    local_output(term, '\x1b[?2004h')
    paste(term, 'evil\x1b[201~rm')
    assert sent(term) == '\x1b[200~evilrm\x1b[201~'


def test_mouse_reporting_sgr_and_x10(term):
    x, y = cell_center(term, 2, 1)
    local_output(term, '\x1b[?1000h\x1b[?1006h')
    term.page.mouse.click(x, y)
    assert sent(term) == '\x1b[<0;3;2M\x1b[<0;3;2m'
    term.page.mouse.wheel(0, -200)
    assert sent(term).startswith('\x1b[<64;')
    local_output(term, '\x1b[?1006l')
    term.page.mouse.click(x, y)
    assert sent(term) == '\x1b[M' + chr(32) + chr(35) + chr(34) + '\x1b[M' + chr(35) + chr(35) + chr(34)
    local_output(term, '\x1b[?1000l')
    term.page.mouse.click(x, y)
    assert sent(term) == ''


def test_focus_events(term):
    local_output(term, '\x1b[?1004h')
    term.page.evaluate('document.querySelector(".xwterm-input").blur()')
    term.page.evaluate('window.term.focus()')
    assert sent(term) == '\x1b[O\x1b[I'


def test_selection_by_drag_and_double_click(term):
    local_output(term, '\x1b[H\x1b[2Jhello brave world\r\nsecond line')
    start = cell_center(term, 0, 0)
    end = cell_center(term, 4, 0)
    term.page.mouse.move(*start)
    term.page.mouse.down()
    term.page.mouse.move(*end, steps=4)
    term.page.mouse.up()
    assert term.page.evaluate('window.term.getSelectionText()') == 'hello'
    term.page.mouse.dblclick(*cell_center(term, 8, 0))
    assert term.page.evaluate('window.term.getSelectionText()') == 'brave'
    term.page.evaluate('window.term.selectAll()')
    assert 'hello brave world\nsecond line' in term.page.evaluate('window.term.getSelectionText()')
    assert sent(term) == ''


def test_scrollback_keeps_the_view_and_typing_returns(term):
    local_output(term, ''.join('line %d\r\n' % i for i in range(300)))
    term.page.mouse.move(*cell_center(term, 5, 5))
    term.page.mouse.wheel(0, -400)
    term.page.wait_for_function('window.term.scrollOffset > 0')
    top_before = term.page.evaluate('window.term.scrollOffset')
    local_output(term, 'more\r\nand more\r\n')
    assert term.page.evaluate('window.term.scrollOffset') == top_before + 2
    term.page.keyboard.press('x')
    assert sent(term) == 'x'
    assert term.page.evaluate('window.term.scrollOffset') == 0


def test_output_at_the_bottom_is_followed_and_the_scrollbar_scrolls(term):
    for chunk in range(5):
        local_output(term, ''.join('chunk %d line %d\r\n' % (chunk, i) for i in range(100)))
        assert term.page.evaluate('window.term.scrollOffset') == 0
    term.page.evaluate('document.querySelector(".xwterm-scrollbar").scrollTop = 0')
    term.page.wait_for_function(
        'window.term.scrollOffset > 0 && window.term.scrollOffset === window.term.emulator.scrollbackLength')
    term.page.evaluate('(el => el.scrollTop = el.scrollHeight)(document.querySelector(".xwterm-scrollbar"))')
    term.page.wait_for_function('window.term.scrollOffset === 0')


def test_ime_composition_sends_the_committed_text_once(term):
    cdp = term.page.context.new_cdp_session(term.page)
    cdp.send('Input.imeSetComposition', {'text': 'nihon', 'selectionStart': 5, 'selectionEnd': 5})
    cdp.send('Input.imeSetComposition', {'text': 'にほん', 'selectionStart': 3, 'selectionEnd': 3})
    assert sent(term) == ''
    cdp.send('Input.insertText', {'text': '日本'})
    term.page.keyboard.type('!')
    assert sent(term) == '日本!'


@pytest.mark.parametrize('scale', [1, 2, 1.5])
def test_canvas_has_one_pixel_per_device_pixel(module_server, open_terminal, scale):
    term = open_terminal(module_server.url, scale=scale)
    term.wait_connected()
    canvas = 'document.querySelector("canvas")'
    width, css_width = term.page.evaluate('[%s.width, %s.getBoundingClientRect().width]' % (canvas, canvas))
    assert abs(width / css_width - scale) < 0.01


def test_a_second_terminal_through_the_contract_api(module_server, open_terminal):
    term = open_terminal(module_server.url)
    term.wait_connected()
    dump = term.page.evaluate('''async () => {
      const { AnsiTerm } = await import('/xwterm.js');
      const local = new AnsiTerm({ nColumns: 20, nLines: 5, channelType: 'dummy',
                                   hasTitleBar: false, hasStatusBar: false });
      await local.write('\\x1b[31mhi\\x1b[0m 日本');
      const screen = local.dumpScreen();
      local.close();
      return screen;
    }''')
    assert (dump['cols'], dump['rows']) == (20, 5)
    assert dump['cells'][0][0][:3] == ['h', 1, 1]
    assert dump['text'][0].rstrip() == 'hi 日本'
    assert dump['cells'][0][3][1] == 2 and dump['cells'][0][4][1] == 0


def rows_differing_from_a_full_redraw(term, action):
    """Scroll one line and move the cursor, run ``action`` (JS, ``t`` is the terminal) before
    the next frame, then list the cell rows where the canvas differs from a full redraw."""
    return term.page.evaluate('''async () => {
      const t = window.term;
      t.write('\\n\\x1b[10;1H');
      %s
      await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
      const ctx = t.canvas.getContext('2d');
      const shown = ctx.getImageData(0, 0, t.canvas.width, t.canvas.height).data;
      t._fullRedraw = true;
      t._renderNow();
      const expected = ctx.getImageData(0, 0, t.canvas.width, t.canvas.height).data;
      const rowBytes = t.canvas.width * 4 * t._cellHeight;
      const rows = new Set();
      for (let i = 0; i < shown.length; i++) if (shown[i] !== expected[i]) rows.add(Math.floor(i / rowBytes));
      return [...rows];
    }''' % action)


def test_cursor_blink_between_output_and_its_frame_leaves_no_ghost(module_server, open_terminal):
    # The blink timer paints the cursor row at once; if scrolled output is still waiting for its
    # animation frame, that frame moves the canvas up and the painted cursor with it.
    def capture_intervals(page):
        page.add_init_script('''
          window.intervalCallbacks = [];
          const setIntervalOriginal = window.setInterval;
          window.setInterval = (fn, ms, ...rest) => {
            window.intervalCallbacks.push(fn);
            return setIntervalOriginal(fn, 1e9, ...rest);
          };
        ''')

    term = open_terminal(module_server.url, before_load=capture_intervals)
    term.wait_connected()
    term.page.evaluate(CAPTURE_DRIVER)
    local_output(term, ''.join('line %d\r\n' % n for n in range(60)))
    assert rows_differing_from_a_full_redraw(
        term, 'for (const tick of window.intervalCallbacks) tick();') == []


def test_focus_change_between_output_and_its_frame_leaves_no_ghost(term):
    local_output(term, ''.join('line %d\r\n' % n for n in range(60)))
    assert rows_differing_from_a_full_redraw(term, 't.input.blur();') == []
