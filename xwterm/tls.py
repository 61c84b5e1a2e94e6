"""TLS for both listeners: an ``ssl.SSLContext`` from a certificate and key, or a
self-signed certificate (``--self-signed``, needs ``cryptography``) that is kept under
``$XDG_STATE_HOME/xwterm/`` (default ``~/.local/state/xwterm/``) and reused while it is
valid for ``RENEW_DAYS`` more days and names every address the server listens on, so a
browser's exception and a pinned fingerprint survive restarts.

Works with Python 3.6's ``ssl``.  A key's passphrase comes from a file
(``--keyfile-password-file``), never from the command line; an encrypted key without
one is refused instead of letting OpenSSL prompt on the server's terminal.
"""

import datetime
import hashlib
import ipaddress
import logging
import os
import re
import shutil
import ssl
import tempfile

log = logging.getLogger(__name__)

#: Days a self-signed certificate is valid.
SELF_SIGNED_DAYS = 365
#: A kept self-signed certificate is renewed when it expires within this many days.
RENEW_DAYS = 30
#: File names of the kept self-signed certificate and its key in the state directory.
KEPT_CERT = 'self-signed-cert.pem'
KEPT_KEY = 'self-signed-key.pem'

_PEM_CERT = re.compile(b'-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----', re.S)


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
        #: Where a kept self-signed certificate lives and whether it was made now (banner).
        self.origin = None

    @property
    def fingerprint(self):
        """SHA-256 of the (first) certificate, as ``AB:CD:...``; None if none is found."""
        return fingerprint(self.cert_pem)

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
    def self_signed(cls, hosts, directory=None):
        """A self-signed certificate for ``hosts``, kept in ``directory`` (default:
        ``state_directory()``; False: made for this run only)."""
        if directory is False:
            return cls(*self_signed_pem(hosts))
        directory = directory or state_directory()
        kept = _load_kept(directory, hosts)
        if kept is not None:
            material = cls(*kept)
            material.origin = 'kept in %s' % directory
            return material
        cert_pem, key_pem = self_signed_pem(hosts)
        material = cls(cert_pem, key_pem)
        try:
            _keep(directory, cert_pem, key_pem)
            material.origin = 'made now, kept in %s' % directory
        except OSError as error:
            log.warning('cannot keep the self-signed certificate in %s (%s): browsers will '
                        'see a new one at each start', directory, error.strerror or error)
            material.origin = 'made for this run only'
        return material

    def to_dict(self):
        return {'cert_pem': self.cert_pem.decode('ascii'),
                'key_pem': self.key_pem.decode('ascii'), 'password': self.password}

    @classmethod
    def from_dict(cls, fields):
        return cls(fields['cert_pem'].encode('ascii'), fields['key_pem'].encode('ascii'),
                   fields.get('password'))


def fingerprint(cert_pem):
    """SHA-256 of the first certificate in ``cert_pem`` (DER), as ``AB:CD:...``."""
    match = _PEM_CERT.search(cert_pem)
    if match is None:
        return None
    der = ssl.PEM_cert_to_DER_cert(match.group(0).decode('ascii'))
    digest = hashlib.sha256(der).hexdigest().upper()
    return ':'.join(digest[index:index + 2] for index in range(0, len(digest), 2))


def state_directory(environ=None):
    """``$XDG_STATE_HOME/xwterm``, default ``~/.local/state/xwterm``."""
    environ = os.environ if environ is None else environ
    base = environ.get('XDG_STATE_HOME') or os.path.join(os.path.expanduser('~'),
                                                          '.local', 'state')
    return os.path.join(base, 'xwterm')


def _normalized(host):
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host.lower()


def _load_kept(directory, hosts):
    """``(cert_pem, key_pem)`` of the kept certificate if it is usable for ``hosts`` for
    ``RENEW_DAYS`` more days, else None (missing, unreadable, expiring, other names)."""
    try:
        with open(os.path.join(directory, KEPT_CERT), 'rb') as handle:
            cert_pem = handle.read()
        with open(os.path.join(directory, KEPT_KEY), 'rb') as handle:
            key_pem = handle.read()
    except OSError:
        return None
    try:
        from cryptography import x509
        certificate = x509.load_pem_x509_certificate(cert_pem)
        names = certificate.extensions.get_extension_for_class(
            x509.SubjectAlternativeName).value
    except Exception as error:
        log.info('kept certificate in %s is unusable (%s): making a new one', directory, error)
        return None
    covered = set(_normalized(str(value)) for value in
                  names.get_values_for_type(x509.IPAddress) +
                  names.get_values_for_type(x509.DNSName))
    missing = [host for host in _unique(hosts) if _normalized(host) not in covered]
    expires = getattr(certificate, 'not_valid_after_utc', None)
    if expires is None:
        expires = certificate.not_valid_after.replace(tzinfo=datetime.timezone.utc)
    now = datetime.datetime.now(datetime.timezone.utc)
    if missing:
        log.info('kept certificate does not name %s: making a new one', ', '.join(missing))
        return None
    if expires - now < datetime.timedelta(days=RENEW_DAYS):
        log.info('kept certificate expires %s: making a new one', expires.date())
        return None
    try:
        context_from_pem(cert_pem, key_pem)
    except TlsConfigError as error:
        log.info('kept certificate and key do not fit (%s): making new ones', error)
        return None
    return cert_pem, key_pem


def _keep(directory, cert_pem, key_pem):
    """Write the pair into ``directory`` (0700; files 0600, each replaced atomically)."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    os.chmod(directory, 0o700)
    for name, data in ((KEPT_KEY, key_pem), (KEPT_CERT, cert_pem)):
        handle, temporary = tempfile.mkstemp(prefix='.' + name, dir=directory)
        try:
            with os.fdopen(handle, 'wb') as stream:
                stream.write(data)
            os.chmod(temporary, 0o600)
            os.replace(temporary, os.path.join(directory, name))
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise


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
