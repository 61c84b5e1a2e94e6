"""Sessions that outlive a connection, as the page lives them (issue 7): binary framing,
reattach on reload with the screen intact, tabs and share links, the honest end of a
session (server restart, start failure, signals), and the channel the page picks (issue 10).

Real servers on free ports, real shells, Chromium. Nothing is timed: the tests wait for
states and screens, under conftest's hang guard.
"""

import json
import time

import pytest

from conftest import quiet_screen, wait_attached


def wait_end_of_stopped_server(term):
    """The page says the session is gone: told by the stopping server, or by the new one."""
    term.page.wait_for_function('window.term.dumpScreen().text.some(row => /^\\[session ended: '
                                '(server stopped|the server restarted); press any key for a new one\\]$/'
                                '.test(row.trimEnd()))')


def wait_screen(term, screen):
    term.page.wait_for_function('want => JSON.stringify(window.term.dumpScreen()) === want',
                                arg=json.dumps(screen, separators=(',', ':')))


def test_page_uses_the_binary_framing(start_server, open_terminal):
    server = start_server()
    term = open_terminal(server.url)
    attachment = wait_attached(term)
    assert term.page.evaluate('window.term.driver.binary') is True
    assert attachment['token'] and attachment['readonlyToken'] and not attachment['readonly']
    assert [s['id'] for s in server.get('?sessions')] == [attachment['session']]
    term.run('echo binary-$((6*7))')
    term.wait_line('binary-42')


def test_json_framing_still_works_for_our_driver(start_server, open_terminal):
    server = start_server()
    term = open_terminal(server.url)
    term.wait_connected('websocket')
    term.page.evaluate('''async () => {
      const { AnsiTermWebSocketDriver } = await import('./xwterm.js');
      window.term.setDriver(new AnsiTermWebSocketDriver({ wsEndpoint: window.term.driver.url, wsBinary: false }));
    }''')
    term.wait_connected()
    assert term.page.evaluate('window.term.driver.binary') is False
    term.run('echo json-$((6*7))')
    term.wait_line('json-42')


def reload_keeps_the_screen(term, session):
    before = quiet_screen(term)
    term.page.reload()
    assert wait_attached(term)['session'] == session
    wait_screen(term, before)


def test_reload_reattaches_bash_with_its_history(start_server, open_terminal):
    server = start_server()
    term = open_terminal(server.url)
    session = wait_attached(term)['session']
    for n in range(3):
        term.run("printf '\\033[3%dmline-%d\\033[0m\\n' %d %d" % (n + 1, n, n + 1, n))
        term.wait_line('line-%d' % n)
    reload_keeps_the_screen(term, session)
    term.run('echo after-$((6*7))')
    term.wait_line('after-42')
    assert len(server.get('?sessions')) == 1


def test_reload_reattaches_vim(start_server, open_terminal):
    server = start_server()
    term = open_terminal(server.url)
    session = wait_attached(term)['session']
    term.run('vim -u NONE -N -n')
    term.page.wait_for_function('window.term.dumpScreen().altScreen')
    term.page.keyboard.type('ihello from vim')
    term.page.keyboard.press('Enter')
    term.page.keyboard.type('second line')
    term.page.keyboard.press('Escape')
    term.wait_line('second line')
    reload_keeps_the_screen(term, session)
    term.page.keyboard.type(':q!')
    term.page.keyboard.press('Enter')
    term.page.wait_for_function('!window.term.dumpScreen().altScreen')
    assert server.get('?sessions')[0]['id'] == session


def test_reload_reattaches_over_http(start_server, open_terminal):
    server = start_server('--no-websocket', '--no-http-websocket')
    term = open_terminal(server.url)
    session = wait_attached(term)['session']
    term.run('echo polled-$((6*7))')
    term.wait_line('polled-42')
    reload_keeps_the_screen(term, session)
    term.run('echo again-$((6*7))')
    term.wait_line('again-42')


def open_tab(term, url):
    """Another tab of the same browser profile (sessionStorage is per tab)."""
    page = term.page.context.new_page()
    page.set_default_timeout(30000)
    page.goto(url)
    return type(term)(page)


def test_second_tab_gets_its_own_session(start_server, open_terminal):
    server = start_server()
    first = open_terminal(server.url)
    one = wait_attached(first)['session']
    second = open_tab(first, server.url)
    two = wait_attached(second)['session']
    assert one != two
    second.run('echo tab2-$((6*7))')
    second.wait_line('tab2-42')
    first.run('echo tab1-$((6*7))')
    first.wait_line('tab1-42')
    assert 'tab2-42' not in first.screen_text()


def test_share_link_attaches_to_the_same_session(start_server, open_terminal):
    server = start_server()
    owner = open_terminal(server.url)
    session = wait_attached(owner)['session']
    owner.page.context.grant_permissions(['clipboard-read', 'clipboard-write'])
    owner.page.get_by_role('button', name='Copy share link').click()
    owner.page.wait_for_function('async () => (await navigator.clipboard.readText()).includes("#session=")')
    link = owner.page.evaluate('navigator.clipboard.readText()')
    # the page's own query is left out (a login token is not the owner's to give away)
    assert link.split('#')[0] == server.url + '?link' and '#session=%s&token=' % session in link

    guest = open_tab(owner, link)
    assert wait_attached(guest)['session'] == session
    assert '#' not in guest.page.url, 'the token stays in the address bar'
    guest.run('echo guest-$((6*7))')
    owner.wait_line('guest-42')
    guest.wait_line('guest-42')


def test_read_only_link_cannot_type(start_server, open_terminal):
    server = start_server()
    owner = open_terminal(server.url)
    session = wait_attached(owner)['session']
    link = owner.page.evaluate('window.termSession.link(true)')
    viewer = open_tab(owner, link)
    attachment = wait_attached(viewer)
    assert attachment['session'] == session and attachment['readonly'] and not attachment['token']
    assert viewer.page.get_by_text('read-only', exact=True).is_visible()
    assert viewer.page.get_by_role('button', name='Copy share link').is_disabled()

    viewer.page.evaluate('window.term.focus()')
    viewer.run('echo viewer-$((6*7))')
    owner.run('echo owner-$((6*7))')
    owner.wait_line('owner-42')
    viewer.wait_line('owner-42')
    assert 'viewer' not in owner.screen_text()


def test_server_restart_ends_the_session_and_drops_what_was_typed(start_server, open_terminal):
    server = start_server()
    term = open_terminal(server.url)
    wait_attached(term)
    term.run('echo first-$((6*7))')
    term.wait_line('first-42')

    server.stop()
    term.wait_state('state => state !== "connected"')
    # Typed while the server is down: for the old session, or (once the page said that it
    # ended) the key that asks for a new one followed by keys with no session to go to.
    term.run('echo NOPE-$((6*7))')
    server.start()
    wait_end_of_stopped_server(term)
    term.wait_state('state => state === "ended" || state === "connected"')
    if term.page.evaluate('window.term.connectionState') == 'ended':
        term.page.keyboard.press('x')   # starts a new session; the key itself is not typed
    wait_attached(term)
    term.run('echo fresh-$((6*7))')
    term.wait_line('fresh-42')
    assert 'NOPE' not in term.screen_text() and 'first-42' in term.screen_text()
    # Never typed into the new shell: not in its latest history.
    term.run('history 3')
    term.page.wait_for_function('window.term.dumpScreen().text.some(row => / history 3$/.test(row.trimEnd()))')
    assert 'NOPE' not in term.screen_text()


def test_page_finds_the_server_again_without_a_long_backoff(start_server, open_terminal):
    server = start_server()
    term = open_terminal(server.url)
    wait_attached(term)
    server.stop()
    term.wait_state('state => state !== "connected"')
    if term.page.evaluate('window.term.connectionState') == 'ended':
        term.page.keyboard.press('x')   # a new session, asked for while the server is down
    # Long enough for an uncapped exponential backoff to reach 8 s between attempts.
    term.page.wait_for_timeout(7000)
    server.start()
    restarted = time.monotonic()
    # Reattached and told the session is gone, or connected to the new session.
    term.wait_state('state => state === "ended" || state === "connected"')
    # A generous guard, not a measurement: a 15 s backoff would miss it.
    assert time.monotonic() - restarted < 10


def test_new_session_starts_below_the_old_lines(start_server, open_terminal):
    server = start_server()
    term = open_terminal(server.url)
    wait_attached(term)
    for word in ('a', 'b', 'c'):
        term.run('echo %s' % word)
        term.wait_line(word)
    term.run('exit 3')
    term.wait_line('[session ended: exit 3; press any key for a new one]')
    term.page.keyboard.press('Enter')
    wait_attached(term)
    term.run('echo d')
    term.wait_line('d')
    rows = [row for row in term.page.evaluate('window.term.dumpScreen().text') if row]
    outputs = [row for row in rows if row in ('a', 'b', 'c', 'd')]
    assert outputs == ['a', 'b', 'c', 'd']


def test_vim_left_behind_does_not_leak_into_the_new_session(start_server, open_terminal):
    server = start_server()
    term = open_terminal(server.url)
    wait_attached(term)
    term.run('echo before-vim')
    term.wait_line('before-vim')
    term.run('vim -u NONE -N -n')
    term.page.wait_for_function('window.term.dumpScreen().altScreen')
    server.get('?kill=%s' % server.get('?sessions')[0]['id'])
    term.wait_line('[session ended: killed; press any key for a new one]')
    screen = term.page.evaluate('window.term.dumpScreen()')
    assert not screen['altScreen'] and 'before-vim' in screen['text']
    assert term.page.evaluate('window.term.emulator.modes.applicationCursor') is False


def test_signal_is_named(start_server, open_terminal):
    server = start_server('--no-websocket', '--no-http-websocket')
    term = open_terminal(server.url)
    wait_attached(term)
    term.run('kill -9 $$')
    term.wait_line('[session ended: killed by signal 9; press any key for a new one]')


def start_failing_server(start_server, tmp_path, *extra_args):
    """A server whose command cannot start (the same Server, restarted with another command):
    an executable file that is no program passes the server's check at start, and every
    session's start fails (exec format error)."""
    server = start_server(*extra_args)
    server.stop()
    program = tmp_path / 'not-a-program'
    program.write_bytes(b'\x00\x01 not a program')
    program.chmod(0o755)
    server.command = [str(program)]
    return server.start()


def test_start_failure_shows_the_reason_over_websocket(start_server, open_terminal, tmp_path):
    server = start_failing_server(start_server, tmp_path)
    term = open_terminal(server.url)
    term.wait_state('state => state === "failed"')
    assert 'cannot start the shell' in term.screen_text()
    assert 'cannot start the shell' in term.page.evaluate('window.term.driver.stateText')


def test_start_failure_shows_the_reason_over_http(start_server, open_terminal, tmp_path):
    server = start_failing_server(start_server, tmp_path, '--no-websocket', '--no-http-websocket')
    term = open_terminal(server.url)
    term.wait_state('state => state === "failed"')
    assert 'cannot start the shell' in term.screen_text()


@pytest.mark.parametrize('options, endpoint', [
    ((), 'same-origin'),
    (('--no-http-websocket',), 'port'),
    (('--no-http-websocket', '--no-websocket'), 'http'),
], ids=['same-origin', 'port', 'long-poll'])
def test_page_picks_same_origin_websocket_then_the_port_then_long_polling(
        start_server, open_terminal, options, endpoint):
    server = start_server(*options)
    term = open_terminal(server.url)
    wait_attached(term)
    assert term.page.evaluate('window.termEndpoint') == endpoint
    assert term.page.evaluate('window.termTransport') == ('http' if endpoint == 'http' else 'websocket')
    assert term.page.evaluate('window.term.driver.binary === true') is (endpoint != 'http')
    # Nothing else was tried on the way: one session.
    assert len(server.get('?sessions')) == 1
    term.run('echo %s-$((6*7))' % endpoint)
    term.wait_line('%s-42' % endpoint)


def test_same_origin_websocket_that_cannot_connect_falls_back_to_the_port(start_server, open_terminal):
    server = start_server()

    def same_origin_is_blocked(page):
        # A proxy that does not pass WebSocket upgrades: `ws` is named but never connects.
        page.route('**/?config', lambda route: route.fulfill(
            status=200, content_type='application/json',
            body=json.dumps({'version': 'test', 'same_origin_websocket': 'ws://127.0.0.1:9/ws',
                             'websocket': {'port': server.ws_port, 'path': '/'}})))

    term = open_terminal(server.url, before_load=same_origin_is_blocked)
    wait_attached(term)
    assert term.page.evaluate('window.termEndpoint') == 'port'
    assert len(server.get('?sessions')) == 1


def test_session_size_of_another_writer_is_shown(start_server, open_terminal):
    server = start_server()
    big = open_terminal(server.url, width=900, height=560)
    session = wait_attached(big)['session']
    link = big.page.evaluate('window.termSession.link(false)')
    small = open_terminal(link, width=500, height=300)
    assert wait_attached(small)['session'] == session
    big_size = big.size()
    small.page.wait_for_function('size => window.term.nLines === size[0] && window.term.nColumns === size[1]',
                                 arg=list(big_size))
    # The larger screen keeps its bottom rows (the prompt) in view.
    assert small.page.evaluate('''() => {
      const canvas = window.term.getCanvas().getBoundingClientRect();
      const viewport = window.term.viewport.getBoundingClientRect();
      return Math.abs(canvas.bottom - viewport.bottom) < 1;
    }''')
    small.run('echo small-$(stty size | tr " " x)')
    small.page.wait_for_function('size => window.term.nLines < size[0]', arg=list(big_size))
    small_size = small.size()
    small.wait_line('small-%dx%d' % small_size)
    big.page.wait_for_function('size => window.term.nLines === size[0] && window.term.nColumns === size[1]',
                               arg=list(small_size))
    assert small.page.evaluate('window.term.getCanvas().style.top') == ''
