"""(a) GET of one volume: the service against a bare app serving the same bytes."""

import json
import os

import load
from report import progress
from service import Client

# Headers gunicorn writes itself on every answer; the bare app must not repeat them.
SERVER_HEADERS = {
    "server",
    "date",
    "connection",
    "content-length",
    "keep-alive",
    "transfer-encoding",
}


def capture(port, token, path, captured_path):
    """Save the service's answer to ``GET path`` for the bare app to replay."""
    status, headers, body = Client(port, token).call("GET", path)
    if status != 200:
        raise RuntimeError(f"GET {path}: {status} {body[:200]!r}")
    kept = [[name, value] for name, value in headers.items() if name.lower() not in SERVER_HEADERS]
    with open(captured_path, "w", encoding="utf-8") as captured:
        json.dump({"body": body.decode("utf-8"), "headers": kept}, captured)
    return body, kept


def check_replay(port, path, body, headers):
    """The bare app must answer with exactly the captured body and headers."""
    status, got_headers, got_body = Client(port).call("GET", path)
    got = {name.lower(): value for name, value in got_headers.items()}
    missing = [name for name, value in headers if got.get(name.lower()) != value]
    if status != 200 or got_body != body or missing:
        raise RuntimeError(f"the bare app does not replay the service's answer (headers {missing})")


def run(servers, service, token, volume_id, settings, work_dir):
    path = f"/v1/volume/csi/{volume_id}"
    captured_path = os.path.join(work_dir, "captured-get.json")
    body, headers = capture(service.port, token, path, captured_path)
    bare = servers.start("bare", "bench.bare_app:app", {"BENCH_BARE_RESPONSE": captured_path})
    generator = load.choose_generator(settings.generator)
    try:
        check_replay(bare.port, path, body, headers)
        rounds = measure_rounds(
            {"service": service, "bare": bare}, path, token, generator, settings
        )
    finally:
        servers.stop(bare)

    service_median = _median_round(rounds["service"])
    bare_median = _median_round(rounds["bare"])
    return {
        "generator": generator,
        "connections": settings.connections,
        "duration_s": settings.duration,
        "body_bytes": len(body),
        "service": service_median,
        "bare": bare_median,
        "ratio": service_median["rps"] / bare_median["rps"],
        "round_ratios": [
            s["rps"] / b["rps"] for s, b in zip(rounds["service"], rounds["bare"], strict=True)
        ],
        "rounds": rounds,
    }


def measure_rounds(servers, path, token, generator, settings):
    """Each server's figures for every round, the two measured back to back."""
    rounds = {name: [] for name in servers}
    for number in range(settings.rounds):
        # Alternate which goes first, so neither always runs on a warmer machine.
        order = list(servers.items())
        for name, server in order if number % 2 == 0 else reversed(order):
            which = f" (round {number + 1}/{settings.rounds})" if settings.rounds > 1 else ""
            progress(
                f"(a) GET one volume, {name}{which}: {generator}, {settings.connections} "
                f"connections, {settings.warmup:g} s warm-up + {settings.duration:g} s"
            )
            figures = load.throughput(generator, server, path, token, settings)
            if figures["errors"] or not figures["requests"]:
                raise RuntimeError(f"(a) {name}: {figures['errors']} errors")
            progress(
                f"(a) {name}: {figures['rps']:.0f} req/s; connections per worker "
                f"{figures['connections_per_worker']}"
            )
            rounds[name].append(figures)
    return rounds


def _median_round(figures):
    ordered = sorted(figures, key=lambda f: f["rps"])
    return ordered[(len(ordered) - 1) // 2]
