"""web/recordings.html in Chromium with its Content-Security-Policy in force: a session
typed in index.html is listed for the logged-in browser (and for nobody else) and plays
back in AnsiTerm, with pause and speed."""

import urllib.error
import urllib.request

import pytest

from test_login import connected, printed_url, type_line, wait_until

PLAYBACK_ROW = ('(p => p && p.term.dumpScreen().text.some(row => row.trimEnd() === %r))'
                '(window.xwtermPlayback)')


def test_recordings_are_listed_and_played_back(start_page_server, open_terminal, tmp_path):
    server = start_page_server('--record', str(tmp_path / 'casts'), auth=True)
    shell = open_terminal(printed_url(server), csp=True).page
    connected(shell, 'websocket')
    type_line(shell, 'echo played-$((6*7)); sleep 1; echo after-$((7*7))')
    wait_until(shell, '(t => t.dumpScreen().text.some(r => r.trimEnd() === "after-49"))'
                      '(window.term)')
    type_line(shell, 'exit')

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(server.url + '?recordings', timeout=10)
    assert refused.value.code == 401

    def same_browser(page):
        page.context.add_cookies(shell.context.cookies())

    page = open_terminal(server.url + 'recordings.html', before_load=same_browser,
                         csp=True).page
    page.wait_for_selector('tr[data-name] button.play')
    assert page.locator('tr[data-name]').count() == 1
    page.select_option('#speed', '0.5')
    page.click('tr[data-name] button.play')
    page.wait_for_selector('body[data-player=playing]')
    page.click('#pause')
    page.wait_for_selector('body[data-player=paused]')
    assert page.locator('#pause').inner_text() == 'Play'
    page.select_option('#speed', '16')
    page.click('#pause')
    page.wait_for_selector('body[data-player=ended]')
    wait_until(page, PLAYBACK_ROW % 'played-42')
    wait_until(page, PLAYBACK_ROW % 'after-49')
    assert page.evaluate('window.xwtermPlayback.term.readonly')
    # Play after the end plays it again, from the start
    page.click('#pause')
    page.wait_for_selector('body[data-player=ended]')
    wait_until(page, PLAYBACK_ROW % 'after-49')
    download = page.locator('tr[data-name] a').get_attribute('href')
    assert download.startswith('?recording=') and download.endswith('.cast')
