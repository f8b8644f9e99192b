"""(c) Registers per second: one volume per PUT, from one client and from several.

Every PUT registers a new volume, so each one is a real write: a commit
that reaches the disk before its answer (the service syncs every commit).
"""

import threading
import time

import payloads
from report import progress
from service import Client


def register_new(client, prefix, n):
    vid = f"{prefix}-{n:06d}"
    status, _, body = client.call(
        "PUT", f"/v1/volume/csi/{vid}", {"Volumes": [payloads.volume(vid, n)]}
    )
    if status != 200:
        raise RuntimeError(f"PUT {vid}: {status} {body[:200]!r}")


def sequential(port, token, count, time_limit):
    """One client, one keep-alive connection, each PUT after the last answer."""
    client = Client(port, token)
    register_new(client, "warm-seq", 0)
    done = 0
    started = time.monotonic()
    deadline = started + time_limit
    while done < count and time.monotonic() < deadline:
        register_new(client, "reg-seq", done)
        done += 1
    seconds = time.monotonic() - started
    client.close()
    return {"registers": done, "seconds": seconds, "per_second": done / seconds}


def concurrent(port, token, clients, count, time_limit):
    """``clients`` threads, each with its own connection, sharing ``count`` PUTs.

    Threads suffice: each spends its time waiting for the server.
    """
    lock = threading.Lock()
    counts = {"taken": 0, "done": 0}
    failures = []
    started = time.monotonic()
    deadline = started + time_limit

    def take():
        with lock:
            if counts["taken"] >= count or time.monotonic() >= deadline:
                return None
            counts["taken"] += 1
            return counts["taken"] - 1

    def client_loop():
        client = Client(port, token)
        try:
            while (n := take()) is not None:
                register_new(client, "reg-par", n)
                with lock:
                    counts["done"] += 1
        except Exception as error:  # reported by the main thread
            failures.append(error)
        finally:
            client.close()

    threads = [threading.Thread(target=client_loop, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=time_limit + 60)
    seconds = time.monotonic() - started
    if failures:
        raise RuntimeError(f"(c) {len(failures)} of {clients} clients failed: {failures[0]}")
    done = counts["done"]
    return {"registers": done, "clients": clients, "seconds": seconds, "per_second": done / seconds}


def run(port, token, settings):
    limit = f"or {settings.register_seconds:g} s"
    progress(f"(c) registers, one client: up to {settings.registers} PUTs {limit}")
    one = sequential(port, token, settings.registers, settings.register_seconds)
    clients = settings.register_clients
    progress(f"(c) registers, {clients} clients: up to {settings.registers * 2} PUTs {limit}")
    many = concurrent(port, token, clients, settings.registers * 2, settings.register_seconds)
    return {"sequential": one, "concurrent": many}
