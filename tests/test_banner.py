"""The startup banner: usable URLs per interface, the token rule, the warnings."""

import ipaddress
import sys

import pytest

from xwterm import auth, banner

ADDRESSES = ['127.0.0.1', '192.0.2.2', '169.254.1.1', '::1', 'fd00::2', 'fe80::1']
TOKEN = 'configured-token-0123456789'


def texts(lines, label):
    return [text for line_label, text in lines if line_label == label]


def generated():
    return auth.Authenticator(token=auth.generate_token())


def test_wildcard_ipv4_lists_each_remote_address_not_the_wildcard():
    assert banner.usable_hosts('0.0.0.0', ADDRESSES) == ['192.0.2.2']
    assert banner.usable_hosts('0.0.0.0', ['127.0.0.1', '10.0.0.1', '10.0.0.2']) == [
        '10.0.0.1', '10.0.0.2']


def test_wildcard_ipv6_takes_both_families():
    assert banner.usable_hosts('::', ADDRESSES) == ['192.0.2.2', 'fd00::2']


def test_link_local_and_loopback_only_when_nothing_else():
    assert banner.usable_hosts('0.0.0.0', ['127.0.0.1', '169.254.1.1']) == ['169.254.1.1']
    assert banner.usable_hosts('::', ['::1', 'fe80::1%eth0']) == ['fe80::1']
    assert banner.usable_hosts('0.0.0.0', ['127.0.0.1']) == ['127.0.0.1']
    assert banner.usable_hosts('0.0.0.0', []) == ['127.0.0.1']


def test_specific_binds_are_themselves():
    for bind in ('127.0.0.1', '192.0.2.2', '::1', 'board.lan'):
        assert banner.usable_hosts(bind, ADDRESSES) == [bind]


def test_url_formatting():
    assert banner.url('http', '192.0.2.2', 8000) == 'http://192.0.2.2:8000/'
    assert banner.url('wss', 'fd00::2', 8001, 'tok') == 'wss://[fd00::2]:8001/?token=tok'


def test_generated_token_rides_in_every_url():
    checker = generated()
    lines = banner.banner_lines('0.0.0.0', 8000, 8001, auth=checker, addresses=ADDRESSES)
    assert texts(lines, 'HTTP') == ['http://192.0.2.2:8000/?token=%s' % checker.token]
    assert texts(lines, 'WebSocket') == ['ws://192.0.2.2:8001/?token=%s' % checker.token]
    assert 'generated' in texts(lines, 'Login')[0]
    assert not any('0.0.0.0' in text for _, text in lines)


@pytest.mark.parametrize('source', ['--token', auth.TOKEN_ENV])
def test_configured_token_is_never_echoed(source):
    checker = auth.Authenticator(token=TOKEN, source=source)
    lines = banner.banner_lines('127.0.0.1', 8000, 8001, auth=checker)
    assert not any(TOKEN in text for _, text in lines)
    assert texts(lines, 'HTTP') == ['http://127.0.0.1:8000/']
    assert 'token from %s (not shown)' % source in texts(lines, 'Login')[0]


def test_password_mode_says_where_the_hash_is():
    checker = auth.Authenticator(password_hash=auth.hash_password('x', 1000),
                                 source='--password-file /etc/xwterm.hash')
    lines = banner.banner_lines('127.0.0.1', 8000, None, auth=checker)
    assert texts(lines, 'Login') == ['password (hash from /etc/xwterm.hash)']
    assert texts(lines, 'WebSocket') == []


def test_loopback_bind_has_no_warning():
    for bind in ('127.0.0.1', '::1', 'localhost'):
        lines = banner.banner_lines(bind, 8000, 8001, auth=generated())
        assert texts(lines, 'WARNING') == []


def test_network_bind_without_tls_warns_and_shows_the_openssl_command():
    lines = banner.banner_lines('0.0.0.0', 8000, 8001, auth=generated(), addresses=ADDRESSES)
    warnings = texts(lines, 'WARNING')
    assert 'the token and everything typed travel the network in clear' in warnings[0]
    assert warnings[1].strip().startswith('openssl req -x509')
    assert 'IP:192.0.2.2' in warnings[1]
    assert '--certfile cert.pem --keyfile key.pem' in warnings[2]


def test_tls_gives_https_and_wss_and_no_clear_text_warning():
    lines = banner.banner_lines('::', 8443, 8444, tls=True, auth=generated(),
                                addresses=ADDRESSES)
    assert [text.split('?')[0] for text in texts(lines, 'HTTP')] == [
        'https://192.0.2.2:8443/', 'https://[fd00::2]:8443/']
    assert all(text.startswith('wss://') for text in texts(lines, 'WebSocket'))
    assert texts(lines, 'WARNING') == []


def test_no_auth_on_a_network_bind_is_loud():
    lines = banner.banner_lines('0.0.0.0', 8000, 8001, tls=True, auth=None,
                                addresses=ADDRESSES)
    warnings = texts(lines, 'WARNING')
    assert len(warnings) == 1 and 'NO AUTHENTICATION' in warnings[0]
    assert 'reach ports 8000 and 8001 gets' in warnings[0]
    assert texts(lines, 'HTTP') == ['https://192.0.2.2:8000/']
    quiet = banner.banner_lines('127.0.0.1', 8000, 8001, auth=None)
    assert texts(quiet, 'WARNING') == [] and 'no-auth' in texts(quiet, 'Login')[0]


def test_warnings_agree_with_their_subjects():
    """One port is "port", two are "ports"; "everything typed travels" alone."""
    lines = banner.banner_lines('0.0.0.0', None, 8001, auth=None, addresses=ADDRESSES)
    warnings = texts(lines, 'WARNING')
    assert 'reach port 8001 gets' in warnings[0]
    assert 'no TLS: everything typed travels the network in clear' in warnings[1]


def test_websocket_only_banner_tells_a_client_how_to_log_in():
    """No page to open: the login line speaks of a WebSocket client and the token."""
    lines = banner.banner_lines('127.0.0.1', None, 8001, auth=generated())
    assert texts(lines, 'HTTP') == []
    assert texts(lines, 'WebSocket')[0].startswith('ws://127.0.0.1:8001/?token=')
    login = texts(lines, 'Login')[0]
    assert 'open a URL' not in login
    assert 'WebSocket client' in login and 'Authorization: token TOKEN' in login
    configured = banner.banner_lines('127.0.0.1', None, 8001,
                                     auth=auth.Authenticator(token=TOKEN, source='XWTERM_TOKEN'))
    assert TOKEN not in ' '.join(texts(configured, 'WebSocket') + texts(configured, 'Login'))
    assert 'adds ?token=TOKEN' in texts(configured, 'Login')[0]


def test_readonly_is_announced():
    lines = banner.banner_lines('127.0.0.1', 8000, 8001, auth=generated(), readonly=True)
    assert 'none may type' in texts(lines, 'Read-only')[0]


def test_format_lines_align_labels():
    assert banner.format_lines([('HTTP', 'u'), ('WebSocket', 'v')]) == [
        'HTTP:      u', 'WebSocket: v']


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='Linux interfaces')
def test_interface_addresses_on_this_machine():
    addresses = banner.interface_addresses()
    assert '127.0.0.1' in addresses
    for address in addresses:
        ipaddress.ip_address(address)
    assert len(addresses) == len(set(addresses))


def test_ipv6_list_parsing(tmp_path):
    listing = tmp_path / 'if_inet6'
    listing.write_text(
        '00000000000000000000000000000001 01 80 10 80       lo\n'
        'fd000000000000000000000000000002 04 40 00 82     eth0\n'
        'fd000000000000000000000000000003 04 40 00 88     eth0\n'
        'garbage\n')
    assert banner._ipv6_addresses(str(listing)) == ['::1', 'fd00::2']
    assert banner._ipv6_addresses(str(tmp_path / 'missing')) == []
