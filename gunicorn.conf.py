"""gunicorn settings shared by the Procfile's web process and ``make run``.

The bind address comes from the command line (0.0.0.0:$PORT in the
Procfile, 127.0.0.1:4646 for ``make run``). The worker count is gunicorn's
own WEB_CONCURRENCY, which Heroku-style hosts set.
"""

import os

bind = ["127.0.0.1:4646"]
worker_class = "gthread"
# Each thread carries one request, a held blocking query included.
threads = int(os.environ.get("GUNICORN_THREADS", "32"))
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
