"""File transfer over HTTP (aiohttp): uploads with PUT, downloads with GET.

* ``PUT /NAME``: the body becomes NAME in the upload folder (``--upload-dir``), replacing
  an existing NAME atomically (as HTTP's PUT means; ``?overwrite=0`` refuses instead).
* ``PUT ?upload&session=ID&token=T&name=NAME``: into the session's current directory
  (its foreground process's, on Linux) -- the page's drag and drop; an existing file is
  replaced only with ``overwrite=1`` (the page asks the user first).

Uploads in progress hold at most ``max_total`` bytes together (each counts its
Content-Length, or ``max_upload`` when it has none), and each must leave ``min_free``
bytes free on its file system: else 507 at once.
* ``GET ?download&session=ID&token=T&path=PATH``: a file of the session's machine, PATH
  absolute or relative to that directory -- what ``xwterm-get FILE`` asks the page for.

Bodies are streamed: one chunk (``CHUNK`` bytes) in memory at a time, each awaited with
``CHUNK_TIMEOUT``; every file operation runs in a worker thread.  The listener checks the
origin, the login and the session token before calling in here.
"""

import asyncio
import logging
import os
import urllib.parse

from aiohttp import web

from . import protocol
from .compat import get_running_loop
from .upload import (DEFAULT_MAX_UPLOAD, DEFAULT_MAX_UPLOAD_TOTAL, DEFAULT_UPLOAD_DIR,
                     MAX_DOWNLOAD, DownloadReader, TransferRefused, UploadWriter, check_free_space,
                     check_name, download_path, format_size, foreground_cwd, name_from_path,
                     prepare_upload_dir)

log = logging.getLogger(__name__)

#: Bytes read from a request body, or from a file, at a time.
CHUNK = 64 * 1024
#: Seconds a peer may keep a transfer waiting for its next chunk (either direction).
CHUNK_TIMEOUT = 30.0


def _json(status, value, close=False):
    response = web.Response(text=protocol.json_dumps(value), status=status,
                            content_type='application/json', charset='utf-8',
                            headers={'Cache-Control': 'no-store'})
    if close:
        response.force_close()
    return response


def _refusal(refused, close=False):
    return _json(refused.status, {'error': str(refused)}, close=close)


class Transfers(object):
    """Uploads and downloads of one HTTP listener.

    ``enabled`` False refuses every upload (403, ``--no-upload``); ``max_upload`` bounds
    an upload, ``max_total`` the uploads in progress together, ``max_download`` a
    download (bytes); ``min_free``: free bytes an upload must leave (None: the default
    rule of ``upload.check_free_space``).
    """

    def __init__(self, upload_dir=DEFAULT_UPLOAD_DIR, enabled=True,
                 max_upload=DEFAULT_MAX_UPLOAD, max_download=MAX_DOWNLOAD,
                 chunk_timeout=CHUNK_TIMEOUT, max_total=DEFAULT_MAX_UPLOAD_TOTAL,
                 min_free=None):
        self.upload_dir = upload_dir
        self.enabled = enabled
        self.max_upload = max_upload
        self.max_total = max_total
        self.min_free = min_free
        self.in_progress = 0
        self.max_download = max_download
        self.chunk_timeout = chunk_timeout

    async def put(self, request, hub=None):
        """Store the body: as ``/NAME`` in the upload folder, or, given the session's
        ``hub``, as ``name=`` in its current directory.  200 ``{"name", "bytes", "path"}``."""
        if not self.enabled:
            return _json(403, {'error': 'uploads are switched off on this server '
                                        '(it runs with --no-upload)'}, close=True)
        length = request.content_length
        if length is not None and length > self.max_upload:
            return _json(413, {'error': 'upload larger than %s' % format_size(self.max_upload)},
                         close=True)
        reserved = min(length if length is not None else self.max_upload, self.max_upload)
        if self.in_progress + reserved > self.max_total:
            log.warning('upload from %s refused: uploads in progress hold %s of %s',
                        request.remote, format_size(self.in_progress),
                        format_size(self.max_total))
            return _json(507, {'error': 'uploads in progress fill the total of %s: try again '
                                        'later' % format_size(self.max_total)}, close=True)
        self.in_progress += reserved
        try:
            return await self._put(request, hub, length, reserved)
        finally:
            self.in_progress -= reserved

    async def _put(self, request, hub, length, reserved):
        loop = get_running_loop()
        try:
            if hub is None:
                name = name_from_path(request.rel_url.raw_path)
                folder = await loop.run_in_executor(None, prepare_upload_dir, self.upload_dir)
                overwrite = request.query.get('overwrite') not in ('0', 'false', 'no')
            else:
                name = check_name(request.query.get('name', ''))
                folder = await loop.run_in_executor(None, foreground_cwd, hub.session.pid)
                overwrite = _flag(request.query.get('overwrite'))
            await loop.run_in_executor(None, check_free_space, folder, reserved, self.min_free)
            writer = UploadWriter(folder, name, overwrite=overwrite)
            await self._store(request, writer, length)
        except TransferRefused as refused:
            log.warning('upload from %s refused: %s', request.remote, refused)
            return _refusal(refused, close=True)
        log.info('upload from %s: %s (%d bytes)', request.remote, writer.target, writer.size)
        return _json(200, {'name': writer.name, 'bytes': writer.size, 'path': writer.target})

    async def _store(self, request, writer, length):
        """Stream the body into ``writer``; whatever goes wrong, nothing is left behind."""
        loop = get_running_loop()
        try:
            await loop.run_in_executor(None, writer.open)
            while True:
                chunk = await self._next_chunk(request)
                if not chunk:
                    break
                if writer.size + len(chunk) > self.max_upload:
                    raise TransferRefused(413, 'upload larger than %s'
                                          % format_size(self.max_upload))
                await loop.run_in_executor(None, writer.write, chunk)
            if length is not None and writer.size != length:
                raise TransferRefused(400, 'upload ended after %d of %d bytes'
                                      % (writer.size, length))
            await loop.run_in_executor(None, writer.commit)
        except asyncio.CancelledError:
            # the client went away: clean up in a worker thread, without awaiting it here
            loop.run_in_executor(None, writer.discard)
            raise
        except BaseException:
            await loop.run_in_executor(None, writer.discard)
            raise

    async def _next_chunk(self, request):
        try:
            return await asyncio.wait_for(request.content.read(CHUNK), self.chunk_timeout)
        except asyncio.CancelledError:
            raise
        except asyncio.TimeoutError:
            raise TransferRefused(408, 'no upload data for %g s' % self.chunk_timeout)
        except Exception as error:
            raise TransferRefused(400, 'upload interrupted: %s' % (error or type(error).__name__))

    async def download(self, request, hub):
        """Send ``path=`` (absolute or relative to the session's current directory) as an
        attachment, at most ``max_download`` bytes."""
        loop = get_running_loop()
        requested = request.query.get('path', '')
        try:
            cwd = None
            if not os.path.isabs(requested):
                cwd = await loop.run_in_executor(None, foreground_cwd, hub.session.pid)
            reader = DownloadReader(download_path(cwd, requested), self.max_download)
            await loop.run_in_executor(None, reader.open)
        except TransferRefused as refused:
            log.warning('download for %s refused: %s', request.remote, refused)
            return _refusal(refused)
        try:
            return await self._send(request, reader)
        finally:
            loop.run_in_executor(None, reader.close)

    async def _send(self, request, reader):
        loop = get_running_loop()
        response = web.StreamResponse(headers={
            'Content-Type': 'application/octet-stream',
            'Content-Disposition': _attachment(os.path.basename(reader.path)),
            'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff'})
        response.content_length = reader.size
        response.force_close()
        await response.prepare(request)
        while True:
            chunk = await loop.run_in_executor(None, reader.read, CHUNK)
            if not chunk:
                break
            try:
                await asyncio.wait_for(response.write(chunk), self.chunk_timeout)
            except (asyncio.TimeoutError, ConnectionError) as error:
                log.warning('download of %s to %s stopped: %s', reader.path, request.remote,
                            'the client read nothing for %g s' % self.chunk_timeout
                            if isinstance(error, asyncio.TimeoutError) else 'connection lost')
                if request.transport is not None:
                    request.transport.abort()
                return response
        if reader.remaining:
            log.warning('download of %s cut short: the file shrank while it was sent',
                        reader.path)
        else:
            await response.write_eof()
            log.info('download to %s: %s (%d bytes)', request.remote, reader.path, reader.size)
        return response


def _flag(value):
    return (value or '').lower() in ('1', 'true', 'yes')


def _attachment(name):
    """``Content-Disposition`` for ``name``: an ASCII fallback and the UTF-8 name (RFC 6266)."""
    fallback = ''.join(char if 0x20 <= ord(char) < 0x7f and char not in '"\\' else '_'
                       for char in name) or 'download'
    return 'attachment; filename="%s"; filename*=UTF-8\'\'%s' % (
        fallback, urllib.parse.quote(name, safe=''))
