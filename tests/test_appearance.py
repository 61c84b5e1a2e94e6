"""--theme, --font-size and --font-family (issue 22): checked at the command line (a bad value
exits 2 with one line naming the option), served in ?config by the real server, and the theme
names the server accepts are exactly the palettes the page has (web/term/themes.js). The
page's use of them is tested in Chromium: tests/browser/test_appearance_page.py."""

import json
import signal
import subprocess
import urllib.request

import pytest

from xwterm import appearance

from serverutil import ROOT, ServerProcess, cli


@pytest.mark.parametrize('args, message', [
    (['--theme', 'purple'], "--theme: unknown theme 'purple' (one of: dark, light,"),
    (['--font-size', 'big'], "--font-size: font size 'big' is not a whole number"),
    (['--font-size', '5'], '--font-size: font size 5 is outside 6-72 pixels'),
    (['--font-size', '73'], '--font-size: font size 73 is outside 6-72 pixels'),
    (['--font-family', 'x; background:url(y)'], "--font-family: font family 'x; background"),
    (['--font-family', ''], "--font-family: font family ''"),
    (['--font-family', 'a' * 201], '--font-family: font family'),
])
def test_bad_values_exit_2_with_one_line(args, message):
    result = cli(args + ['--http', '0', '--ws', '0'])
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert result.stdout == ''


@pytest.mark.parametrize('args, expected', [
    ([], {'theme': 'dark', 'font_size': None, 'font_family': None}),
    (['--theme', 'Light', '--font-size', '16', '--font-family', "'Fira Code', monospace"],
     {'theme': 'light', 'font_size': 16, 'font_family': "'Fira Code', monospace"}),
    (['--theme', 'solarized-dark', '--no-websocket'],
     {'theme': 'solarized-dark', 'font_size': None, 'font_family': None}),
])
def test_config_serves_the_appearance(args, expected):
    server = ServerProcess(['--http', '0', '--ws', '0'] + args, expect=('HTTP',))
    try:
        with urllib.request.urlopen(server.urls['HTTP'] + '?config', timeout=10) as response:
            config = json.loads(response.read().decode('utf-8'))
        assert config['appearance'] == expected
    finally:
        server.signal(signal.SIGTERM)
        assert server.wait() == 0


def test_help_lists_the_options_and_the_themes():
    result = cli(['--help'])
    text = ' '.join(result.stdout.split()).replace('- ', '-')   # argparse wraps at hyphens
    for wanted in ('--theme', '--font-size', '--font-family', ', '.join(appearance.THEMES),
                   '6-72'):
        assert wanted in text


def test_server_themes_are_the_page_themes():
    script = ("import('./web/term/themes.js').then(m => process.stdout.write("
              "JSON.stringify([Object.keys(m.THEMES), m.DEFAULT_THEME, m.MIN_FONT_SIZE, m.MAX_FONT_SIZE])))")
    out = subprocess.run(['node', '--input-type=module', '-e', script], cwd=ROOT,
                         stdout=subprocess.PIPE, universal_newlines=True, timeout=60, check=True)
    names, default, low, high = json.loads(out.stdout)
    assert tuple(names) == appearance.THEMES and default == appearance.DEFAULT_THEME
    assert (low, high) == (appearance.MIN_FONT_SIZE, appearance.MAX_FONT_SIZE)


def test_appearance_values_are_normalised_and_checked():
    look = appearance.Appearance(' High-Contrast ', '20', " monospace ")
    assert look.as_config() == {'theme': 'high-contrast', 'font_size': 20,
                                'font_family': 'monospace'}
    for bad in ({'theme': 'x'}, {'font_size': '7.5'}, {'font_family': 'a{b}'},
                {'font_family': 'a\nb'}):
        with pytest.raises(ValueError):
            appearance.Appearance(**bad)


def test_asgi_app_serves_the_appearance_in_config():
    """The ASGI application's ?config, called as an ASGI server calls it."""
    from xwterm.asgi import XwtermApp
    from serverutil import run

    async def config_of(app):
        sent = []

        async def receive():
            return {'type': 'http.request', 'body': b'', 'more_body': False}

        async def send(message):
            sent.append(message)
        scope = {'type': 'http', 'method': 'GET', 'path': '/', 'query_string': b'config',
                 'headers': [(b'host', b'127.0.0.1')], 'client': ('127.0.0.1', 5000)}
        await app(scope, receive, send)
        assert sent[0]['status'] == 200
        return json.loads(b''.join(m.get('body', b'') for m in sent[1:]).decode('utf-8'))

    plain = run(config_of(XwtermApp(command=['/bin/sh'])))
    assert plain['appearance'] == {'theme': 'dark', 'font_size': None, 'font_family': None}
    styled = run(config_of(XwtermApp(command=['/bin/sh'], appearance=appearance.Appearance(
        'solarized-light', 14, 'monospace'))))
    assert styled['appearance'] == {'theme': 'solarized-light', 'font_size': 14,
                                    'font_family': 'monospace'}
