"""Drop-in compatibility with the original AnsiTerm: a page written for it (original_page.html:
side-effect import, globals, no named import) over HTTP, WebSocket and a custom driver, and the
original's public methods, callbacks and parameters, checked in Chromium."""

import json
import math
import sys
from urllib.parse import quote

import pytest

PAGE = 'original_page.html'

METHODS = [
    'write', 'sendText', 'sendKeyByKeyEvent', 'resize', 'focus', 'close', 'getCanvas', 'getCharRect',
    'selectAll', 'clearSelection', 'clipboardCopyAsText', 'clipboardCopyAsAnsiSequence',
    'clipboardCopyAsHtml', 'clipboardCopyAsRichText', 'clipboardPaste', 'setBell',
    'getFreezeState', 'setFreezeState', 'toggleFreezeState',
    'registerOnTitleChange', 'cancelOnTitleChange', 'registerOnStatusChange', 'cancelOnStatusChange',
    'registerOnFreezeChange', 'cancelOnFreezeChange', 'registerOnAppCursorKeyChange',
    'cancelOnAppCursorKeyChange', 'registerOnCopy', 'cancelOnCopy',
]
DRIVER_METHODS = ['start', 'close', 'send', 'setSize', 'registerOnDataReceived',
                  'registerOnConnectionChange', 'getConnectionState']

# Reads raw keyboard bytes and prints them in hex; "a" turns application cursor keys on.
KEY_ECHO = r'''
import os, sys, tty
tty.setraw(0)
os.write(1, b"ready\r\n")
while True:
    data = os.read(0, 1024)
    if not data:
        break
    if data == b"a":
        os.write(1, b"\x1b[?1happ-on\r\n")
    else:
        os.write(1, b"got:" + data.hex().encode() + b"\r\n")
'''


def open_original(open_terminal, server, query, before_load=None, clipboard=False):
    def prepare(page):
        if clipboard:
            page.context.grant_permissions(['clipboard-read', 'clipboard-write'], origin=server.url[:-1])
        if before_load:
            before_load(page)

    term = open_terminal(server.url + PAGE + '?' + query, before_load=prepare)
    term.page.wait_for_function('window.ansi !== undefined')
    return term


def wait_screen_line(term, text):
    term.page.wait_for_function(
        'text => window.ansi.dumpScreen().text.some(row => row.trimEnd() === text)', arg=text)


def params_query(mode, **params):
    return 'mode=%s&params=%s' % (mode, quote(json.dumps(params)))


def test_globals_and_the_original_surface(page_server, open_terminal):
    term = open_original(open_terminal, page_server, params_query('custom'))
    page = term.page
    assert page.evaluate('''() => ["AnsiTerm", "AnsiTermDecoration", "AnsiTermDriver",
        "AnsiTermHttpDriver", "AnsiTermWebSocketDriver"].filter(name => typeof window[name] !== "function")''') == []
    assert page.evaluate('names => names.filter(name => typeof window.ansi[name] !== "function")', METHODS) == []
    assert page.evaluate('names => names.filter(name => typeof window.ansi.driver[name] !== "function")',
                         DRIVER_METHODS) == []
    assert page.evaluate('[AnsiTerm.FREEZE_USER, AnsiTerm.FREEZE_SELECTION, AnsiTerm.FREEZE_SCROLL]') == [1, 2, 4]
    # The named exports are still there beside the globals.
    assert page.evaluate('import("/xwterm.js").then(m => m.AnsiTerm === window.AnsiTerm)')
    rect = page.evaluate('(() => { const r = window.ansi.getCharRect(); const c = window.ansi.getCanvas();'
                         ' return [r.width, r.height, r.underline_height, r.underline_off,'
                         ' c.tagName, c.getBoundingClientRect().width, window.ansi.nColumns]; })()')
    width, height, underline_height, underline_off, tag, canvas_width, columns = rect
    assert tag == 'CANVAS' and width > 0 and 0 < underline_height < height and 0 < underline_off <= height
    assert abs(canvas_width - width * columns) < 0.5


def test_custom_driver_written_for_the_original(page_server, open_terminal):
    term = open_original(open_terminal, page_server, params_query('custom'))
    wait_screen_line(term, 'Hello!')
    assert term.page.evaluate('window.ansi.driver.getConnectionState()') is True
    term.page.evaluate('window.ansi.focus()')
    term.page.keyboard.type('hi')
    term.page.keyboard.press('Enter')
    assert ''.join(term.page.evaluate('window.ansi.driver.received')) == 'hi\r'


@pytest.mark.parametrize('mode, params', [('http', {}), ('websocket', {}),
                                           ('websocket', {'wsFlowControl': False}),
                                           ('websocket', {'wsBinary': False})])
def test_original_page_reaches_a_real_shell(start_page_server, open_terminal, mode, params):
    server = start_page_server()
    term = open_original(open_terminal, server, params_query(mode, **params) + '&ws=%d' % server.ws_port)
    term.page.wait_for_function('window.ansi.driver.getConnectionState()')
    assert term.page.evaluate('window.ansi.driver.constructor.name') == (
        'AnsiTermWebSocketDriver' if mode == 'websocket' else 'AnsiTermHttpDriver')
    term.page.evaluate('window.ansi.focus()')
    term.page.keyboard.type('echo compat-$((6*7))')
    term.page.keyboard.press('Enter')
    wait_screen_line(term, 'compat-42')
    if mode == 'websocket':
        # Our server accepts the binary framing when the driver offers it (wsBinary, default).
        assert term.page.evaluate('window.ansi.driver.binary') is params.get('wsBinary', True)


FREEZE_RECORDER = '''() => {
  window.freezeCalls = [];
  window.ansi.registerOnFreezeChange((frozen, pending, state) => window.freezeCalls.push([frozen, pending, state]));
}'''


def test_freeze_holds_and_releases_output_and_reports_counts(page_server, open_terminal):
    term = open_original(open_terminal, page_server, params_query('custom', freezeHoldLimit=10))
    page = term.page
    wait_screen_line(term, 'Hello!')
    page.evaluate(FREEZE_RECORDER)
    assert page.evaluate('window.freezeCalls') == [[False, 0, 0]]     # once at registration
    assert page.evaluate('window.ansi.setFreezeState(true)') == 0    # returns the previous state
    assert page.evaluate('window.ansi.getFreezeState()') == 1
    page.evaluate('''() => {
      window.pauses = [];
      const driver = window.ansi.driver;
      driver.pause = () => { window.pauses.push('pause'); return true; };
      driver.resume = () => window.pauses.push('resume');
      driver._new_data('held ');
      driver._new_data('output');
    }''')
    assert page.evaluate('window.ansi.dumpScreen().text.join("\\n")').find('held') < 0
    assert page.evaluate('window.freezeCalls.slice(1)') == [[True, 0, 1], [True, 5, 1], [True, 11, 1]]
    # 11 characters held >= freezeHoldLimit 10: the driver was asked to stop reading.
    assert page.evaluate('window.pauses') == ['pause']
    assert page.evaluate('window.ansi.toggleFreezeState()') == 1
    wait_screen_line(term, 'held output')
    assert page.evaluate('window.freezeCalls.at(-1)') == [False, 0, 0]
    assert page.evaluate('window.pauses') == ['pause', 'resume']
    assert page.evaluate('window.ansi.getFreezeState()') == 0
    # The status bar's button freezes too.
    page.click('.xwterm-freeze')
    assert page.evaluate('window.ansi.getFreezeState()') == 1     # FREEZE_USER
    assert 'frozen' in page.inner_text('.xwterm-status-freeze')
    page.click('.xwterm-freeze')
    assert page.evaluate('window.ansi.getFreezeState()') == 0


def test_a_query_held_while_frozen_is_answered_after_the_thaw_only_if_it_was_live(
        page_server, open_terminal):
    # Output held while frozen keeps its mark: a replayed query (a screen snapshot) is drawn
    # after the thaw but not answered; a live one is answered then, once.
    term = open_original(open_terminal, page_server, params_query('custom'))
    page = term.page
    wait_screen_line(term, 'Hello!')
    page.evaluate('''() => {
      window.sent = [];
      const driver = window.ansi.driver;
      driver.send = (data) => window.sent.push(data);
      window.ansi.setFreezeState(true);
      driver.replaying = true;
      driver._new_data('replayed\\x1b[c\\x1b[6n\\r\\n');
      driver.replaying = false;
    }''')
    assert page.evaluate('window.ansi.setFreezeState(false)') == 1
    wait_screen_line(term, 'replayed')
    assert page.evaluate('window.sent') == []
    page.evaluate('''() => {
      window.ansi.setFreezeState(true);
      window.ansi.driver._new_data('live\\x1b[c\\r\\n');
    }''')
    assert page.evaluate('window.sent') == []        # nothing while frozen
    page.evaluate('window.ansi.setFreezeState(false)')
    wait_screen_line(term, 'live')
    sent = page.evaluate('window.sent')
    assert len(sent) == 1 and sent[0].startswith('\x1b[?'), sent      # DA1: ESC [ ? ... c


# Checks the output stream as the driver delivers it: the lines of `seq` arrive in order, none
# missing (window.lines.next is the next number expected).
LINE_CHECKER = '''() => {
      window.lines = { next: 1, gaps: 0, partial: '' };
      window.ansi.driver.registerOnDataReceived(data => {
        if (typeof data !== 'string') data = new TextDecoder().decode(data);
        const parts = (window.lines.partial + data).split('\\r\\n');
        window.lines.partial = parts.pop();
        for (const line of parts) {
          const part = line.slice(line.lastIndexOf('\\r') + 1);   // after bash's own controls
          if (!/^\\d+$/.test(part)) continue;
          if (Number(part) !== window.lines.next) window.lines.gaps += 1;
          window.lines.next = Number(part) + 1;
        }
      });
    }'''


@pytest.mark.parametrize('mode', ['http', 'websocket'])
def test_frozen_output_is_bounded_by_the_servers_flow_control(start_page_server, open_terminal, mode):
    # A command prints far more than the bound while frozen: the driver stops reading, the
    # held output stops growing, and after the thaw every line arrives, in order.
    server = start_page_server()
    query = params_query(mode, freezeHoldLimit=4096, historySize=100) + '&ws=%d' % server.ws_port
    term = open_original(open_terminal, server, query)
    page = term.page
    page.wait_for_function('window.ansi.driver.getConnectionState()')
    page.evaluate(LINE_CHECKER)
    page.evaluate('window.ansi.setFreezeState(true)')
    page.evaluate('window.ansi.sendText("seq 1 300000; echo done-$((6*7))\\r")')
    page.wait_for_function('window.ansi._driverPaused')
    page.wait_for_timeout(1500)
    held = page.evaluate('window.ansi._heldCharacters')
    page.wait_for_timeout(1500)
    assert page.evaluate('window.ansi._heldCharacters') == held, 'held output still grows'
    # The bound, plus what was in flight: one poll reply (the server keeps up to 256 Ki + 64 Ki
    # characters for a polled session) or one WebSocket message.
    assert held < 4096 + 330000, 'held more than the bound plus what was in flight'
    assert page.evaluate('window.lines.next') < 300000, 'the shell was not held'
    page.evaluate('window.ansi.setFreezeState(false)')
    wait_screen_line(term, 'done-42')
    assert page.evaluate('[window.lines.next, window.lines.gaps]') == [300001, 0]


def test_frozen_output_on_a_channel_that_cannot_stop_gives_way(start_page_server, open_terminal):
    # The plain WebSocket cannot stop reading: at 8 times the bound the held output is drawn
    # (the terminal stays frozen for what follows); nothing is lost, nothing grows without end.
    server = start_page_server()
    query = params_query('websocket', freezeHoldLimit=4096, wsFlowControl=False) + '&ws=%d' % server.ws_port
    term = open_original(open_terminal, server, query)
    page = term.page
    page.wait_for_function('window.ansi.driver.getConnectionState()')
    page.evaluate(LINE_CHECKER)
    page.evaluate('''() => {
      window.mostHeld = 0;
      window.ansi.registerOnFreezeChange((frozen, pending) => { window.mostHeld = Math.max(window.mostHeld, pending); });
    }''')
    page.evaluate('window.ansi.setFreezeState(true)')
    page.evaluate('window.ansi.sendText("seq 1 100000; echo done-$((6*7))\\r")')
    page.wait_for_function('window.lines.next === 100001')
    assert page.evaluate('window.mostHeld') < 8 * 4096 + 65536
    assert page.evaluate('window.ansi.getFreezeState()') == 1
    page.evaluate('window.ansi.setFreezeState(false)')
    wait_screen_line(term, 'done-42')
    assert page.evaluate('window.lines.gaps') == 0


def test_copy_variants(page_server, open_terminal):
    term = open_original(open_terminal, page_server,
                         params_query('custom', font='monospace', nColumns=40, nLines=8), clipboard=True)
    page = term.page
    wait_screen_line(term, 'Hello!')
    page.evaluate(r'''() => {
      window.copies = [];
      window.ansi.registerOnCopy((text, asText) => window.copies.push([text, asText]));
      window.ansi.write('\x1b[H\x1b[2J\x1b[1;31mred\x1b[0m plain \x1b[44mblue\x1b[0m   \r\n<b>&\x1b[38;5;208mx\x1b[0m\r\n\r\n');
      window.ansi.selectAll();
    }''')
    text = 'red plain blue\n<b>&x'
    ansi = '\x1b[0;1;31mred\x1b[0m plain \x1b[0;44mblue\x1b[0m\n<b>&\x1b[0;38;5;208mx\x1b[0m'
    html = ('<pre style="color:rgb(229,229,229);background-color:rgb(0,0,0);font-family:monospace">'
            '<span style="color:#cd0000;font-weight:bold">red</span> plain '
            '<span style="background-color:#0000ee">blue</span>\n'
            '&lt;b&gt;&amp;<span style="color:#ff8700">x</span></pre>')
    assert page.evaluate('window.ansi.clipboardCopyAsText()') == text
    assert page.evaluate('navigator.clipboard.readText()') == text
    assert page.evaluate('window.ansi.clipboardCopyAsAnsiSequence()') == ansi
    assert page.evaluate('window.ansi.clipboardCopyAsHtml()') == html
    assert page.evaluate('window.ansi.clipboardCopyAsRichText()') == html
    assert page.evaluate('window.copies') == [[text, True], [ansi, True], [html, True], [html, False]]
    rich = page.evaluate('''async () => {
      const [item] = await navigator.clipboard.read();
      return [item.types.includes('text/html') ? await (await item.getType('text/html')).text() : null,
              await (await item.getType('text/plain')).text()];
    }''')
    assert rich[0] is not None and '<span style="color:#cd0000;font-weight:bold">red</span>' in rich[0]
    assert rich[1] == text

    # The status bar: Select all + Copy copies no trailing blank lines; "Copy as…" offers the rest.
    page.evaluate('window.ansi.clearSelection(); window.copies = []')
    page.click('text=Select all')
    page.click('.xwterm-status >> text="Copy"')
    page.wait_for_function('window.copies.length === 1')
    assert page.evaluate('navigator.clipboard.readText()') == text
    page.click('.xwterm-copy-as')
    page.click('[data-copy="clipboardCopyAsAnsiSequence"]')
    page.wait_for_function('window.copies.length === 2')
    assert page.evaluate('window.copies[1]') == [ansi, True]
    assert page.evaluate('navigator.clipboard.readText()') == ansi
    assert page.is_hidden('.xwterm-menu')


FAKE_AUDIO = '''
  window.bellBuffers = [];
  class FakeAudioContext {
    constructor() { this.state = 'running'; this.sampleRate = 8000; this.destination = {}; }
    createBuffer(channels, length, rate) {
      const data = new Float32Array(length);
      const buffer = { length, rate, getChannelData: () => data };
      window.bellBuffers.push(buffer);
      return buffer;
    }
    createBufferSource() { return { connect() {}, start() {} }; }
    close() { return Promise.resolve(); }
  }
  window.AudioContext = FakeAudioContext;
'''


def test_set_bell_changes_the_sound(page_server, open_terminal):
    term = open_original(open_terminal, page_server, params_query('custom'),
                         before_load=lambda page: page.add_init_script(FAKE_AUDIO))
    page = term.page
    wait_screen_line(term, 'Hello!')

    def ring():
        page.wait_for_timeout(250)      # bells closer than 200 ms are merged
        page.evaluate('window.ansi.write("\\x07")')
        return page.evaluate(
            'window.bellBuffers.splice(0).map(b => [b.length, Array.from(b.getChannelData().slice(0, 8))])')

    [(length, samples)] = ring()
    assert length == 0.5 * 8000                     # the original's defaults: 0.5 s, 1760 Hz
    assert abs(samples[1] - 0.15 * 0.9998 * math.sin(2 * math.pi * 1760 / 8000)) < 1e-6
    page.evaluate('window.ansi.setBell(true, 0.25, 440, 0.5)')
    [(length, samples)] = ring()
    assert length == 0.25 * 8000
    for k in (1, 3, 5):
        assert abs(samples[k] - 0.15 * 0.5 ** k * math.sin(2 * math.pi * 440 * k / 8000)) < 1e-6
    page.evaluate('window.ansi.setBell(true, 0, 0, 0)')     # falsy values keep the sound
    assert ring()[0][0] == 0.25 * 8000
    page.evaluate('window.ansi.setBell(false)')
    assert ring() == []


def test_send_key_by_key_event_reaches_the_server(start_page_server, open_terminal):
    server = start_page_server('--no-websocket', command=[sys.executable, '-c', KEY_ECHO])
    term = open_original(open_terminal, server, 'mode=http')
    page = term.page
    wait_screen_line(term, 'ready')
    page.evaluate('window.cursorModes = []; '
                  'window.ansi.registerOnAppCursorKeyChange(on => window.cursorModes.push(on))')
    assert page.evaluate('window.cursorModes') == [False]      # once at registration

    def key(event, expected):
        page.evaluate('event => window.ansi.sendKeyByKeyEvent(event)', event)
        wait_screen_line(term, 'got:' + expected)
        page.evaluate('window.ansi.write("\\x1b[H\\x1b[2J")')

    key({'key': 'Tab', 'code': 'Tab'}, '09')
    key({'key': 'l', 'code': 'KeyL', 'ctrlKey': True}, '0c')
    key({'key': 'F5', 'code': 'F5'}, '1b5b31357e')
    key({'key': 'ArrowUp', 'code': 'ArrowUp'}, '1b5b41')
    page.evaluate('window.ansi.sendText("a")')
    wait_screen_line(term, 'app-on')
    assert page.evaluate('window.cursorModes') == [False, True]
    key({'key': 'ArrowUp', 'code': 'ArrowUp'}, '1b4f41')
    # A real KeyboardEvent works the same, and the terminal takes the focus.
    page.evaluate('document.activeElement.blur(); window.ansi.sendKeyByKeyEvent('
                  'new KeyboardEvent("keydown", { key: "ArrowLeft", code: "ArrowLeft" }))')
    wait_screen_line(term, 'got:1b4f44')
    assert page.evaluate('document.activeElement === window.ansi.input')


COMPANION_SCROLLBAR = '''
  window.scrollbarCalls = [];
  window.GenericScrollBarAdder = class {
    constructor(element, params) {
      window.scrollbarCalls.push(['new', element.tagName, params]);
      const calls = window.scrollbarCalls;
      this.verticalScrollbar = {
        setMinValue: (v) => calls.push(['min', v]),
        setMaxValue: (v) => calls.push(['max', v]),
        setVisibleRangeSize: (v) => calls.push(['range', v]),
        setValue: (v) => calls.push(['value', v]),
        registerOnChange: (cb) => { window.scrollbarChange = cb; },
      };
    }
  };
'''


@pytest.mark.parametrize('internal', [False, True])
def test_internal_scrollbar_false_uses_the_companion_class(page_server, open_terminal, internal):
    term = open_original(open_terminal, page_server,
                         params_query('custom', internalScrollbar=internal, nLines=10),
                         before_load=lambda page: page.add_init_script(COMPANION_SCROLLBAR))
    page = term.page
    wait_screen_line(term, 'Hello!')
    page.evaluate('window.ansi.write(Array.from({length: 50}, (_, i) => "line " + i).join("\\r\\n"))')
    page.evaluate('new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))')
    calls = page.evaluate('window.scrollbarCalls')
    if internal:
        assert calls == []
        assert page.is_visible('.xwterm-scrollbar')
        return
    assert calls[0] == ['new', 'CANVAS', {'vertical': True, 'horizontal': False}]
    history = page.evaluate('window.ansi.emulator.scrollbackLength')
    assert ['max', history] in calls and ['range', 10] in calls and calls[-1] == ['value', history]
    assert not page.is_visible('.xwterm-scrollbar')
    page.evaluate('window.scrollbarChange({ value: 0 })')       # dragged to the oldest line
    assert page.evaluate('window.ansi.scrollOffset') == history
