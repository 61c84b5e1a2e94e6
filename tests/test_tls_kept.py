"""A certificate that stays: --self-signed keeps its pair under $XDG_STATE_HOME/xwterm/,
reuses it while it is valid and names the listening addresses, renews it otherwise; the
banner shows the SHA-256 fingerprint of the certificate the server really presents."""

import hashlib
import os
import re
import ssl
import stat
import subprocess

import pytest

from serverutil import SERVER_PYTHON, ServerProcess, python_env
from test_tls import handshake, make_certificate, needs_openssl, run

from xwterm import tls

HOSTS = ['localhost', '127.0.0.1', '::1']
FINGERPRINT_LINE = re.compile(r'^TLS: +certificate SHA-256 ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})$',
                              re.M)

needs_cryptography = pytest.mark.skipif(
    subprocess.run([SERVER_PYTHON, '-c', 'import cryptography']).returncode != 0,
    reason='the server Python has no cryptography package')


def mode(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


@needs_cryptography
def test_kept_pair_is_reused_with_private_modes(tmp_path):
    directory = str(tmp_path / 'state' / 'xwterm')
    first = tls.TlsMaterial.self_signed(HOSTS, directory)
    assert first.origin.startswith('made now')
    second = tls.TlsMaterial.self_signed(HOSTS, directory)
    assert second.origin.startswith('kept in')
    assert second.cert_pem == first.cert_pem and second.key_pem == first.key_pem
    assert mode(directory) == 0o700
    for name in (tls.KEPT_CERT, tls.KEPT_KEY):
        assert mode(os.path.join(directory, name)) == 0o600
    assert sorted(os.listdir(directory)) == sorted([tls.KEPT_CERT, tls.KEPT_KEY])
    certfile = tmp_path / 'cert.pem'
    certfile.write_bytes(second.cert_pem)
    assert run(handshake(second.context, str(certfile)))[0] == b'hello over tls\n'


@needs_cryptography
def test_renewed_for_a_new_address(tmp_path):
    directory = str(tmp_path)
    first = tls.TlsMaterial.self_signed(HOSTS, directory)
    # a subset of what it names: kept; a new address: renewed, naming it
    assert tls.TlsMaterial.self_signed(['127.0.0.1'], directory).cert_pem == first.cert_pem
    renewed = tls.TlsMaterial.self_signed(HOSTS + ['192.0.2.7'], directory)
    assert renewed.cert_pem != first.cert_pem and renewed.origin.startswith('made now')
    certfile = tmp_path / 'renewed.pem'
    certfile.write_bytes(renewed.cert_pem)
    line, _ = run(handshake(renewed.context, str(certfile), hostname='192.0.2.7'))
    assert line == b'hello over tls\n'


@needs_cryptography
def test_renewed_when_it_expires_soon_or_is_damaged(tmp_path):
    directory = str(tmp_path)
    cert_pem, key_pem = tls.self_signed_pem(HOSTS, days=tls.RENEW_DAYS - 1)
    (tmp_path / tls.KEPT_CERT).write_bytes(cert_pem)
    (tmp_path / tls.KEPT_KEY).write_bytes(key_pem)
    renewed = tls.TlsMaterial.self_signed(HOSTS, directory)
    assert renewed.cert_pem != cert_pem
    assert (tmp_path / tls.KEPT_CERT).read_bytes() == renewed.cert_pem
    # a key that does not belong to the certificate
    other_cert, _ = tls.self_signed_pem(HOSTS)
    (tmp_path / tls.KEPT_CERT).write_bytes(other_cert)
    repaired = tls.TlsMaterial.self_signed(HOSTS, directory)
    assert repaired.cert_pem not in (other_cert, renewed.cert_pem)
    (tmp_path / tls.KEPT_CERT).write_bytes(b'not a certificate')
    assert tls.TlsMaterial.self_signed(HOSTS, directory).origin.startswith('made now')


@needs_cryptography
def test_unwritable_state_directory_still_serves(tmp_path):
    blocker = tmp_path / 'file'
    blocker.write_text('in the way')
    material = tls.TlsMaterial.self_signed(HOSTS, str(blocker / 'xwterm'))
    assert material.origin == 'made for this run only'
    assert material.fingerprint


def test_state_directory_follows_xdg():
    assert tls.state_directory({'XDG_STATE_HOME': '/srv/state'}) == '/srv/state/xwterm'
    home = os.path.expanduser('~')
    assert tls.state_directory({}) == os.path.join(home, '.local', 'state', 'xwterm')


@needs_openssl
def test_fingerprint_is_what_openssl_says(tmp_path):
    certfile, _ = make_certificate(tmp_path)
    with open(certfile, 'rb') as handle:
        ours = tls.fingerprint(handle.read())
    printed = subprocess.run(['openssl', 'x509', '-in', certfile, '-noout', '-fingerprint',
                              '-sha256'], stdout=subprocess.PIPE, check=True,
                             universal_newlines=True).stdout
    assert printed.strip().split('=', 1)[1] == ours


def served_fingerprint(port):
    """SHA-256 of the certificate the server on ``port`` presents, as ``AB:CD:...``."""
    pem = ssl.get_server_certificate(('127.0.0.1', port))
    digest = hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest().upper()
    return ':'.join(digest[index:index + 2] for index in range(0, 64, 2))


@needs_cryptography
def test_two_runs_present_the_same_certificate_and_print_its_fingerprint(tmp_path):
    env = python_env()
    env['XDG_STATE_HOME'] = str(tmp_path)
    args = ['--http', '0', '--no-websocket', '--self-signed', '--command', '/bin/sh']
    printed = []
    for run_number in range(2):
        with ServerProcess(args, expect=('HTTP',), env=env) as server:
            match = FINGERPRINT_LINE.search(server.output)
            assert match, server.output
            assert match.group(1) == served_fingerprint(server.port('HTTP'))
            assert ('made now' if run_number == 0 else 'kept in') in server.output
            printed.append(match.group(1))
    assert printed[0] == printed[1]
    directory = tmp_path / 'xwterm'
    assert mode(directory) == 0o700 and mode(directory / tls.KEPT_KEY) == 0o600


@needs_openssl
def test_banner_shows_the_fingerprint_of_a_given_certificate(tmp_path):
    certfile, keyfile = make_certificate(tmp_path)
    args = ['--http', '0', '--no-websocket', '--certfile', certfile, '--keyfile', keyfile,
            '--command', '/bin/sh']
    with ServerProcess(args, expect=('HTTP',)) as server:
        match = FINGERPRINT_LINE.search(server.output)
        assert match and match.group(1) == served_fingerprint(server.port('HTTP'))
        assert 'self-signed' not in server.output
