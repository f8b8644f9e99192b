"""One log line per request: method, path, status, bytes and milliseconds.

Writes and failures are logged at INFO; successful reads at DEBUG
(``LOG_LEVEL=debug`` shows them), because a line per read cost a tenth of
the read itself and says little. Written by the app rather than by
gunicorn's access log, which builds a dictionary of every header and
environment variable for each line. Headers are never logged: they carry
tokens; the query string is, and it never does.
"""

import logging
import time

from flask import g
from flask import request

logger = logging.getLogger("app.requests")


def register_request_log(app):
    @app.before_request
    def _start_clock():
        g.started = time.perf_counter()

    @app.after_request
    def _log(response):
        quiet = request.method == "GET" and response.status_code < 400
        level = logging.DEBUG if quiet else logging.INFO
        if not logger.isEnabledFor(level):
            return response
        elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        logger.log(
            level,
            '%s "%s %s" %s %s %.1fms',
            request.remote_addr,
            request.method,
            _logged_path(),
            response.status_code,
            response.calculate_content_length() or 0,
            elapsed,
        )
        return response


# Query parameters whose values are logged; any other shows as [redacted],
# because a client might put a secret there (a token, say) by mistake.
LOGGED_PARAMETERS = frozenset(
    "namespace type plugin_id node_id prefix index wait stale region pretty force node".split()
)


def _logged_path():
    if not request.args:
        return request.path
    shown = "&".join(
        f"{name}={value if name in LOGGED_PARAMETERS else '[redacted]'}"
        for name, value in request.args.items(multi=True)
    )
    return f"{request.path}?{shown}"
