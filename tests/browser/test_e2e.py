"""End to end: the real xwterm server, web/index.html in Chromium, a real shell.

Everything is typed with the keyboard and read back through `window.term.dumpScreen()`.
"""

import re

import pytest

TRANSPORTS = {
    'websocket': (),
    'http': ('--no-websocket', '--no-http-websocket'),
}


@pytest.mark.parametrize('transport', sorted(TRANSPORTS))
def test_typed_command_runs(start_server, open_terminal, transport):
    server = start_server(*TRANSPORTS[transport])
    term = open_terminal(server.url)
    term.wait_connected(transport)
    term.run('echo hello-$((6*7))')
    term.wait_line('hello-42')


def test_http_fallback_when_websocket_is_unreachable(start_server, open_terminal):
    server = start_server()

    def point_config_at_a_closed_port(page):
        # What a proxy that blocks WebSocket looks like to the page: the listener never answers.
        page.route('**/?config', lambda route: route.fulfill(
            status=200, content_type='application/json',
            body='{"version": "test", "websocket": {"port": 9, "path": "/"}}'))

    term = open_terminal(server.url, before_load=point_config_at_a_closed_port)
    term.wait_connected('http')
    term.run('echo fallback-$((6*7))')
    term.wait_line('fallback-42')


@pytest.mark.parametrize('transport', sorted(TRANSPORTS))
def test_window_resize_reaches_the_shell(start_server, open_terminal, transport):
    server = start_server(*TRANSPORTS[transport])
    term = open_terminal(server.url, width=900, height=560)
    term.wait_connected(transport)

    def shell_sees_terminal_size(marker):
        lines, columns = term.size()
        term.run('echo %s-$(stty size | tr " " x)' % marker)
        term.wait_line('%s-%dx%d' % (marker, lines, columns))
        return lines, columns

    before = shell_sees_terminal_size('before')
    term.page.set_viewport_size({'width': 640, 'height': 400})
    term.page.wait_for_function(
        'size => window.term.nLines < size[0] && window.term.nColumns < size[1]', arg=list(before))
    shell_sees_terminal_size('after')


def test_websocket_reconnects_after_server_restart(start_server, open_terminal):
    server = start_server()
    term = open_terminal(server.url)
    term.wait_connected('websocket')
    term.run('echo first-$((6*7))')
    term.wait_line('first-42')

    server.stop()
    term.wait_state('state => state !== "connected"')
    server.start()
    # The session ended with the server (it says so, or the new one does): a key starts a new one.
    term.wait_state('state => state === "ended"')
    assert re.search(r'\[session ended: (server stopped|the server restarted); press any key for a new one\]',
                     term.screen_text())
    term.page.keyboard.press('Enter')
    term.wait_connected('websocket')
    term.run('echo again-$((6*7))')
    term.wait_line('again-42')


def test_killed_session_is_reported_and_a_key_starts_a_new_one(start_server, open_terminal):
    server = start_server()
    term = open_terminal(server.url)
    term.wait_connected('websocket')
    term.run('echo alive-$((6*7))')
    term.wait_line('alive-42')

    sessions = server.get('?sessions')
    assert len(sessions) == 1
    server.get('?kill=%s' % sessions[0]['id'])
    term.wait_state('state => state === "ended"')
    assert 'session ended' in term.screen_text()

    term.page.keyboard.press('Enter')
    term.wait_connected('websocket')
    term.run('echo reborn-$((6*7))')
    term.wait_line('reborn-42')


def test_failed_post_loses_no_keystroke(start_server, open_terminal):
    server = start_server('--no-websocket', '--no-http-websocket')
    term = open_terminal(server.url)
    term.wait_connected('http')
    failed = []

    def fail_first_post(route, request):
        if request.method == 'POST' and not failed:
            failed.append(request.post_data)
            route.abort('connectionreset')
        else:
            route.continue_()

    term.page.route(lambda url: 'session=' in url, fail_first_post)
    term.run('echo kept-$((6*7))')
    term.wait_line('kept-42')
    assert failed and failed[0], 'no POST was failed'


def test_colours_are_drawn(start_server, open_terminal):
    server = start_server()
    term = open_terminal(server.url)
    term.wait_connected('websocket')
    term.run("printf '\\033[41m%20s\\033[0m\\n' ''; echo drawn-$((6*7))")
    term.wait_line('drawn-42')
    pixels = term.canvas_pixels()
    red = sum(1 for row in pixels for (r, g, b) in row if r > 150 and g < 60 and b < 60)
    assert red > 100, 'no red background drawn'


@pytest.mark.parametrize('transport', sorted(TRANSPORTS))
def test_shell_exit_is_reported_and_a_key_starts_a_new_one(start_server, open_terminal, transport):
    server = start_server(*TRANSPORTS[transport])
    term = open_terminal(server.url)
    term.wait_connected(transport)
    term.run('exit 3')
    term.wait_state('state => state === "ended"')
    term.wait_line('[session ended: exit 3; press any key for a new one]')

    term.page.keyboard.press('Enter')
    term.wait_connected(transport)
    term.run('echo again-$((6*7))')
    term.wait_line('again-42')


@pytest.mark.parametrize('server_holds_polls', [True, False], ids=['long-poll', 'immediate'])
def test_http_polls_one_at_a_time(start_server, open_terminal, server_holds_polls):
    server = start_server('--no-websocket', '--no-http-websocket')
    in_flight = []
    most_in_flight = []

    def watch_polls(page):
        def started(request):
            if 'console' in request.url:
                in_flight.append(request)
                most_in_flight.append(len(in_flight))

        def ended(request):
            if request in in_flight:
                in_flight.remove(request)

        page.on('request', started)
        page.on('requestfinished', ended)
        page.on('requestfailed', ended)
        if not server_holds_polls:
            # A server without xwterm's long-poll answers at once: drop the &wait= it would hold.
            page.route(lambda url: 'console' in url, lambda route: route.continue_(
                url=route.request.url.replace('&wait=25', '')))

    term = open_terminal(server.url, before_load=watch_polls)
    term.wait_connected('http')
    for n in range(3):
        term.run('echo poll%d-$((6*7))' % n)
        term.wait_line('poll%d-42' % n)
    assert most_in_flight and max(most_in_flight) == 1


def test_http_poll_that_never_answers_is_timed_out_and_retried(start_server, open_terminal):
    server = start_server('--no-websocket', '--no-http-websocket')
    term = open_terminal(server.url)
    term.wait_connected('http')
    hung = []

    def hang_first_poll(route, request):
        if 'console' in request.url and not hung:
            hung.append(route)  # never answered: a proxy that swallowed the request
        else:
            route.continue_()

    term.page.route(lambda url: 'session=' in url, hang_first_poll)
    term.page.evaluate('''async () => {
      const { AnsiTermHttpDriver } = await import('/xwterm.js');
      window.term.setDriver(new AnsiTermHttpDriver({ timeout: 1000, httpWait: 1 }));
    }''')
    term.wait_connected()
    term.run('echo retried-$((6*7))')
    term.wait_line('retried-42')
    assert hung, 'no poll was held back'


def test_http_post_answered_409_ends_the_session(start_server, open_terminal):
    # xwterm's server tells an ended session's id once: if a POST learns it (409), a retry
    # would silently start a new shell and type the keystroke into it.
    server = start_server('--no-websocket', '--no-http-websocket')
    term = open_terminal(server.url)
    term.wait_connected('http')
    posts = []

    def refuse_posts(route, request):
        if request.method == 'POST':
            posts.append(request.post_data)
            route.fulfill(status=409, content_type='application/json',
                          body='{"error": "session has ended"}')
        else:
            route.continue_()

    def has_session(url):
        return 'session=' in url

    # keys typed before the page knows its session are dropped: wait for the attach
    term.page.wait_for_function('window.term.driver.attachment')
    term.page.route(has_session, refuse_posts)
    term.page.evaluate('window.term.sendText("x")')
    term.wait_state('state => state === "ended"')
    assert 'session ended' in term.screen_text()
    term.page.wait_for_timeout(1000)
    assert posts == ['x'], 'the refused keystroke was retried: %r' % posts

    term.page.unroute(has_session, refuse_posts)
    term.page.keyboard.press('Enter')
    term.wait_connected('http')
    term.run('echo reborn-$((6*7))')
    term.wait_line('reborn-42')


def test_websocket_that_closes_right_after_opening_backs_off(start_server, open_terminal):
    # A server that accepts and closes at once (session limit, a shell that cannot start).
    server = start_server()

    def refusing_websocket(page):
        page.add_init_script('''
          window.socketsOpened = 0;
          class RefusingSocket {
            constructor(url) {
              window.socketsOpened += 1;
              this.readyState = RefusingSocket.CONNECTING;
              setTimeout(() => {
                this.readyState = RefusingSocket.OPEN;
                if (this.onopen) this.onopen({});
                setTimeout(() => this.close(1013, 'too many sessions'), 10);
              }, 10);
            }
            send() {}
            close(code, reason) {
              if (this.readyState === RefusingSocket.CLOSED) return;
              this.readyState = RefusingSocket.CLOSED;
              setTimeout(() => this.onclose && this.onclose({ code: code || 1005, reason: reason || '' }));
            }
          }
          Object.assign(RefusingSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
          window.WebSocket = RefusingSocket;
          window.WebSocketStream = undefined;  // the driver would prefer it (flow control)
        ''')

    term = open_terminal(server.url, before_load=refusing_websocket)
    term.page.wait_for_function('window.socketsOpened >= 1')
    term.page.wait_for_timeout(3500)
    # With backoff (0.5, 1, 2, 4 s, jitter ±25 %): at most 4 attempts in 3.5 s; without, 6 or more.
    assert term.page.evaluate('window.socketsOpened') <= 4
    # Each attempt is 'connected' for the refusing socket's 10 ms: the page is otherwise
    # waiting for its next try.
    term.page.wait_for_function('window.term.connectionState === "reconnecting"',
                                timeout=3000)


def test_http_restart_with_a_post_in_flight_delivers_what_follows(start_server, open_terminal):
    server = start_server('--no-websocket', '--no-http-websocket')
    term = open_terminal(server.url)
    term.wait_connected('http')
    # keys typed before the page knows its session are dropped (they could belong to no
    # session): wait for the attach fields of the first answer
    term.page.wait_for_function('window.term.driver.attachment')
    held = []

    def hold_first_post(route, request):
        if request.method == 'POST' and not held:
            held.append(route)  # never answered: the restart below cancels it
        else:
            route.continue_()

    term.page.route(lambda url: 'session=' in url, hold_first_post)
    # Straight into the driver: a key press can miss the terminal while the page is busy, and a
    # POST already in flight (a resize) goes out before the route; 'x' then follows it.
    term.page.evaluate('window.term.sendText("x")')
    # The route handler runs on Playwright's side, after the page has sent: give it its turn.
    for _ in range(300):
        if held:
            break
        term.page.wait_for_timeout(50)
    assert held, 'no POST was held back'
    # The new session's input comes while the cancelled POST has not unwound yet.
    term.page.evaluate('window.term.driver.restart()')
    # Input waits for the new session to be named (before, it would have no session to go to).
    term.page.wait_for_function('window.term.driver.attachment')
    term.page.evaluate('window.term.sendText("echo moved-$((6*7))\\r")')
    term.wait_line('moved-42')
