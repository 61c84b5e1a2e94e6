"""TLS for both listeners: an ``ssl.SSLContext`` from a certificate and key, or a
self-signed certificate made at start (``--self-signed``, needs ``cryptography``).

Works with Python 3.6's ``ssl``.  A key's passphrase comes from a file
(``--keyfile-password-file``), never from the command line; an encrypted key without
one is refused instead of letting OpenSSL prompt on the server's terminal.
"""

import datetime
import ipaddress
import os
import shutil
import ssl
import tempfile

#: Days a self-signed certificate is valid.
SELF_SIGNED_DAYS = 365


class TlsConfigError(ValueError):
    """A certificate, key or passphrase that cannot be used (the message says why)."""


def read_secret_file(path):
    """The first line of ``path`` without its line end (a passphrase)."""
    try:
        with open(path) as handle:
            line = handle.readline()
    except (OSError, UnicodeDecodeError) as error:
        raise TlsConfigError('cannot read %s: %s' % (path, error))
    return line.rstrip('\r\n')


def server_context(certfile, keyfile=None, password=None):
    """A server SSLContext (TLS 1.2 or newer) holding the certificate chain."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if hasattr(ssl, 'TLSVersion'):
        context.minimum_version = ssl.TLSVersion.TLSv1_2
    else:
        context.options |= ssl.OP_NO_TLSv1 | ssl.OP_NO_TLSv1_1
    asked = []

    def no_passphrase():
        # Answering (never raising: Python 3.6 cannot) keeps OpenSSL from prompting.
        asked.append(True)
        return b''
    try:
        context.load_cert_chain(certfile, keyfile,
                                password if password is not None else no_passphrase)
    except ssl.SSLError as error:
        if asked:
            raise TlsConfigError('the key %s is encrypted: give its passphrase with '
                                 '--keyfile-password-file FILE' % (keyfile or certfile))
        raise TlsConfigError('cannot use certificate %s with key %s: %s (wrong passphrase, '
                             'or a key that does not belong to the certificate?)'
                             % (certfile, keyfile or certfile, error.reason or error))
    except OSError as error:
        raise TlsConfigError('cannot read certificate %s / key %s: %s'
                             % (certfile, keyfile or certfile, error.strerror or error))
    return context


def context_from_pem(cert_pem, key_pem, password=None):
    """A server SSLContext from PEM bytes (written to a private directory just long
    enough for OpenSSL to load them)."""
    folder = tempfile.mkdtemp(prefix='xwterm-tls-')
    try:
        certfile = os.path.join(folder, 'cert.pem')
        keyfile = os.path.join(folder, 'key.pem')
        for path, data in ((certfile, cert_pem), (keyfile, key_pem)):
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, 'wb') as handle:
                handle.write(data)
        return server_context(certfile, keyfile, password)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class TlsMaterial(object):
    """A certificate chain and key as PEM bytes, the key's passphrase, and the context
    made of them: the listeners use the context, the WebSocket child process gets the
    rest (through a pipe, never its command line) to make its own."""

    def __init__(self, cert_pem, key_pem, password=None, context=None):
        self.cert_pem = cert_pem
        self.key_pem = key_pem
        self.password = password
        self.context = context or context_from_pem(cert_pem, key_pem, password)

    @classmethod
    def from_files(cls, certfile, keyfile=None, password=None):
        context = server_context(certfile, keyfile, password)
        try:
            with open(certfile, 'rb') as handle:
                cert_pem = handle.read()
            with open(keyfile or certfile, 'rb') as handle:
                key_pem = handle.read()
        except OSError as error:
            raise TlsConfigError('cannot read %s: %s' % (error.filename, error.strerror))
        return cls(cert_pem, key_pem, password, context)

    @classmethod
    def self_signed(cls, hosts):
        return cls(*self_signed_pem(hosts))

    def to_dict(self):
        return {'cert_pem': self.cert_pem.decode('ascii'),
                'key_pem': self.key_pem.decode('ascii'), 'password': self.password}

    @classmethod
    def from_dict(cls, fields):
        return cls(fields['cert_pem'].encode('ascii'), fields['key_pem'].encode('ascii'),
                   fields.get('password'))


def cryptography_available():
    try:
        import cryptography.x509  # noqa: F401
    except ImportError:
        return False
    return True


def self_signed_pem(hosts, days=SELF_SIGNED_DAYS):
    """``(cert_pem, key_pem)`` of a new self-signed certificate for ``hosts`` (names
    and IP addresses).  TlsConfigError when ``cryptography`` cannot be imported."""
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        raise TlsConfigError('--self-signed needs the Python package "cryptography", which '
                             'cannot be imported here (pip install cryptography); or make '
                             'a certificate with:\n  %s\nand start with --certfile cert.pem '
                             '--keyfile key.pem' % openssl_command(hosts))
    key = ec.generate_private_key(ec.SECP256R1())
    names = []
    for host in _unique(hosts):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'xwterm self-signed')])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256()))
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert_pem, key_pem


def _unique(items):
    seen = []
    for item in items:
        if item and item not in seen:
            seen.append(item)
    return seen


def subject_alt_names(hosts):
    """``IP:a,DNS:b`` for openssl's ``-addext subjectAltName=``."""
    parts = []
    for host in _unique(['localhost', '127.0.0.1'] + list(hosts)):
        try:
            ipaddress.ip_address(host)
            parts.append('IP:%s' % host)
        except ValueError:
            parts.append('DNS:%s' % host)
    return ','.join(parts)


def openssl_command(hosts=()):
    """The one command that makes ``cert.pem`` and ``key.pem`` for ``hosts``."""
    return ('openssl req -x509 -newkey rsa:2048 -nodes -days %d -subj /CN=xwterm '
            '-addext "subjectAltName=%s" -keyout key.pem -out cert.pem'
            % (SELF_SIGNED_DAYS, subject_alt_names(hosts)))
