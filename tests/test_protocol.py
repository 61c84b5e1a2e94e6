"""The wire protocol, fed as strings: no sockets."""

import json

import pytest

from xwterm import browsercheck, protocol
from xwterm.exceptions import PayloadTooLargeError, ProtocolError
from xwterm.protocol import ClientMessage
from xwterm.terminal import TerminalSize


@pytest.mark.parametrize('frame, expected', [
    ('{"text": "ls\\r"}', ClientMessage(text='ls\r')),
    ('{"size": "24x80"}', ClientMessage(size=TerminalSize(80, 24))),
    ('{"text": "x", "size": "30x100"}', ClientMessage(text='x', size=TerminalSize(100, 30))),
    (' {"text": "padded"}', ClientMessage(text='padded')),
    ('{"size": "banana"}', ClientMessage()),            # a resize we cannot use: dropped
    ('{"size": "0x80"}', ClientMessage()),
])
def test_ws_control_messages(frame, expected):
    assert protocol.parse_ws_message(frame) == expected


@pytest.mark.parametrize('frame', [
    'ls -l\r', '[]', '{}', '{"text": 1}', '{"text": "a", "other": 1}', '{"size": 5}',
    '{"text": "unterminated', 'null', '"text"', '{', '',
])
def test_ws_anything_else_is_raw_input(frame):
    assert protocol.parse_ws_message(frame) == ClientMessage(text=frame)


def test_ws_binary_frames_are_raw_bytes():
    assert protocol.parse_ws_message(b'\x03{"text": "x"}') == ClientMessage(text=b'\x03{"text": "x"}')


def test_sizes_keep_their_wire_order():
    assert protocol.parse_size('24x80') == TerminalSize(columns=80, lines=24)
    assert protocol.parse_initial_size('120x40') == TerminalSize(columns=120, lines=40)
    assert protocol.format_size(TerminalSize(80, 24)) == '24x80'
    for bad in ('', '24', '24x', 'x80', '-1x80', '24x80x1', '0x80', '24x0', '1001x80',
                '24x1001', 'ax b', None, 24):
        with pytest.raises(ProtocolError):
            protocol.parse_size(bad)
    with pytest.raises(ProtocolError):
        protocol.parse_initial_size('120')


def test_output_frames_are_exact():
    assert protocol.frame_output('hi\r\n') == '{"text": "hi\\r\\n"}'
    assert protocol.frame_output('') == '{"text": ""}'
    assert protocol.frame_output('é\x1b[0m') == '{"text": "é\\u001b[0m"}'
    assert json.loads(protocol.frame_output('bye', 3, exited=True)) == {'text': 'bye', 'exit': 3}
    assert json.loads(protocol.frame_output('', None, exited=True)) == {'text': '', 'exit': None}


def test_close_reason_carries_the_exit_status():
    assert protocol.close_reason(0) == 'exit 0'
    assert protocol.close_reason(-9) == 'exit -9'
    assert protocol.parse_close_reason('exit 42') == 42
    assert protocol.parse_close_reason('exit -15') == -15
    assert protocol.parse_close_reason('going away') is None
    assert len(protocol.close_reason(-2 ** 31).encode()) <= 123


@pytest.mark.parametrize('body, content_type', [
    (b'[]', 'text/plain'), (b'[]', None), (b'{"text": "x"}', 'text/plain'),
    (b'{"text": "x"}', ''), (b'\xff\xfe raw', 'text/plain;charset=utf-8'),
    (b'ls\n', 'application/x-www-form-urlencoded'),
])
def test_post_bodies_are_raw_unless_json(body, content_type):
    assert protocol.parse_post_body(body, content_type) == ClientMessage(text=body)


def test_post_json_bodies():
    assert protocol.parse_post_body(b'{"text": "ls\\n"}', 'application/json') == \
        ClientMessage(text='ls\n')
    assert protocol.parse_post_body(b'{"size": "10x20", "text": "a"}',
                                    'Application/JSON; charset=utf-8') == \
        ClientMessage(text='a', size=TerminalSize(20, 10))
    for bad in (b'[]', b'not json', b'{"text": 3}', b'{"foo": "x"}', b'\xff'):
        with pytest.raises(ProtocolError):
            protocol.parse_post_body(bad, 'application/json')


def test_http_status_of_errors():
    assert protocol.http_status(ProtocolError('x')) == 400
    assert protocol.http_status(PayloadTooLargeError('x')) == 413


def query(**params):
    return protocol.parse_http_query(params)


def test_http_queries():
    assert query().action == 'file'
    assert query(config='').action == 'config'
    assert query(sessions='').action == 'sessions'
    killed = query(kill='abc')
    assert (killed.action, killed.kill) == ('kill', 'abc')
    sized = query(size='24x80', session='H')
    assert (sized.action, sized.session_id, sized.size, sized.wait) == \
        ('poll', 'H', TerminalSize(80, 24), None)
    console = query(console='', session='H', wait='2.5')
    assert (console.action, console.session_id, console.wait) == ('poll', 'H', 2.5)
    assert query(console='').session_id is None
    assert query(console='', wait='99999').wait == protocol.MAX_WAIT
    for bad in (dict(console='', wait='-1'), dict(console='', wait='soon'),
                dict(console='', wait='nan'), dict(size='huge'),
                dict(console='', session='../etc'), dict(console='', session='x' * 129),
                dict(kill=''), dict(kill='a b')):
        with pytest.raises(ProtocolError):
            protocol.parse_http_query(bad)


@pytest.mark.parametrize('origin, host, allowed', [
    (None, '127.0.0.1:8001', True),
    ('', '127.0.0.1:8001', True),
    ('http://127.0.0.1:8000', '127.0.0.1:8001', True),
    ('http://localhost:8000', 'localhost:8001', True),
    ('http://[::1]:8000', '[::1]:8001', True),
    ('https://evil.example', '127.0.0.1:8001', False),
    ('http://localhost:8000', '127.0.0.1:8001', False),
    ('null', '127.0.0.1:8001', False),
    ('http://127.0.0.1:8000', None, False),
])
def test_origin_check(origin, host, allowed):
    assert browsercheck.origin_allowed(origin, host) is allowed


SAME = browsercheck.OriginPolicy()
TLS = browsercheck.OriginPolicy(secure=True)
WS_PORT = browsercheck.OriginPolicy(page_port=8000)
LISTED = browsercheck.OriginPolicy(allowed=['https://Tools.Example/', 'http://[::1]:9'])


@pytest.mark.parametrize('policy, origin, host, allowed', [
    (SAME, 'http://127.0.0.1:8000', '127.0.0.1:8000', True),
    (SAME, 'http://127.0.0.1:8888', '127.0.0.1:8000', False),     # another app, same host
    (SAME, 'http://localhost', 'localhost', True),
    (SAME, 'https://term.example', 'term.example', True),        # a TLS proxy in front
    (SAME, 'http://term.example:443', 'term.example', False),
    (SAME, 'http://[::1]:8000', '[::1]:8000', True),
    (SAME, 'http://127.0.0.1:8000/', '127.0.0.1:8000', True),
    (SAME, 'http://127.0.0.1:8000/path', '127.0.0.1:8000', False),
    (SAME, 'file://', '127.0.0.1:8000', False),
    (SAME, None, '127.0.0.1:8000', True),
    (TLS, 'http://127.0.0.1:8000', '127.0.0.1:8000', False),
    (TLS, 'https://127.0.0.1:8000', '127.0.0.1:8000', True),
    (WS_PORT, 'http://127.0.0.1:8000', '127.0.0.1:8001', True),
    (WS_PORT, 'http://127.0.0.1:8001', '127.0.0.1:8001', False),
    (WS_PORT, 'http://127.0.0.1:8888', '127.0.0.1:8001', False),
    (LISTED, 'https://tools.example', '127.0.0.1:8000', True),
    (LISTED, 'https://tools.example:443', '127.0.0.1:8000', True),
    (LISTED, 'http://tools.example', '127.0.0.1:8000', False),
    (LISTED, 'http://[::1]:9', '127.0.0.1:8000', True),
])
def test_origin_policy(policy, origin, host, allowed):
    assert policy.allows(origin, host) is allowed


def test_repeated_single_headers_are_found():
    from multidict import CIMultiDict
    assert browsercheck.repeated_header(CIMultiDict([('Host', 'a'), ('Origin', 'x')])) is None
    assert browsercheck.repeated_header(CIMultiDict([('Host', 'a'), ('host', 'b')])) == 'Host'
    assert browsercheck.repeated_header(CIMultiDict([('Origin', 'a'), ('Origin', 'a')])) == 'Origin'


@pytest.mark.parametrize('host, bind, allowed', [
    ('127.0.0.1:8000', '127.0.0.1', True),
    ('localhost:8000', '127.0.0.1', True),
    ('app.localhost:8000', '127.0.0.1', True),
    ('[::1]:8000', '::1', True),
    ('10.1.2.3:8000', '127.0.0.1', True),
    (None, '127.0.0.1', True),
    ('evil.example:8000', '127.0.0.1', False),
    ('evil.example:8000', 'localhost', False),
    ('evil.example:8000', '::1', False),
    ('mybox.lan:8000', '0.0.0.0', True),
    ('mybox.lan:8000', '192.168.1.5', True),
])
def test_dns_rebinding_guard(host, bind, allowed):
    assert browsercheck.host_allowed(host, bind) is allowed


def test_request_allowed_needs_both():
    assert browsercheck.request_allowed('http://localhost:8000', 'localhost:8001', '127.0.0.1')
    assert not browsercheck.request_allowed('http://evil.example', 'localhost:8001', '127.0.0.1')
    assert not browsercheck.request_allowed('http://evil.example:8000', 'evil.example:8000',
                                            '127.0.0.1')


@pytest.mark.parametrize('path, expected', [
    ('/', None),
    ('/any/path?x=1', None),
    ('/?size=40x132', TerminalSize(132, 40)),
    ('/term?a=b&size=24x80', TerminalSize(80, 24)),
])
def test_ws_initial_size_from_the_url(path, expected):
    assert protocol.ws_initial_size(path) == expected


@pytest.mark.parametrize('path', ['/?size=', '/?size=huge', '/?size=0x80', '/?size=24x99999'])
def test_ws_initial_size_rejects_malformed_sizes(path):
    with pytest.raises(ProtocolError):
        protocol.ws_initial_size(path)
