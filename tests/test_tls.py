"""xwterm.tls: contexts from certificates made at test time with the openssl command."""

import asyncio
import shutil
import ssl
import subprocess
import sys

import pytest

from serverutil import run

from xwterm import tls

needs_openssl = pytest.mark.skipif(shutil.which('openssl') is None,
                                   reason='the openssl command is not installed')


def make_certificate(folder, passphrase=None, name='localhost'):
    """``(certfile, keyfile)`` for ``name`` and 127.0.0.1, self-signed by openssl."""
    certfile, keyfile = str(folder / 'cert.pem'), str(folder / 'key.pem')
    command = ['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-days', '2',
               '-subj', '/CN=%s' % name,
               '-addext', 'subjectAltName=DNS:%s,IP:127.0.0.1' % name,
               '-keyout', keyfile, '-out', certfile]
    command += ['-passout', 'pass:%s' % passphrase] if passphrase else ['-nodes']
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return certfile, keyfile


def client_context(certfile):
    return ssl.create_default_context(cafile=certfile)


async def handshake(server_context, certfile, hostname='localhost'):
    """One TLS connection to a server with ``server_context``; what the server said."""
    async def answer(reader, writer):
        writer.write(b'hello over tls\n')
        await writer.drain()
        writer.close()
    server = await asyncio.start_server(answer, '127.0.0.1', 0, ssl=server_context)
    port = server.sockets[0].getsockname()[1]
    try:
        reader, writer = await asyncio.open_connection(
            '127.0.0.1', port, ssl=client_context(certfile), server_hostname=hostname)
        line = await reader.readline()
        version = writer.get_extra_info('ssl_object').version()
        writer.close()
        return line, version
    finally:
        server.close()
        await server.wait_closed()


@needs_openssl
def test_certificate_and_key_round_trip(tmp_path):
    certfile, keyfile = make_certificate(tmp_path)
    context = tls.server_context(certfile, keyfile)
    line, version = run(handshake(context, certfile))
    assert line == b'hello over tls\n'
    assert version in ('TLSv1.2', 'TLSv1.3')


@needs_openssl
def test_combined_pem_file(tmp_path):
    certfile, keyfile = make_certificate(tmp_path)
    combined = tmp_path / 'both.pem'
    combined.write_bytes(open(certfile, 'rb').read() + open(keyfile, 'rb').read())
    line, _ = run(handshake(tls.server_context(str(combined)), certfile))
    assert line == b'hello over tls\n'


@needs_openssl
def test_encrypted_key_needs_its_passphrase_from_a_file(tmp_path):
    certfile, keyfile = make_certificate(tmp_path, passphrase='pass phrase 1')
    with pytest.raises(tls.TlsConfigError, match='keyfile-password-file'):
        tls.server_context(certfile, keyfile)
    with pytest.raises(tls.TlsConfigError, match='wrong passphrase'):
        tls.server_context(certfile, keyfile, 'not it')
    secret = tmp_path / 'passphrase'
    secret.write_text('pass phrase 1\n')
    context = tls.server_context(certfile, keyfile, tls.read_secret_file(str(secret)))
    assert run(handshake(context, certfile))[0] == b'hello over tls\n'


@needs_openssl
def test_mismatched_or_missing_files_are_clear_errors(tmp_path):
    (tmp_path / 'a').mkdir()
    (tmp_path / 'b').mkdir()
    certfile, _ = make_certificate(tmp_path / 'a')
    _, other_key = make_certificate(tmp_path / 'b')
    with pytest.raises(tls.TlsConfigError, match='does not belong'):
        tls.server_context(certfile, other_key)
    with pytest.raises(tls.TlsConfigError, match='cannot read'):
        tls.server_context(str(tmp_path / 'missing.pem'))
    with pytest.raises(tls.TlsConfigError, match='cannot read'):
        tls.read_secret_file(str(tmp_path / 'missing'))


@needs_openssl
def test_old_protocols_are_refused(tmp_path):
    certfile, keyfile = make_certificate(tmp_path)
    context = tls.server_context(certfile, keyfile)
    if hasattr(ssl, 'TLSVersion'):
        assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
    else:
        assert context.options & ssl.OP_NO_TLSv1 and context.options & ssl.OP_NO_TLSv1_1


def test_self_signed_certificate_from_cryptography(tmp_path):
    pytest.importorskip('cryptography')
    cert_pem, key_pem = tls.self_signed_pem(['localhost', '127.0.0.1', '::1', 'board.lan'])
    assert cert_pem.startswith(b'-----BEGIN CERTIFICATE-----')
    context = tls.context_from_pem(cert_pem, key_pem)
    certfile = tmp_path / 'cert.pem'
    certfile.write_bytes(cert_pem)
    for name in ('localhost', '127.0.0.1', 'board.lan'):
        assert run(handshake(context, str(certfile), hostname=name))[0] == b'hello over tls\n'


def test_self_signed_without_cryptography_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, 'cryptography', None)
    with pytest.raises(tls.TlsConfigError) as error:
        tls.self_signed_pem(['localhost'])
    message = str(error.value)
    assert 'cryptography' in message and 'openssl req -x509' in message
    assert not tls.cryptography_available()


def test_openssl_command_names_every_host():
    command = tls.openssl_command(['192.0.2.5', 'fd00::2', 'board.lan'])
    assert command.startswith('openssl req -x509 ')
    assert 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:192.0.2.5,IP:fd00::2,DNS:board.lan' \
        in command
    assert '-keyout key.pem -out cert.pem' in command


@needs_openssl
def test_the_printed_openssl_command_works(tmp_path):
    command = tls.openssl_command(['192.0.2.5'])
    subprocess.run(command, shell=True, cwd=str(tmp_path), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    context = tls.server_context(str(tmp_path / 'cert.pem'), str(tmp_path / 'key.pem'))
    line, _ = run(handshake(context, str(tmp_path / 'cert.pem'), hostname='127.0.0.1'))
    assert line == b'hello over tls\n'
