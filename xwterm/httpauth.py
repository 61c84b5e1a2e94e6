"""The HTTP listener's door (aiohttp): who may pass, the login page and form, the
redirect that trades ``?token=`` for the cookie, and the security headers of pages.

The rules themselves are ``xwterm.auth``'s; this module only speaks HTTP.
"""

import asyncio
import collections
import os

from aiohttp import web

from . import auth, csp, protocol
from .compat import get_running_loop

#: Largest login form body (bytes).
MAX_LOGIN_BODY = 8 * 1024
#: Seconds the login form's body may take to arrive.
LOGIN_BODY_TIMEOUT = 30.0
#: HTML files whose inline-script hashes are remembered (by path, size and mtime).
MAX_HASHED_PAGES = 64
#: HTML files above this size get no inline-script hashes (their inline scripts won't run).
MAX_HASHED_PAGE = 1024 * 1024

_JSON_HEADERS = {'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff'}
_PROBLEMS = {
    auth.MISSING: None,
    auth.DENIED: 'That %s is wrong.',
    auth.LIMITED: 'Too many failed logins from your address: wait %d seconds.',
}


def is_page_visit(request, query):
    """A GET of a file: where ``?token=`` may log a browser in and a refusal is the
    login page (``query`` is the parsed ``protocol.HttpQuery``, or None if malformed)."""
    return request.method in ('GET', 'HEAD') and query is not None and query.action == 'file'


def _wants_html(request):
    return (request.path.endswith('/') or request.path.endswith('.html')
            or 'text/html' in request.headers.get('Accept', ''))


class HttpDoor(object):
    """Checks every request of the HTTP listener against ``authenticator``.

    ``secure``: the listener speaks TLS, so the cookie gets ``Secure``; ``cookie_path``:
    the base path the cookie is for.
    """

    def __init__(self, authenticator, secure=False, cookie_path='/', links_open=True):
        self.auth = authenticator
        self.secure = secure
        self.cookie_path = cookie_path
        self.links_open = links_open

    async def check(self, request, page_visit, query_login=False):
        """None when the request may pass; else the response that refuses it (or the
        303 that trades a valid ``?token=`` for the cookie).  ``query_login``: a
        ``?token=`` logs this request in without a redirect (a WebSocket handshake)."""
        query = request.query if page_visit or query_login else None
        credential = auth.extract(request.headers, request.cookies, query)
        verdict = await self.auth.authenticate(
            credential, request.remote, 'HTTP %s %s' % (request.method, request.path))
        if verdict == auth.ALLOWED:
            if credential.kind == auth.FROM_QUERY and page_visit:
                return self._logged_in(request, auth.local_target(request.raw_path))
            return None
        return self._refusal(request, verdict, page_visit and _wants_html(request))

    async def login(self, request):
        """``POST /?login``: the form's secret -> the cookie and a 303 to ``next``."""
        if request.content_length is None or request.content_length > MAX_LOGIN_BODY:
            return _json_error(413, 'a login form has a length of at most %d bytes'
                               % MAX_LOGIN_BODY)
        try:
            body = await asyncio.wait_for(request.read(), LOGIN_BODY_TIMEOUT)
        except asyncio.TimeoutError:
            return _json_error(408, 'the login form did not arrive in time')
        secret, target = auth.parse_login_form(body)
        credential = auth.Credential(auth.FROM_FORM, secret) if secret else None
        verdict = await self.auth.authenticate(credential, request.remote, 'HTTP login form')
        if verdict == auth.ALLOWED:
            return self._logged_in(request, target)
        return self._login_page(verdict, target, request)

    def _logged_in(self, request, target):
        """303 to ``target`` with the cookie; ``Secure`` under TLS, ours or (with
        --trust-proxy) a proxy's."""
        response = web.Response(status=303, headers={
            'Location': target, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer'})
        response.headers.add('Set-Cookie', self.auth.set_cookie(self.secure or request.secure,
                                                            self.cookie_path))
        return response

    def _refusal(self, request, verdict, page):
        if page:
            return self._login_page(verdict, auth.local_target(request.raw_path), request)
        if verdict == auth.LIMITED:
            response = _json_error(429, 'too many failed logins: try again later')
            response.headers['Retry-After'] = str(self.auth.retry_after(request.remote))
            return response
        if verdict == auth.DENIED:
            return _json_error(403, 'wrong %s' % self.auth.mode)
        response = _json_error(401, 'login required: send "Authorization: token TOKEN" '
                                    'or log in on the page')
        response.headers['WWW-Authenticate'] = 'Bearer realm="xwterm"'
        return response

    def _login_page(self, verdict, target, request):
        problem = _PROBLEMS[verdict]
        status = {auth.MISSING: 401, auth.DENIED: 403, auth.LIMITED: 429}[verdict]
        if verdict == auth.LIMITED:
            problem = problem % self.auth.retry_after(request.remote)
        elif problem is not None:
            problem = problem % self.auth.mode
        page = auth.login_page(self.auth.mode, target, problem, self.links_open)
        headers = dict(csp.security_headers(csp.inline_script_hashes(page),
                                            referrer_policy='same-origin'),
                       **{'Cache-Control': 'no-store'})
        if verdict == auth.LIMITED:
            headers['Retry-After'] = str(self.auth.retry_after(request.remote))
        return web.Response(text=page,
                            status=status, content_type='text/html', charset='utf-8',
                            headers=headers)


def _json_error(status, message):
    return web.Response(text=protocol.json_dumps({'error': message}), status=status,
                        content_type='application/json', charset='utf-8',
                        headers=_JSON_HEADERS)


class PageHeaders(object):
    """The security headers of document-root files; an HTML file's CSP admits its own
    inline scripts and event handlers by hash (read in a worker thread, remembered per
    file version), unless ``policy`` (``--csp``) replaces that policy ('': no CSP)."""

    def __init__(self, policy=None):
        self.policy = policy
        self._hashes = collections.OrderedDict()

    async def headers(self, path, content_type):
        if not content_type.startswith('text/html'):
            return {'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer'}
        if self.policy is not None:
            headers = csp.security_headers()
            if self.policy:
                headers['Content-Security-Policy'] = self.policy
            else:
                del headers['Content-Security-Policy']
            return headers
        try:
            status = os.stat(path)
        except OSError:
            return csp.security_headers()
        key = (path, status.st_size, status.st_mtime)
        sources = self._hashes.get(key)
        if sources is None:
            sources = await get_running_loop().run_in_executor(None, _script_sources, path)
            self._hashes[key] = sources
            while len(self._hashes) > MAX_HASHED_PAGES:
                self._hashes.popitem(last=False)
        return csp.security_headers(sources)


def _script_sources(path):
    try:
        with open(path, 'rb') as handle:
            page = handle.read(MAX_HASHED_PAGE + 1)
    except OSError:
        return []
    return [] if len(page) > MAX_HASHED_PAGE else csp.inline_script_hashes(page)
