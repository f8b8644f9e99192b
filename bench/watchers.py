"""(d) Plain reads while many blocking queries are held, and how fast one write wakes them.

Everything runs on one asyncio loop: a thousand idle connections cost it
nothing, and the plain readers measure the same way with and without them.
"""

import asyncio
import json
import os
import time

import payloads
from aio_http import PlainReaders
from aio_http import call
from aio_http import open_watchers
from aio_http import request_bytes
from load import percentile
from report import progress
from service import accepted_connections


def held_by_server(server, count, timeout):
    """How the server holds the watchers once they are in, read from /proc.

    A held watcher is a connection whose request the server has read (no
    bytes wait in its receive queue) and not yet answered; gthread also
    gives each one a thread of its own, so the thread counts show it too.
    """
    deadline = time.monotonic() + timeout
    while True:
        connections = accepted_connections(server.port)
        unread = sum(1 for _, queued in connections if queued)
        if (len(connections) >= count and unread == 0) or time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    return {
        "server_connections": len(connections),
        "server_unread_requests": unread,
        "worker_connections": server.connections_per_worker(),
        "worker_threads": server.worker_threads(),
        "worker_open_files": [len(os.listdir(f"/proc/{pid}/fd")) for pid in server.worker_pids()],
    }


def wait_until_idle(server, timeout, window=0.25, busy_cores=0.1):
    """Wait until the workers are done taking the watchers in; returns the seconds waited.

    Each new watcher is first read once: until those reads are done the
    server is busy with them, and plain reads would measure that instead.
    """
    started = time.monotonic()
    used = server.cpu_seconds()
    while time.monotonic() - started < timeout:
        time.sleep(window)
        now = server.cpu_seconds()
        if now - used <= busy_cores * window:
            break
        used = now
    return time.monotonic() - started


async def wake(port, admin_token, watched, watchers, timeout):
    """Change the watched volume's capacity once; returns when it was sent and answered."""
    volume_id, number = watched
    spec = payloads.volume(volume_id, number, capacity=999 * payloads.GIB)
    body = json.dumps({"Volumes": [spec]}).encode()
    request = request_bytes("PUT", f"/v1/volume/csi/{volume_id}", admin_token, body)
    sent_at = time.monotonic()
    status, headers, answer = await call(port, request)
    acked_at = time.monotonic()
    if status != 200:
        raise RuntimeError(f"(d) the write: {status} {answer[:200]!r}")
    await asyncio.wait([w.done for w in watchers], timeout=timeout)
    return sent_at, acked_at, int(headers["x-nomad-index"])


async def measure(server, tokens, watched, settings):
    reader_token, admin_token = tokens
    path = f"/v1/volume/csi/{watched[0]}"
    readers = PlainReaders(
        server.port, request_bytes("GET", path, reader_token), settings.plain_clients
    )
    watchers = []
    await readers.open()
    try:
        quiet = await _quiet_reads(server, readers, settings)
        watchers, held = await _hold(server, readers, path, reader_token, settings)
        progress(f"(d) plain reads with {len(watchers)} watchers held, the same clients")
        busy = await readers.run(settings.plain_reads, 60)
        await readers.close()
        early = sum(1 for w in watchers if w.done.done())

        progress("(d) one write to the watched volume; waiting for every watcher")
        sent_at, acked_at, new_index = await wake(
            server.port, admin_token, watched, watchers, settings.wake_timeout
        )
    finally:
        await readers.close()
        for watcher in watchers:
            if watcher.transport is not None:
                watcher.transport.close()

    return {
        "watchers": len(watchers),
        "answered_before_write": early,
        "held_before_write": max(0, held.pop("read_in") - early),
        **held,
        "plain_no_watchers": quiet,
        "plain_with_watchers": busy,
        "p99_ratio": busy["p99_ms"] / quiet["p99_ms"],
        "new_index": new_index,
        **_wake_figures(watchers, sent_at, acked_at, new_index),
    }


async def _quiet_reads(server, readers, settings):
    split = server.connections_per_worker()
    progress(
        f"(d) plain reads, no watchers: {settings.plain_reads} reads, "
        f"{settings.plain_clients} clients (per worker: {split})"
    )
    # A few reads first, so that neither run pays for threads the other found ready.
    await readers.run(settings.plain_reads // 10, 30)
    return {**await readers.run(settings.plain_reads, 60), "clients_per_worker": split}


async def _hold(server, readers, path, token, settings):
    """Open the watchers at the volume's current index and see that the server holds them."""
    _, headers, _ = await call(server.port, request_bytes("GET", path, token))
    index = int(headers["x-nomad-index"])
    progress(f"(d) opening {settings.watchers} watchers on {path} at index {index}")
    readers.keep_alive()
    watch = request_bytes("GET", f"{path}?index={index}&wait=120s", token)
    watchers = await open_watchers(server.port, watch, settings.watchers)

    connected = len(watchers) + settings.plain_clients
    held = await asyncio.to_thread(held_by_server, server, connected, 15)
    held["settle_s"] = await asyncio.to_thread(wait_until_idle, server, 15)
    progress(
        f"(d) server side: {held['server_connections']} connections "
        f"({held['server_unread_requests']} with unread requests), per worker "
        f"{held['worker_connections']}; threads {held['worker_threads']}; open files "
        f"{held['worker_open_files']}; idle again after {held['settle_s']:.1f} s"
    )
    # Every connection but the plain readers' is a watcher.
    read_in = min(held["server_connections"], connected) - held["server_unread_requests"]
    held["read_in"] = read_in - settings.plain_clients
    return watchers, held


def _wake_figures(watchers, sent_at, acked_at, new_index):
    answered = [w for w in watchers if w.answered_at is not None]
    from_ack = sorted((w.answered_at - acked_at) * 1000 for w in answered)
    from_send = sorted((w.answered_at - sent_at) * 1000 for w in answered)
    return {
        "write_ms": (acked_at - sent_at) * 1000,
        "answered": len(answered),
        "answered_new_index": sum(1 for w in answered if w.status == 200 and w.index == new_index),
        "wake_from_ack_ms": _spread(from_ack),
        "wake_from_send_ms": _spread(from_send),
    }


def _spread(values):
    return {
        "min": values[0] if values else None,
        "p50": percentile(values, 50),
        "p99": percentile(values, 99),
        "max": values[-1] if values else None,
    }


def run(server, tokens, watched, settings):
    return asyncio.run(measure(server, tokens, watched, settings))
