"""Throughput of one GET under keep-alive load: wrk when it is there, else Python.

Both generators run outside the server under test, for a fixed time after a
warm-up, and report the same figures: requests per second, errors and the
latency percentiles.
"""

import http.client
import math
import multiprocessing
import re
import shutil
import signal
import subprocess
import threading
import time

from service import HOST


def choose_generator(wanted):
    """``"wrk"`` or ``"python"``; ``wanted`` is one of those or ``"auto"``."""
    if wanted == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if wanted == "wrk" and not shutil.which("wrk"):
        raise SystemExit("--generator wrk: wrk is not on PATH (make bench installs it)")
    return wanted


def throughput(generator, server, path, token, settings):
    """Warm up, then measure ``GET path`` for ``settings.duration`` seconds.

    Halfway through, the split of the connections over the workers is noted.
    """
    if generator == "wrk":
        connections, threads = settings.connections, settings.wrk_threads
        run_wrk(server, path, token, connections, settings.warmup, threads)
        return run_wrk(server, path, token, connections, settings.duration, threads)
    return run_python(server, path, token, settings)


# wrk


def run_wrk(server, path, token, connections, duration, threads):
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--latency",
        "--timeout",
        "10s",
        "-H",
        f"X-Nomad-Token: {token}",
        f"http://{HOST}:{server.port}{path}",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(duration / 2)
        split = server.connections_per_worker()
        out, err = process.communicate(timeout=duration + 60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed ({process.returncode}): {err.strip()}")
    return {**parse_wrk(out), "connections_per_worker": split}


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(text):
    """The figures of wrk's report; raises if it has none."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+),", text)
    if not rate or not total:
        raise RuntimeError(f"cannot read wrk's report:\n{text}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += sum(int(n) for n in sockets.groups()) if sockets else 0

    def percentile(label):
        found = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.MULTILINE)
        return float(found.group(1)) * _UNIT_MS[found.group(2)] if found else None

    return {
        "rps": float(rate.group(1)),
        "requests": int(total.group(1)),
        "errors": errors,
        "p50_ms": percentile("50"),
        "p99_ms": percentile("99"),
    }


# Python


def run_python(server, path, token, settings):
    """``settings.connections`` keep-alive connections over ``settings.processes`` processes."""
    connections, duration = settings.connections, settings.duration
    processes = max(1, min(settings.processes, connections))
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    # Spawned processes take a moment to start; each warms up until start_at.
    # time.monotonic is one clock for every process on Linux.
    start_at = time.monotonic() + 2.0 + settings.warmup
    end_at = start_at + duration
    shares = [connections // processes + (n < connections % processes) for n in range(processes)]
    arguments = (server.port, path, token)
    workers = [
        context.Process(target=_load_process, args=(*arguments, share, start_at, end_at, results))
        for share in shares
    ]
    try:
        for worker in workers:
            worker.start()
        time.sleep(max(0.0, start_at + duration / 2 - time.monotonic()))
        split = server.connections_per_worker()
        reports = [results.get(timeout=end_at - time.monotonic() + 30) for _ in workers]
    except BaseException:
        # Interrupted or failed: no reason to let them run their time out.
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
        raise
    finally:
        for worker in workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.kill()
                worker.join(timeout=5)
    return {**_merge(reports, duration), "connections_per_worker": split}


def _merge(reports, duration):
    latencies = sorted(ms for report in reports for ms in report["latencies"])
    requests = sum(report["requests"] for report in reports)
    return {
        "rps": requests / duration,
        "requests": requests,
        "errors": sum(report["errors"] for report in reports),
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
    }


def _load_process(port, path, token, threads, start_at, end_at, results):
    # The bench's own Ctrl-C handling stops these processes by pid.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    reports = []
    runners = [
        threading.Thread(
            target=_load_connection, args=(port, path, token, start_at, end_at, reports)
        )
        for _ in range(threads)
    ]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    results.put(
        {
            "requests": sum(r["requests"] for r in reports),
            "errors": sum(r["errors"] for r in reports),
            "latencies": [ms for r in reports for ms in r["latencies"]],
        }
    )


def _load_connection(port, path, token, start_at, end_at, reports):
    headers = {"X-Nomad-Token": token}
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    requests = errors = 0
    latencies = []
    now = time.monotonic()
    while now < end_at:
        began = now
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            ok = response.status == 200
        except OSError:
            connection.close()
            ok = False
        now = time.monotonic()
        # Only answers that arrive inside the window count, as with wrk.
        if start_at <= now < end_at:
            if ok:
                requests += 1
                latencies.append((now - began) * 1000)
            else:
                errors += 1
    connection.close()
    reports.append({"requests": requests, "errors": errors, "latencies": latencies})


def percentile(sorted_values, p):
    """The nearest-rank percentile of an ascending list; None when it is empty."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p * len(sorted_values) / 100))
    return sorted_values[rank - 1]
