"""One WARNING line, not an ERROR traceback, when a client sends a malformed request.

aiohttp and websockets log a client's protocol error with its traceback at ERROR, so a
scanner can fill the log with pages of stack frames.  The filter installed here turns
such a record into one line; errors of the server itself keep their traceback.
"""

import logging

#: Loggers of the listening libraries that report client errors.
LIBRARY_LOGGERS = ('aiohttp.server', 'aiohttp.web', 'websockets.server', 'websockets')


def _client_error_classes():
    classes = []
    try:
        from aiohttp import http_exceptions
        classes.append(http_exceptions.HttpProcessingError)
    except ImportError:
        pass
    try:
        from websockets import exceptions
        classes.extend([exceptions.InvalidHandshake, exceptions.InvalidMessage])
    except (ImportError, AttributeError):
        pass
    return tuple(classes)


class ClientErrorFilter(logging.Filter):
    """Rewrites a record whose exception is the client's fault into one WARNING line."""

    def __init__(self):
        super(ClientErrorFilter, self).__init__()
        self._client_errors = _client_error_classes()

    def filter(self, record):
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and isinstance(error, self._client_errors):
            reason = ' '.join(str(error).split())[:200]
            record.msg = '%s: %s' % (record.getMessage(), reason)
            record.args = ()
            record.exc_info = None
            record.exc_text = None
            if record.levelno > logging.WARNING:
                record.levelno = logging.WARNING
                record.levelname = 'WARNING'
        return True


def install():
    """Add the filter to the libraries' loggers (once)."""
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, ClientErrorFilter) for f in logger.filters):
            logger.addFilter(ClientErrorFilter())
