"""The startup banner: the URLs a user can actually open, and what protects them.

Bound to ``0.0.0.0`` or ``::`` the server is reached through the machine's interface
addresses, never through the wildcard, so the banner lists one URL per usable
address (found without extra packages: an ioctl per interface for IPv4 and
``/proc/net/if_inet6`` for IPv6 on Linux, the host name elsewhere).  A generated
login token rides in the URLs; a configured one is never echoed.
"""

import getpass
import ipaddress
import socket
import struct
import sys

from .tls import openssl_command

#: ioctl that reads an interface's IPv4 address (Linux).
SIOCGIFADDR = 0x8915
IF_INET6 = '/proc/net/if_inet6'
#: /proc/net/if_inet6 flag of an address that failed duplicate address detection.
IFA_F_DADFAILED = 0x08

WILDCARDS = ('0.0.0.0', '::', '')


def _ipv4_addresses():
    if not hasattr(socket, 'if_nameindex'):
        return []
    try:
        import fcntl
    except ImportError:
        return []
    found = []
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for _index, name in socket.if_nameindex():
            request = struct.pack('256s', name.encode('utf-8')[:15])
            try:
                reply = fcntl.ioctl(probe.fileno(), SIOCGIFADDR, request)
            except OSError:
                continue
            found.append(socket.inet_ntoa(reply[20:24]))
    except OSError:
        return found
    finally:
        probe.close()
    return found


def _ipv6_addresses(path=IF_INET6):
    found = []
    try:
        with open(path) as handle:
            lines = handle.read().splitlines()
    except OSError:
        return found
    for line in lines:
        fields = line.split()
        if len(fields) < 6 or len(fields[0]) != 32:
            continue
        try:
            if int(fields[4], 16) & IFA_F_DADFAILED:
                continue
            packed = bytes.fromhex(fields[0])
        except ValueError:
            continue
        found.append(str(ipaddress.IPv6Address(packed)))
    return found


def _fallback_addresses():
    """Where interfaces cannot be listed: the host name's addresses."""
    found = []
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, 0, socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return found
    for info in infos:
        found.append(info[4][0])
    return found


def interface_addresses():
    """Every address of this machine's interfaces (IPv4 first), loopback included."""
    addresses = []
    if sys.platform.startswith('linux'):
        addresses = _ipv4_addresses() + _ipv6_addresses()
    if not addresses:
        addresses = _fallback_addresses()
    unique = []
    for address in addresses:
        if address not in unique:
            unique.append(address)
    return unique


def is_loopback(host):
    """Whether ``host`` (a bind address or name) is reachable from this machine only."""
    if host in ('localhost',) or (host or '').endswith('.localhost'):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def usable_hosts(bind, addresses):
    """The hosts to put in URLs for a server bound to ``bind``.

    A specific address or name is itself.  For a wildcard: the interface addresses
    of the families it accepts (``::`` takes IPv4 too), loopback and link-local ones
    only when nothing else is there (link-local needs a zone a URL cannot carry).
    """
    if bind not in WILDCARDS:
        return [bind]
    wanted = (4,) if bind == '0.0.0.0' else (4, 6)
    remote, link_local, loopback = [], [], []
    for address in addresses:
        try:
            ip = ipaddress.ip_address(address.split('%', 1)[0])
        except ValueError:
            continue
        if ip.version not in wanted or ip.is_unspecified or ip.is_multicast:
            continue
        if ip.is_loopback:
            loopback.append(str(ip))
        elif ip.is_link_local:
            link_local.append(str(ip))
        else:
            remote.append(str(ip))
    return remote or link_local or loopback or ['127.0.0.1']


def url(scheme, host, port, token=None, path='/'):
    """``scheme://host:port/path`` (IPv6 in brackets; no port if None), with ``?token=``
    when given."""
    if ':' in host:
        host = '[%s]' % host
    if port is not None:
        host = '%s:%d' % (host, port)
    return '%s://%s%s%s' % (scheme, host, path, '?token=%s' % token if token else '')


def _certificate_lines(certificate):
    """The certificate's SHA-256 fingerprint (to compare with what a browser shows), and
    where a self-signed one is kept."""
    if certificate is None:
        return []
    lines = [('TLS', 'certificate SHA-256 %s' % certificate.fingerprint)]
    if certificate.origin:
        lines.append(('TLS', 'self-signed, %s' % certificate.origin))
    return lines


def serving_lines(config):
    """What ``--cwd``, ``--once`` and ``--record`` change, for the banner."""
    lines = []
    if config.cwd:
        lines.append(('Shells', 'start in %s' % config.cwd))
    if config.once:
        lines.append(('Once', 'one session: the server exits when it ends'))
    if config.recorder is not None:
        lines.append(('Recording', 'every session to %s (asciicast v2%s); played at '
                      '%srecordings.html'
                      % (config.recorder.directory,
                         ', typed input too' if config.recorder.record_input else '',
                         config.base_path)))
    return lines


def _login_lines(auth, readonly, page):
    """How to log in; ``page``: an HTTP listener serves the page (else a WebSocket client
    connects to the URL itself, which a browser cannot open)."""
    lines = []
    if auth is None:
        lines.append(('Login', 'none (--no-auth): whoever reaches these ports gets a shell'))
    elif auth.mode == 'password':
        lines.append(('Login', 'password (hash from %s)'
                      % auth.source.replace('--password-file ', '')))
    elif auth.generated and page:
        lines.append(('Login', 'token generated for this run: open a URL above, or send '
                               '"Authorization: token TOKEN"'))
    elif auth.generated:
        lines.append(('Login', 'token generated for this run: a WebSocket client connects '
                               'to the URL above (?token=TOKEN) or sends '
                               '"Authorization: token TOKEN"'))
    elif page:
        lines.append(('Login', 'token from %s (not shown); open a URL above and paste it, '
                               'or add ?token=TOKEN' % auth.source))
    else:
        lines.append(('Login', 'token from %s (not shown); a WebSocket client adds '
                               '?token=TOKEN to the URL above or sends "Authorization: '
                               'token TOKEN"' % auth.source))
    if readonly:
        lines.append(('Read-only', 'every client may watch, none may type (--readonly)'))
    return lines


def banner_lines(bind, http_port=None, ws_port=None, tls=False, auth=None, readonly=False,
                 addresses=None, base_path='/', unix_path=None, certificate=None):
    """The banner as ``[(label, text)]``: URLs of the listeners (the page's under
    ``base_path``), how to log in, and the warnings a network bind deserves.
    ``unix_path``: the HTTP listener is that UNIX socket; ``certificate``: the
    ``tls.TlsMaterial`` whose fingerprint is shown."""
    token = auth.token if auth is not None and auth.generated else None
    if unix_path is not None:
        # a local socket: no network, nothing to warn about
        example = url('https' if tls else 'http', 'localhost', None, token, base_path)
        return ([('HTTP', 'unix:%s, e.g. curl --unix-socket %s %s'
                  % (unix_path, unix_path, example))]
                + _certificate_lines(certificate) + _login_lines(auth, readonly, page=True))
    if addresses is None and bind in WILDCARDS:
        addresses = interface_addresses()
    hosts = usable_hosts(bind, addresses or [])
    lines = []
    for label, scheme, port, path in (('HTTP', 'https' if tls else 'http', http_port, base_path),
                                      ('WebSocket', 'wss' if tls else 'ws', ws_port, '/')):
        if port is None:
            continue
        for host in hosts:
            lines.append((label, url(scheme, host, port, token, path)))
    lines.extend(_certificate_lines(certificate))
    lines.extend(_login_lines(auth, readonly, page=http_port is not None))
    if is_loopback(bind):
        return lines
    numbers = [str(port) for port in (http_port, ws_port) if port is not None]
    ports = ('ports ' if len(numbers) > 1 else 'port ') + ' and '.join(numbers)
    if auth is None:
        lines.append(('WARNING', '!!! NO AUTHENTICATION on a network address: ANYONE who '
                                 'can reach %s gets a shell as user %s !!!'
                                 % (ports, _user())))
    if not tls:
        what = ('everything typed travels' if auth is None
                else 'the %s and everything typed travel' % auth.mode)
        lines.append(('WARNING', 'no TLS: %s the network in clear. Make a '
                                 'certificate with:' % what))
        lines.append(('WARNING', '  ' + openssl_command([h for h in hosts
                                                         if not is_loopback(h)])))
        lines.append(('WARNING', '  then add --certfile cert.pem --keyfile key.pem'))
    return lines


def _user():
    try:
        return getpass.getuser()
    except (KeyError, OSError, ImportError):
        return 'running this server'


def format_lines(lines):
    """``label: text`` lines, aligned as the CLI prints them."""
    return ['%-10s %s' % (label + ':', text) for label, text in lines]
