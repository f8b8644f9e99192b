"""Starting the real service under gunicorn, as the Procfile does, for end-to-end tests."""

import os
import signal
import socket
import subprocess
import sys
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUNICORN = os.path.join(os.path.dirname(sys.executable), "gunicorn")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn with the project's gunicorn.conf.py, bound to 127.0.0.1."""

    def __init__(self, database_url, workers=2, acl=False, env=None, log_path=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ)
        self.env.update(
            {
                "DATABASE_URL": database_url,
                "WEB_CONCURRENCY": str(workers),
                "ACL_ENABLED": "true" if acl else "false",
            }
        )
        self.env.update(env or {})
        self.log_path = log_path
        self.process = None

    def start(self, timeout=60):
        # The child keeps its own copy of the descriptor.
        with open(self.log_path or os.devnull, "ab") as log:
            self._spawn(log)
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn(self, log):
        self.process = subprocess.Popen(
            [GUNICORN, "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{self.port}", "wsgi:app"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                requests.get(self.url + "/v1/namespaces", timeout=5)
                return
            except requests.RequestException:
                # Not listening yet, or too busy booting to answer: try again.
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not answer in time")

    def kill(self):
        """SIGKILL the master and its workers, as a crash would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
