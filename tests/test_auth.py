"""xwterm.auth without sockets: tokens, passwords, credentials, the failure limit, pages."""

import asyncio
import base64
import hashlib
import logging
import os
import re
import subprocess

import pytest

from serverutil import ROOT, SERVER_PYTHON, python_env, run

from xwterm import auth, csp
from xwterm.cli import hash_password_interactively

TOKEN = 'correct-horse-battery-staple-42'


class FakeClock(object):
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def authenticate(authenticator, credential, peer='192.0.2.7:5000'):
    async def scenario():
        return await authenticator.authenticate(credential, peer, 'test')
    return run(scenario())


def test_generated_tokens_are_long_random_and_url_safe():
    tokens = set(auth.generate_token() for _ in range(50))
    assert len(tokens) == 50
    for token in tokens:
        assert re.match(r'\A[A-Za-z0-9_-]{43}\Z', token)     # 32 bytes = 256 bits


@pytest.mark.parametrize('token, message', [
    ('short', 'at least 16'), ('has a space in it ok', 'printable'), ('', 'printable')])
def test_configured_tokens_are_checked(token, message):
    with pytest.raises(auth.AuthConfigError, match=message):
        auth.check_token(token, '--token')


def test_from_options_precedence(tmp_path):
    env = {auth.TOKEN_ENV: 'from-the-environment-1'}
    assert auth.from_options(no_auth=True, environ=env) is None
    chosen = auth.from_options(token=TOKEN, environ=env)
    assert (chosen.token, chosen.source, chosen.generated) == (TOKEN, '--token', False)
    chosen = auth.from_options(environ=env)
    assert (chosen.token, chosen.source) == ('from-the-environment-1', auth.TOKEN_ENV)
    chosen = auth.from_options(environ={})
    assert chosen.generated and len(chosen.token) == 43 and chosen.mode == 'token'
    stored = tmp_path / 'hash'
    stored.write_text(auth.hash_password('pw', iterations=1000) + '\n')
    chosen = auth.from_options(password_file=str(stored), environ=env)
    assert chosen.mode == 'password' and chosen.token is None
    assert chosen.source == '--password-file %s' % stored


def test_password_hashes_round_trip_and_carry_their_parameters():
    stored = auth.hash_password('s3cret pass', iterations=1000)
    scheme, iterations, salt, digest = stored.split('$')
    assert (scheme, iterations) == ('pbkdf2_sha256', '1000')
    raw_salt = base64.urlsafe_b64decode(salt + '=' * (-len(salt) % 4))
    expected = hashlib.pbkdf2_hmac('sha256', b's3cret pass', raw_salt, 1000)
    assert base64.urlsafe_b64decode(digest + '=' * (-len(digest) % 4)) == expected
    assert auth.verify_password('s3cret pass', stored)
    assert not auth.verify_password('s3cret pasS', stored)
    assert auth.hash_password('x', iterations=1000) != auth.hash_password('x', iterations=1000)
    assert auth.hash_password('x').split('$')[1] == str(auth.PBKDF2_ITERATIONS)
    with pytest.raises(auth.AuthConfigError):
        auth.hash_password('')


@pytest.mark.parametrize('stored', [
    'plaintext', 'md5$1000$abc$def', 'pbkdf2_sha256$10$c2FsdHNhbHQ$' + 'A' * 43,
    'pbkdf2_sha256$x$c2FsdHNhbHQ$' + 'A' * 43, 'pbkdf2_sha256$1000$c2FsdHNhbHQ$short'])
def test_malformed_hashes_are_refused(stored):
    with pytest.raises(auth.AuthConfigError):
        auth.parse_password_hash(stored)


def test_password_file(tmp_path):
    path = tmp_path / 'pw'
    with pytest.raises(auth.AuthConfigError, match='cannot read'):
        auth.read_password_file(str(path))
    path.write_text('\n\n')
    with pytest.raises(auth.AuthConfigError, match='empty'):
        auth.read_password_file(str(path))
    path.write_text('hunter2\n')
    with pytest.raises(auth.AuthConfigError, match='hash-password'):
        auth.read_password_file(str(path))
    stored = auth.hash_password('hunter2', iterations=1000)
    path.write_text('\n%s\n' % stored)
    assert auth.read_password_file(str(path)) == stored


def test_credentials_are_found_in_header_query_and_cookie():
    cookies = {auth.COOKIE_NAME: 'c00kie'}
    for header in ('token abc', 'Bearer abc', 'TOKEN  abc '):
        found = auth.extract({'Authorization': header}, cookies, {'token': 'q'})
        assert (found.kind, found.value) == (auth.FROM_HEADER, 'abc')
    assert auth.extract({'Authorization': 'Basic abc'}, {}, None) is None
    found = auth.extract({}, cookies, {'token': 'q'})
    assert (found.kind, found.value) == (auth.FROM_QUERY, 'q')
    found = auth.extract({}, cookies, None)                       # query not allowed here
    assert (found.kind, found.value) == (auth.FROM_COOKIE, 'c00kie')
    # with session=, token= is that session's token, not a login
    found = auth.extract({}, cookies, {'session': 'S', 'token': 'q'})
    assert found.kind == auth.FROM_COOKIE
    assert auth.extract({}, {}, {}) is None
    assert 'abc' not in repr(auth.extract({'Authorization': 'token abc'}, {}, None))


def test_cookie_header_parsing():
    assert auth.parse_cookies('a=1; xwterm_auth="v"; a=2;junk; =x') == {
        'a': '1', 'xwterm_auth': 'v'}
    assert auth.parse_cookies(None) == {}


def test_without_token_keeps_everything_else():
    assert auth.without_token('/?token=abc') == '/'
    assert auth.without_token('/x/?token=abc&transport=http') == '/x/?transport=http'
    assert auth.without_token('/?a=1&token=t&b=%20&tok%65n=2') == '/?a=1&b=%20'
    assert auth.without_token('/page.html') == '/page.html'


@pytest.mark.parametrize('target, expected', [
    ('/', '/'), ('/a?b=1&token=x', '/a?b=1'), ('//evil.example/', '/'),
    ('https://evil.example/', '/'), ('/\\evil', '/'), ('/a\r\nSet-Cookie: x', '/'),
    (None, '/')])
def test_redirect_targets_stay_local(target, expected):
    assert auth.local_target(target) == expected


def test_login_form_parsing():
    assert auth.parse_login_form(b'secret=a%2Bb&next=%2Fx%3Fy%3D1') == ('a+b', '/x?y=1')
    assert auth.parse_login_form(b'next=https://evil/') == ('', '/')
    assert auth.parse_login_form(b'\xff') == ('', '/')


def test_cookie_is_an_hmac_not_the_token():
    first = auth.Authenticator(token=TOKEN)
    value = first.cookie_value()
    assert TOKEN not in value and len(value) == 64
    assert first.cookie_value() == value
    # derived from the token: the same token keeps its logins (a restart), another ends them
    assert auth.Authenticator(token=TOKEN).cookie_value() == value
    assert auth.Authenticator(token=TOKEN + 'x').cookie_value() != value
    stored = auth.hash_password('pw', iterations=1000)
    by_password = auth.Authenticator(password_hash=stored).cookie_value()
    assert by_password == auth.Authenticator(password_hash=stored).cookie_value()
    assert by_password != auth.Authenticator(
        password_hash=auth.hash_password('pw', iterations=1000)).cookie_value()
    shared = auth.Authenticator(token=TOKEN, secret=first.secret)
    assert shared.cookie_value() == value                              # the WS child
    header = first.set_cookie()
    assert header == 'xwterm_auth=%s; Path=/; HttpOnly; SameSite=Strict' % value
    assert first.set_cookie(secure=True).endswith('; Secure')


def test_authenticate_token_header_cookie_and_failures(caplog):
    caplog.set_level(logging.INFO)
    checker = auth.Authenticator(token=TOKEN)
    assert authenticate(checker, None) == auth.MISSING
    assert authenticate(checker, auth.Credential(auth.FROM_HEADER, TOKEN)) == auth.ALLOWED
    assert authenticate(checker, auth.Credential(
        auth.FROM_COOKIE, checker.cookie_value())) == auth.ALLOWED
    assert authenticate(checker, auth.Credential(auth.FROM_COOKIE, TOKEN)) == auth.MISSING
    assert authenticate(checker, auth.Credential(auth.FROM_QUERY, 'wrong-guess')) == auth.DENIED
    assert authenticate(checker, auth.Credential(auth.FROM_QUERY, 'wrong\u00e9')) == auth.DENIED
    messages = [record.getMessage() for record in caplog.records]
    assert any('192.0.2.7' in m and 'wrong token' in m for m in messages), messages
    assert any('stale or forged cookie' in m for m in messages), messages
    text = '\n'.join(messages)
    assert TOKEN not in text and 'wrong-guess' not in text
    assert checker.cookie_value() not in text


def test_wrong_tokens_are_limited_per_address_then_released():
    clock = FakeClock()
    checker = auth.Authenticator(token=TOKEN, limiter=auth.FailureLimiter(clock=clock))
    wrong = auth.Credential(auth.FROM_HEADER, 'nope-nope-nope-nope')
    right = auth.Credential(auth.FROM_HEADER, TOKEN)
    for _ in range(auth.MAX_FAILURES):
        assert authenticate(checker, wrong) == auth.DENIED
        clock.now += 1
    assert authenticate(checker, right) == auth.LIMITED
    assert authenticate(checker, right, peer='192.0.2.8:1') == auth.ALLOWED   # others pass
    assert checker.retry_after('192.0.2.7') == 51
    # stale cookies are not guesses: they never count
    for _ in range(20):
        authenticate(checker, auth.Credential(auth.FROM_COOKIE, 'x'), peer='192.0.2.9:1')
    assert authenticate(checker, right, peer='192.0.2.9:1') == auth.ALLOWED
    clock.now += auth.FAILURE_WINDOW - auth.MAX_FAILURES
    assert authenticate(checker, right) == auth.ALLOWED


def test_limiter_keys_addresses_and_bounds_its_memory():
    clock = FakeClock()
    limiter = auth.FailureLimiter(max_failures=2, window=60, max_addresses=3, clock=clock)
    for address in ('2001:db8::1', '2001:db8::2'):      # one /64: one key
        limiter.record(address)
    assert limiter.blocked('2001:db8::99') > 0
    assert limiter.blocked('2001:db8:0:1::1') == 0
    limiter.record('::ffff:192.0.2.1')
    limiter.record('192.0.2.1')
    assert limiter.blocked('192.0.2.1') == 60
    for number in range(10):
        limiter.record('198.51.100.%d' % number)
    assert len(limiter) == 3
    assert limiter.blocked('192.0.2.1') == 0            # evicted, oldest first
    clock.now += 60
    assert limiter.blocked('198.51.100.9') == 0
    limiter.record('203.0.113.1')                       # expired addresses go
    assert len(limiter) == 1


@pytest.mark.parametrize('peer, address', [
    ('192.0.2.1:80', '192.0.2.1'), (('::1', 80, 0, 0), '::1'), ('[::1]:80', '::1'),
    ('::1:40000', '::1'), ('2001:db8::1:40000', '2001:db8::1'),
    ('2001:db8::1:4000', '2001:db8::1:4000'),
    ('fe80::1', 'fe80::1'), ('localhost:5', 'localhost'), (None, '?')])
def test_peer_address(peer, address):
    assert auth.peer_address(peer) == address


def test_password_mode_verifies_off_the_loop_and_remembers_successes(monkeypatch):
    stored = auth.hash_password('open sesame', iterations=1000)
    checker = auth.Authenticator(password_hash=stored)
    calls = []
    original = auth.verify_password
    monkeypatch.setattr(auth, 'verify_password',
                        lambda *args: calls.append(1) or original(*args))
    good = auth.Credential(auth.FROM_FORM, 'open sesame')
    assert authenticate(checker, good) == auth.ALLOWED
    assert authenticate(checker, good) == auth.ALLOWED
    assert authenticate(checker, auth.Credential(auth.FROM_HEADER, 'open')) == auth.DENIED
    assert len(calls) == 2
    assert authenticate(checker, auth.Credential(
        auth.FROM_COOKIE, checker.cookie_value())) == auth.ALLOWED
    assert stored not in checker.cookie_value()


def test_authenticator_needs_exactly_one_credential():
    with pytest.raises(auth.AuthConfigError):
        auth.Authenticator()
    with pytest.raises(auth.AuthConfigError):
        auth.Authenticator(token=TOKEN, password_hash=auth.hash_password('x', 1000))


def test_inline_script_hashes_match_the_browser_rule():
    page = (b'<script src="a.js"></script><script type="module">\r\nlet a = 1;\r\n</script>'
            b'<SCRIPT>x()</SCRIPT >')
    expected = [base64.b64encode(hashlib.sha256(body).digest()).decode()
                for body in (b'\nlet a = 1;\n', b'x()')]
    assert csp.inline_script_hashes(page) == ["'sha256-%s'" % e for e in expected]


def test_inline_event_handlers_are_hashed_with_unsafe_hashes():
    """The value as the browser reads it (entities decoded); commented-out code is not
    the page's and gets no hash."""
    page = (b'<button onclick="go(&quot;x&quot;)">a</button><img src=x onerror=\'f()\'/>'
            b'<!-- <script>evil()</script> <b onclick="evil()"></b> -->'
            b'<a href="#" ONMOUSEOVER="go(&quot;x&quot;)">same handler</a>')
    digest = lambda body: "'sha256-%s'" % base64.b64encode(hashlib.sha256(body).digest()).decode()
    assert csp.inline_script_hashes(page) == [
        "'unsafe-hashes'", digest(b'go("x")'), digest(b'f()')]
    assert "'unsafe-hashes'" not in csp.inline_script_hashes(b'<script>a()</script>')


@pytest.mark.parametrize('header, secret', [
    ('Basic ' + base64.b64encode(b':tok-en').decode(), 'tok-en'),
    ('basic ' + base64.b64encode(b'anyone:p:w \xc3\xa4').decode(), 'p:w \u00e4'),
    ('Basic ' + base64.b64encode(b'no-colon').decode(), None),
    ('Basic ' + base64.b64encode(b'user:').decode(), None),
    ('Basic !!!', None),
    ('Basic ' + base64.b64encode(b':\xff').decode(), None),
    ('Bearer tok', 'tok'), ('token tok', 'tok'), ('Digest x', None), ('', None)])
def test_authorization_header_schemes(header, secret):
    assert auth.header_secret(header) == secret


def test_a_right_guess_gives_its_reserved_failure_back():
    limiter = auth.FailureLimiter(max_failures=3)
    authenticator = auth.Authenticator(token=TOKEN, limiter=limiter)
    right = auth.Credential(auth.FROM_HEADER, TOKEN)
    wrong = auth.Credential(auth.FROM_HEADER, 'x' * 20)

    async def scenario():
        for _ in range(5):
            assert await authenticator.authenticate(right, '10.0.0.1', 'test') == auth.ALLOWED
        verdicts = [await authenticator.authenticate(wrong, '10.0.0.1', 'test')
                    for _ in range(4)]
        cookie = auth.Credential(auth.FROM_COOKIE, authenticator.cookie_value())
        locked_cookie = await authenticator.authenticate(cookie, '10.0.0.1', 'test')
        return verdicts, locked_cookie
    verdicts, locked_cookie = run(scenario())
    assert verdicts == [auth.DENIED] * 3 + [auth.LIMITED]
    assert locked_cookie == auth.ALLOWED


def test_password_checks_in_flight_are_bounded():
    """At most MAX_HASH_WAITING checks at once (MAX_HASHING of them hashing); more are
    answered as limited and count as no failure."""
    authenticator = auth.Authenticator(password_hash=auth.hash_password('right', 20000))
    wrong = auth.Credential(auth.FROM_HEADER, 'wrong')
    addresses = ['10.1.0.%d' % number for number in range(auth.MAX_HASH_WAITING + 8)]

    async def scenario():
        return await asyncio.gather(*[authenticator.authenticate(wrong, address, 'test')
                                      for address in addresses])
    verdicts = run(scenario())
    assert verdicts.count(auth.DENIED) == auth.MAX_HASH_WAITING
    assert verdicts.count(auth.LIMITED) == 8
    assert len(authenticator.limiter) == auth.MAX_HASH_WAITING


def test_security_headers():
    headers = csp.security_headers(["'sha256-abc'"])
    policy = headers['Content-Security-Policy']
    assert "script-src 'self' 'sha256-abc';" in policy
    assert "frame-ancestors 'self'" in policy and "object-src 'none'" in policy
    assert headers['X-Content-Type-Options'] == 'nosniff'
    assert headers['Referrer-Policy'] == 'no-referrer'
    assert "script-src 'self';" in csp.security_headers()['Content-Security-Policy']


def test_login_page_is_a_form_with_one_script_that_keeps_a_link():
    page = auth.login_page('token', target='/x?a=1&token=t"', problem='wrong <token>')
    assert page.count('<script') == 1 and 'location.hash' in page
    assert len(csp.inline_script_hashes(page)) == 1         # its CSP admits it by hash
    assert 'data-links="login"' in page
    assert 'data-links="open"' in auth.login_page('token', links_open=True)
    # the target the script fills in keeps the link's fragment (and its key)
    assert auth.parse_login_form(b'secret=s&next=%2F%3Flink%23session%3DS%26token%3DK') == (
        's', '/?link#session=S&token=K')
    assert 'action="?login"' in page and 'method="post"' in page
    assert 'value="/x?a=1"' in page                    # no token, escaped, local
    assert 'wrong &lt;token&gt;' in page
    assert 'name="secret"' in page
    assert 'current-password' in auth.login_page('password')
    assert 'value="/"' in auth.login_page('token', target='//evil/')


def test_hash_password_interactively(capsys):
    answers = iter(['pw one', 'pw one'])
    assert hash_password_interactively(lambda prompt: next(answers)) == 0
    stored = capsys.readouterr().out.strip()
    assert auth.verify_password('pw one', stored)
    answers = iter(['a', 'b'])
    assert hash_password_interactively(lambda prompt: next(answers)) == 1
    assert 'differ' in capsys.readouterr().err


def test_hash_password_command_reads_the_terminal_not_the_arguments():
    # No controlling terminal (a new session): getpass falls back to stdin.
    result = subprocess.run(
        [SERVER_PYTHON, '-m', 'xwterm', '--hash-password'], input='typed secret\ntyped secret\n',
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, cwd=ROOT,
        env=python_env(), timeout=60, start_new_session=True)
    assert result.returncode == 0, result.stderr
    stored = result.stdout.strip()
    assert stored.startswith('pbkdf2_sha256$') and 'typed secret' not in result.stdout
    assert auth.verify_password('typed secret', stored)
    assert os.linesep not in stored
