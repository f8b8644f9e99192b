"""One watcher per worker process that wakes the blocking queries held in it.

A single daemon thread asks the backend whether anything was committed
(SQLite: ``PRAGMA data_version``; PostgreSQL: LISTEN/NOTIFY), and when so
reads the index counters and wakes every waiting request. Requests never
poll the database themselves while they wait.
"""

import logging
import os
import threading
import time

from flask import current_app

logger = logging.getLogger(__name__)

# How often the SQLite watcher looks for commits of other processes.
POLL_INTERVAL = 0.005
MEMO_LIMIT = 4096


class ChangeWatcher:
    def __init__(self, backend):
        self.backend = backend
        self.changed = threading.Condition()
        self.source = backend.change_source()
        self.indexes = self.source.read_indexes()
        self.memo_lock = threading.Lock()
        self.memo = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="change-watcher", daemon=True)
        self.thread.start()

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=5)

    def index(self, kind):
        return self.indexes.get(kind, 0)

    def wait_past(self, kind, seen, timeout):
        """Block until the index of ``kind`` is above ``seen``; None on timeout."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while self.index(kind) <= seen:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self.changed.wait(remaining)
            return self.index(kind)

    def shared(self, key, version, read):
        """``read()``, computed once for all requests waiting on the same key.

        When a change wakes a thousand watchers of the same query, one of
        them runs it and the others take its answer.
        """
        with self.memo_lock:
            entry = self.memo.get(key)
            owner = entry is None or entry.version < version
            if owner:
                if len(self.memo) >= MEMO_LIMIT:
                    self.memo.clear()
                entry = self.memo[key] = _MemoEntry(version)
        if owner:
            try:
                entry.answer = read()
            finally:
                entry.done.set()
            return entry.answer
        entry.done.wait()
        return entry.answer if entry.answer is not None else read()

    def _run(self):
        while not self.stopping.is_set():
            try:
                if self.source.wait(POLL_INTERVAL):
                    self._publish(self.source.read_indexes())
            except Exception:  # a lost connection must not end the watcher
                logger.exception("change watcher failed; reconnecting in a second")
                self.stopping.wait(1)
                self._reconnect()
        self.source.close()

    def _reconnect(self):
        try:
            self.source.close()
            self.source = self.backend.change_source()
        except Exception:
            logger.exception("change watcher could not reconnect")

    def _publish(self, indexes):
        if indexes == self.indexes:
            return
        with self.changed:
            self.indexes = indexes
            self.changed.notify_all()


class _MemoEntry:
    __slots__ = ("version", "answer", "done")

    def __init__(self, version):
        self.version = version
        self.answer = None
        self.done = threading.Event()


_lock = threading.Lock()


def current_watcher():
    """This process's watcher for the current app, started on first use.

    Started lazily, in the process that serves: a thread made before
    gunicorn forks would not exist in the workers.
    """
    app = current_app._get_current_object()
    with _lock:
        watcher = app.extensions.get("watcher")
        if watcher is None or watcher[0] != os.getpid():
            watcher = (os.getpid(), ChangeWatcher(app.extensions["backend"]))
            app.extensions["watcher"] = watcher
    return watcher[1]
