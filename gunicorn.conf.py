"""gunicorn settings shared by the Procfile's web process and ``make run``.

The bind address comes from the command line (0.0.0.0:$PORT in the
Procfile, 127.0.0.1:4646 for ``make run``). The worker count is gunicorn's
own WEB_CONCURRENCY, which Heroku-style hosts set.
"""

import os

bind = ["127.0.0.1:4646"]
worker_class = "gthread"
# Each thread carries one request, and a held blocking query holds its thread
# for up to five minutes, so a worker needs a thread per watcher it carries.
# The pool starts threads only as requests need them; idle ones cost memory
# for their stacks and nothing else.
threads = int(os.environ.get("GUNICORN_THREADS", "1024"))
worker_connections = threads * 2
# A blocking query may wait 5 minutes plus 1/16 of that; the worker timeout
# must outlive it.
timeout = 330
graceful_timeout = 30
keepalive = 5

# The access log names method, path, status, size and time; never headers,
# which carry tokens.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
