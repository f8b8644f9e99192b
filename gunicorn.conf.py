"""gunicorn settings shared by the Procfile's web process and ``make run``.

The bind address comes from the command line (0.0.0.0:$PORT in the
Procfile, 127.0.0.1:4646 for ``make run``). The worker count is gunicorn's
own WEB_CONCURRENCY, which Heroku-style hosts set.

Why gevent (figures in the README): a blocking query holds its request for
up to five minutes. With a thread per request, a worker needs a thread per
watcher, and a write that wakes a thousand of them makes a thousand threads
fight for the GIL; with gevent each watcher is a greenlet, and the same
wake-up took half the time while plain reads ran faster too.
"""

import os

bind = ["127.0.0.1:4646"]
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gevent")
# Connections one worker serves at once, held blocking queries included.
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "2048"))
# Only for GUNICORN_WORKER_CLASS=gthread: one thread per request or watcher.
threads = int(os.environ.get("GUNICORN_THREADS", "256"))
# A blocking query may wait 5 minutes plus 1/16 of that; the worker timeout
# must outlive it.
timeout = 330
graceful_timeout = 30
keepalive = 5

# Requests are logged by the app (app/request_log.py), one short line each;
# gunicorn's own access log costs more than a volume read. Never headers:
# they carry tokens.
accesslog = None
errorlog = "-"

# gunicorn 27's control socket is one per-user path by default, so every
# gunicorn on a host (a second instance, the test suite's) would take it over
# from the others. Nothing here uses it.
control_socket_disable = True
