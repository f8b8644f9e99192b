"""Small asyncio HTTP/1.1 clients for (d): keep-alive readers and blocked watchers.

Hand-written rather than a library: a thousand idle connections must cost
the bench nearly nothing, and the moment an answer arrives must be read
before any parsing is done.
"""

import asyncio
import time

from load import percentile
from service import HOST

# How often idle plain readers send a read, so the server's keep-alive
# timeout (a few seconds) never closes them between runs.
PING_INTERVAL = 1.0


def request_bytes(method, path, token, body=b""):
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", f"X-Nomad-Token: {token}"]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def parse_response(buffer):
    """``(status, headers, body)`` once ``buffer`` holds a whole answer, else None."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = bytes(buffer[:end]).decode("latin-1").split("\r\n")
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    if len(buffer) < end + 4 + length:
        return None
    return int(head[0].split()[1]), headers, bytes(buffer[end + 4 : end + 4 + length])


async def exchange(reader, writer, request):
    """Send one request on a stream and read its whole answer."""
    writer.write(request)
    buffer = bytearray(await reader.readuntil(b"\r\n\r\n"))
    while (answer := parse_response(buffer)) is None:
        chunk = await reader.read(65536)
        if not chunk:
            raise ConnectionError("connection closed mid-answer")
        buffer += chunk
    return answer


async def call(port, request):
    """One request on a connection of its own."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        return await exchange(reader, writer, request)
    finally:
        writer.close()


class PlainReaders:
    """A few keep-alive clients reading one volume: the same connections in every run.

    Keeping the connections means every run loads the workers the same way:
    keep-alive pins each to the worker that took it, and gunicorn does not
    share them out evenly.
    """

    def __init__(self, port, request, clients):
        self.port = port
        self.request = request
        self.clients = clients
        self.streams = []
        self.pinger = None
        self.stopping = None

    async def open(self):
        self.streams = [await asyncio.open_connection(HOST, self.port) for _ in range(self.clients)]

    async def run(self, total, time_limit):
        """Latency figures (ms) of ``total`` reads shared by the clients."""
        await self.stop_keep_alive()
        latencies = []
        deadline = time.monotonic() + time_limit
        remaining = [total]

        async def client(reader, writer):
            while remaining[0] > 0 and time.monotonic() < deadline:
                remaining[0] -= 1
                started = time.perf_counter()
                status, _, body = await exchange(reader, writer, self.request)
                if status != 200:
                    raise RuntimeError(f"(d) plain read: {status} {body[:200]!r}")
                latencies.append((time.perf_counter() - started) * 1000)

        await asyncio.gather(*(client(*stream) for stream in self.streams))
        latencies.sort()
        return {
            "requests": len(latencies),
            "p50_ms": percentile(latencies, 50),
            "p99_ms": percentile(latencies, 99),
            "max_ms": latencies[-1] if latencies else None,
        }

    def keep_alive(self):
        """Ping every connection in the background until the next ``run`` or ``close``."""
        stopping = self.stopping = asyncio.Event()

        async def ping():
            while not stopping.is_set():
                try:
                    await asyncio.wait_for(stopping.wait(), PING_INTERVAL)
                except TimeoutError:
                    for reader, writer in self.streams:
                        await exchange(reader, writer, self.request)

        self.pinger = asyncio.create_task(ping())

    async def stop_keep_alive(self):
        if self.pinger is not None:
            # Not cancelled: a ping under way must read its answer, or the
            # next run would read that answer as its own.
            self.stopping.set()
            await self.pinger
            self.pinger = None

    async def close(self):
        await self.stop_keep_alive()
        for _, writer in self.streams:
            writer.close()


class Watcher(asyncio.Protocol):
    """One blocking query on a connection of its own; notes when its answer came."""

    def __init__(self, request):
        self.request = request
        self.buffer = bytearray()
        self.transport = None
        self.answered_at = None
        self.status = None
        self.index = None
        self.done = asyncio.get_running_loop().create_future()

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data):
        # The clock is read first: the rest is this client's own work.
        now = time.monotonic()
        self.buffer += data
        answer = parse_response(self.buffer)
        if answer is not None and not self.done.done():
            self.answered_at = now
            self.status, headers, _ = answer
            self.index = int(headers.get("x-nomad-index", "0"))
            self.done.set_result(True)

    def connection_lost(self, exc):
        if not self.done.done():
            self.done.set_result(False)


async def open_watchers(port, request, count, batch=100):
    loop = asyncio.get_running_loop()
    watchers = []
    for first in range(0, count, batch):
        group = [Watcher(request) for _ in range(min(batch, count - first))]
        connecting = [loop.create_connection(lambda w=w: w, HOST, port) for w in group]
        await asyncio.wait_for(asyncio.gather(*connecting), timeout=30)
        watchers.extend(group)
    return watchers
