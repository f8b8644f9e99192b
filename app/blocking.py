"""Blocking queries (SPEC §5): ``?index=N&wait=5m`` holds a read until it changes."""

import random
import re
import time
from dataclasses import dataclass

from flask import current_app
from flask import g
from flask import request

from app.acl.tokens import digest
from app.acl.tokens import request_secret
from app.db import release_connection
from app.encoding import dumps
from app.encoding import pretty_requested
from app.errors import BadRequest
from app.watcher import current_watcher

# Go's time.Duration is int64 nanoseconds: about 292 years, more is an error.
MAX_GO_DURATION = (2**63 - 1) / 1e9
MAX_UINT64 = 2**64 - 1
MAX_WAIT = 300.0  # Nomad caps every wait at 5 minutes...
JITTER_FRACTION = 16  # ...plus up to 1/16 of it, so that watchers do not return together.

_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_DURATION = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)")


@dataclass
class Answer:
    """What a blocking read found: the index it reports, and the body or the error."""

    index: int
    body: object = None
    error: Exception = None

    def __post_init__(self):
        self.encoded = {}

    def response(self):
        """The answer as a response; raises its error. Encoded once per form.

        A shared answer is sent to every watcher that woke for it, so the
        JSON of a large list is made once, not once per watcher.
        """
        g.index = self.index
        if self.error is not None:
            raise self.error
        pretty = pretty_requested()
        if pretty not in self.encoded:
            self.encoded[pretty] = dumps(self.body, pretty).encode()
        return current_app.response_class(
            self.encoded[pretty], status=200, mimetype="application/json"
        )


def parse_go_duration(text):
    """Seconds in a Go duration (``300ms``, ``1m30s``, ``-5s``); ValueError if not one."""
    sign, rest = 1.0, text
    if rest[:1] in "+-" and rest:
        sign, rest = (-1.0 if rest[0] == "-" else 1.0), rest[1:]
    if rest == "0":
        return 0.0
    if not rest:
        raise ValueError(text)
    total, position = 0.0, 0
    for match in _DURATION.finditer(rest):
        number = match.group(1)
        if match.start() != position or number in ("", "."):
            raise ValueError(text)
        total += float(number) * _UNITS[match.group(2)]
        position = match.end()
    if position != len(rest) or total > MAX_GO_DURATION:
        raise ValueError(text)
    return sign * total


def wait_parameters():
    """``(min_index, timeout_seconds)`` from the query; min_index 0 means do not block."""
    raw_index, raw_wait = request.args.get("index", ""), request.args.get("wait", "")
    min_index = 0
    if raw_index:
        if not raw_index.isdigit() or not raw_index.isascii() or int(raw_index) > MAX_UINT64:
            raise BadRequest("Invalid index")
        min_index = int(raw_index)
    wait = 0.0
    if raw_wait:
        try:
            wait = parse_go_duration(raw_wait)
        except ValueError:
            raise BadRequest("Invalid wait time") from None
    if wait <= 0 or wait > MAX_WAIT:
        wait = MAX_WAIT
    return min_index, wait + random.uniform(0, wait / JITTER_FRACTION)


def blocking_read(kind, read):
    """Run ``read`` (returning an Answer) and hold it until it changes past ``?index``.

    ``kind`` names the index counter whose movement may change the answer.
    An answer with an error (a volume that is gone) ends the wait at once.
    """
    min_index, timeout = wait_parameters()
    if min_index == 0:
        return read()

    watcher = current_watcher()
    seen = watcher.index(kind)  # taken before the read, so no change slips between
    answer = read()
    # A held query must not hold a database connection for minutes: a
    # thousand watchers would exhaust any pool. The next read takes one anew.
    release_connection()
    deadline = time.monotonic() + timeout
    key = (request.path, _query_without_wait(), _caller())
    while answer.error is None and answer.index <= min_index:
        seen = watcher.wait_past(kind, seen, deadline - time.monotonic())
        if seen is None:
            break
        answer = watcher.shared(key, seen, read)
    return answer


def _query_without_wait():
    return tuple(
        sorted((k, v) for k, v in request.args.items(multi=True) if k not in ("index", "wait"))
    )


def _caller():
    # Answers are shared only between callers presenting the same token:
    # what a list shows depends on what the token may see.
    secret = request_secret()
    return digest(secret) if secret else ""
