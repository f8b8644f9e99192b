"""Starting gunicorn as the Procfile does, and the HTTP calls the bench makes.

Every server here binds 127.0.0.1 on a free port and is stopped by the pid
the bench started it with; nothing else is ever signalled.
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The virtualenv's bin folder: its gunicorn is the one `make run` starts.
BIN = os.path.dirname(sys.executable)
HOST = "127.0.0.1"
READ_POLICY = 'namespace "default" { policy = "read" }'


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def migrate(database_url):
    """Apply the migrations as the Procfile's release line does."""
    env = dict(os.environ, DATABASE_URL=database_url)
    done = subprocess.run(
        [sys.executable, "-m", "app.migrate"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"python -m app.migrate failed:\n{done.stdout}{done.stderr}")


class Server:
    """A gunicorn master run from the project root with gunicorn.conf.py.

    ``app_spec`` is the WSGI target (``wsgi:app`` for the service);
    ``extra_args`` go before it, for trying another worker class.
    """

    def __init__(self, app_spec, env, log_path, workers, extra_args=()):
        self.port = free_port()
        self.app_spec = app_spec
        self.env = {**os.environ, **env, "WEB_CONCURRENCY": str(workers)}
        self.log_path = log_path
        self.workers = workers
        self.extra_args = list(extra_args)
        self.process = None

    @property
    def command(self):
        return [
            os.path.join(BIN, "gunicorn"),
            "-c",
            "gunicorn.conf.py",
            "--bind",
            f"{HOST}:{self.port}",
            *self.extra_args,
            self.app_spec,
        ]

    def start(self, timeout=30):
        with open(self.log_path, "ab") as log:
            # A session of its own, so that a Ctrl-C in the terminal reaches
            # the bench alone, which then stops the server in order.
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout):
        # Ready when every worker has booted and one of them answers; the
        # answer's status does not matter (the service says 403 without a token).
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            if len(self.worker_pids()) >= self.workers and self._answers():
                return
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not get ready in {timeout} s")

    def _answers(self):
        connection = http.client.HTTPConnection(HOST, self.port, timeout=2)
        try:
            connection.request("GET", "/v1/namespaces")
            connection.getresponse().read()
            return True
        except OSError:
            return False
        finally:
            connection.close()

    def worker_pids(self):
        """The pids of the master's children (its workers), read from /proc."""
        if self.process is None:
            return []
        pid = self.process.pid
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as children:
                return [int(p) for p in children.read().split()]
        except OSError:
            return []

    def worker_threads(self):
        """Threads in each worker: a held blocking query holds one."""
        counts = []
        for pid in self.worker_pids():
            try:
                counts.append(len(os.listdir(f"/proc/{pid}/task")))
            except OSError:
                pass
        return counts

    def connections_per_worker(self):
        """How many client connections each worker holds now.

        Keep-alive pins a connection to the worker that accepted it, and
        gunicorn's workers do not share them out evenly: the split tells
        how many workers a measurement really loaded.
        """
        accepted = {inode for inode, _ in accepted_connections(self.port)}
        return [len(accepted.intersection(_socket_inodes(pid))) for pid in self.worker_pids()]

    def cpu_seconds(self):
        """CPU time (user and system) the workers have used so far."""
        ticks = 0
        for pid in self.worker_pids():
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    # The fields after the command name, which may hold spaces.
                    fields = stat.read().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])
            except OSError:
                pass
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        # SIGTERM to the master's own group (its pid): gunicorn stops its
        # workers; SIGKILL only if it has not done so in time.
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=35)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def accepted_connections(port):
    """``(inode, unread bytes)`` of each established connection accepted on ``port``."""
    found = []
    with open("/proc/net/tcp") as table:
        next(table)
        for line in table:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01":  # 01: ESTABLISHED
                found.append((int(fields[9]), int(fields[4].split(":")[1], 16)))
    return found


def _socket_inodes(pid):
    inodes = []
    try:
        descriptors = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return inodes
    for fd in descriptors:
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:  # closed in the meantime
            continue
        if link.startswith("socket:["):
            inodes.append(int(link[8:-1]))
    return inodes


class Client:
    """One keep-alive connection to a server, as a client library keeps it."""

    def __init__(self, port, token=None, timeout=60):
        self.port = port
        self.token = token
        self.timeout = timeout
        self.connection = None

    def call(self, method, path, body=None):
        """``(status, headers, body bytes)``; reconnects once if keep-alive ran out."""
        headers = {"X-Nomad-Token": self.token} if self.token else {}
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                return response.status, response.headers, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closes idle keep-alive connections after a few
                # seconds; every call the bench retries this way is idempotent.
                self.close()
                if attempt == 2:
                    raise

    def json(self, method, path, body=None):
        """The decoded answer; raises with the server's message unless 200."""
        status, headers, data = self.call(method, path, body)
        if status != 200:
            raise RuntimeError(f"{method} {path}: {status} {data[:200]!r}")
        return json.loads(data) if data else None

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def bootstrap_acl(port):
    """``(management secret, read-only client secret)`` on a fresh service."""
    management = Client(port).json("POST", "/v1/acl/bootstrap")["SecretID"]
    admin = Client(port, management)
    admin.json("PUT", "/v1/acl/policy/bench-reader", {"Rules": READ_POLICY})
    token = admin.json(
        "POST",
        "/v1/acl/token",
        {"Name": "bench reader", "Type": "client", "Policies": ["bench-reader"]},
    )
    admin.close()
    return management, token["SecretID"]


class Servers:
    """Every server the bench starts, with the settings they all share.

    Used as a context manager: leaving it stops whatever is still running,
    on an error or a Ctrl-C as much as at the end.
    """

    def __init__(self, log_dir, workers, env=None, extra_args=()):
        self.log_dir = log_dir
        self.workers = workers
        self.env = dict(env or {})
        self.extra_args = list(extra_args)
        self.running = []

    def start(self, name, app_spec, env):
        # gunicorn's control socket defaults to one path per user, which a
        # second gunicorn takes over (and removes when it stops): each server
        # here gets a folder of its own for it.
        runtime_dir = os.path.join(self.log_dir, f"{name}-run")
        os.makedirs(runtime_dir, mode=0o700, exist_ok=True)
        env = {**self.env, **env, "XDG_RUNTIME_DIR": runtime_dir}
        log_path = os.path.join(self.log_dir, f"{name}.log")
        server = Server(app_spec, env, log_path, self.workers, self.extra_args)
        self.running.append(server)
        return server.start()

    def stop(self, server):
        server.stop()
        self.running.remove(server)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for server in reversed(self.running):
            server.stop()
        self.running.clear()
