"""The Content-Security-Policy and other security headers of the pages we serve
(sans-I/O): scripts only from this server, plus the hashes of a page's own inline scripts
and event handlers, so pages run as written while injected code does not.
"""

import base64
import hashlib
import html.parser


class _InlineCode(html.parser.HTMLParser):
    """Collects what a browser would run of a page without a URL: inline scripts (their
    text as the browser hashes it) and event-handler attributes (``onclick="..."``)."""

    def __init__(self):
        html.parser.HTMLParser.__init__(self, convert_charrefs=True)
        self.scripts = []
        self.handlers = []
        self._script = None

    def handle_starttag(self, tag, attrs):
        self._collect_handlers(attrs)
        if tag == 'script' and not any(name == 'src' for name, _ in attrs):
            self._script = []

    def handle_startendtag(self, tag, attrs):
        self._collect_handlers(attrs)

    def _collect_handlers(self, attrs):
        self.handlers.extend(value for name, value in attrs
                             if name.startswith('on') and value)

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag):
        if tag == 'script' and self._script is not None:
            self.scripts.append(''.join(self._script))
            self._script = None


def _sha256_source(text):
    # The HTML parser turns CR LF and CR into LF before the browser hashes a script.
    text = text.replace('\r\n', '\n').replace('\r', '\n')
    digest = hashlib.sha256(text.encode('utf-8')).digest()
    return "'sha256-%s'" % base64.b64encode(digest).decode('ascii')


def inline_script_hashes(page):
    """CSP sources for the inline code of an HTML page (bytes or str): the hashes of its
    inline scripts, and of its event handlers with ``'unsafe-hashes'`` (only those exact
    handlers run), so the pages of a document root run as written while injected code
    does not."""
    text = page.decode('utf-8', 'replace') if isinstance(page, bytes) else page
    parser = _InlineCode()
    parser.feed(text)
    parser.close()
    sources = []
    for code in parser.scripts:
        source = _sha256_source(code)
        if source not in sources:
            sources.append(source)
    if parser.handlers:
        sources.append("'unsafe-hashes'")
    for code in parser.handlers:
        source = _sha256_source(code)
        if source not in sources:
            sources.append(source)
    return sources


def security_headers(script_sources=(), referrer_policy='no-referrer'):
    """Headers for every page: scripts only from this server (and the page's own inline
    scripts, by hash), no framing by other sites, no sniffing, no Referer.

    The login page says ``same-origin`` instead: under ``no-referrer`` browsers send its
    form with ``Origin: null``, which the Origin check must refuse.
    """
    csp = ("script-src 'self'%s; object-src 'none'; base-uri 'self'; form-action 'self'; "
           "frame-ancestors 'self'" % ''.join(' ' + source for source in script_sources))
    return {
        'Content-Security-Policy': csp,
        'X-Content-Type-Options': 'nosniff',
        'X-Frame-Options': 'SAMEORIGIN',
        'Referrer-Policy': referrer_policy,
    }
