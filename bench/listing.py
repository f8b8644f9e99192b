"""(b) The list of every volume, against raw sqlite3 and json.dumps of the same rows.

The baseline is the least any service could do for this answer: one query
on a connection kept open, the stub dicts built by hand, one json.dumps.
"""

import json
import sqlite3
import statistics
import time

import payloads
from report import progress
from service import Client

LIST_PATH = "/v1/volumes?type=csi"
# The list stub's columns (app/volumes/shapes.py STUB_COLUMNS) in its order,
# then the claim counts and the plugin record: the same rows the service reads.
STUB_SQL = """
    SELECT v.volume_id, v.namespace, v.name, v.external_id, v.topologies, v.access_mode,
           v.attachment_mode, v.plugin_id, v.create_index, v.modify_index, v.create_time,
           v.modify_time,
           COALESCE(c.readers, 0), COALESCE(c.writers, 0),
           p.plugin_id, p.provider, p.controller_required, p.controllers_healthy,
           p.controllers_expected, p.nodes_healthy, p.nodes_expected
    FROM volume v
    LEFT JOIN (SELECT volume_id,
                      SUM(CASE WHEN mode = 'read' THEN 1 ELSE 0 END) AS readers,
                      SUM(CASE WHEN mode = 'write' THEN 1 ELSE 0 END) AS writers
               FROM claim GROUP BY volume_id) c ON c.volume_id = v.id
    LEFT JOIN plugin p ON p.plugin_id = v.plugin_id
    WHERE v.namespace = 'default' ORDER BY v.namespace, v.volume_id
"""


def register_bulk(admin, count, batch):
    """Register ``count`` volumes, ``batch`` to a request; returns volumes per second."""
    ids = payloads.bulk_ids(count)
    started = time.monotonic()
    for first in range(0, count, batch):
        chunk = [
            payloads.volume(vid, first + n) for n, vid in enumerate(ids[first : first + batch])
        ]
        admin.json("PUT", "/v1/volumes", {"Volumes": chunk})
        done = first + len(chunk)
        if done % (batch * 10) == 0 or done == count:
            progress(f"registered {done}/{count} volumes")
    seconds = time.monotonic() - started
    return {"volumes": count, "batch": batch, "seconds": seconds, "per_second": count / seconds}


def add_plugins_and_claims(admin, ids):
    """Plugin records and a claim on one volume in ten, so (b) lists real joins."""
    for plugin_id, record in payloads.PLUGIN_RECORDS.items():
        admin.json("PUT", f"/v1/plugin/csi/{plugin_id}", record)
    claims = 0
    for n, vid in enumerate(ids):
        body = payloads.claim(n)
        if body is not None:
            admin.json("PUT", f"/v1/volume/csi/{vid}/claim", body)
            claims += 1
    progress(f"added {len(payloads.PLUGIN_RECORDS)} plugin records and {claims} claims")
    return {"plugins": len(payloads.PLUGIN_RECORDS), "claims": claims}


def service_list(port, token, requests, time_limit):
    """Latencies of ``requests`` sequential lists on one keep-alive connection."""
    client = Client(port, token)
    _, _, body = _timed_list(client)  # warms the connection and the worker's thread
    latencies = []
    deadline = time.monotonic() + time_limit
    while len(latencies) < requests and time.monotonic() < deadline:
        seconds, status, body = _timed_list(client)
        if status != 200:
            raise RuntimeError(f"GET {LIST_PATH}: {status} {body[:200]!r}")
        latencies.append(seconds)
    client.close()
    return latencies, body


def _timed_list(client):
    started = time.perf_counter()
    status, _, body = client.call("GET", LIST_PATH)
    return time.perf_counter() - started, status, body


def raw_list(db_path, requests, time_limit):
    """Latencies of building the same answer from the same file, ``requests`` times."""
    connection = sqlite3.connect(db_path)
    body = raw_body(connection)  # the warm-up, as for the service
    latencies = []
    deadline = time.monotonic() + time_limit
    while len(latencies) < requests and time.monotonic() < deadline:
        started = time.perf_counter()
        body = raw_body(connection)
        latencies.append(time.perf_counter() - started)
    connection.close()
    return latencies, body


def raw_body(connection):
    stubs = [_stub(row) for row in connection.execute(STUB_SQL)]
    return json.dumps(stubs, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _stub(row):
    (vid, namespace, name, external_id, topologies, access, attachment,
     plugin_id, create_index, modify_index, create_time, modify_time,
     readers, writers, record, provider, required, c_healthy, c_expected,
     n_healthy, n_expected) = row  # fmt: skip
    if record is None:  # no plugin record: zeros and unschedulable, as the service shows
        provider, required, c_healthy, c_expected, n_healthy, n_expected = "", 0, 0, 0, 0, 0
    return {
        "ID": vid,
        "Namespace": namespace,
        "Name": name,
        "ExternalID": external_id,
        "Topologies": json.loads(topologies) if topologies is not None else None,
        "AccessMode": access,
        "AttachmentMode": attachment,
        "CurrentReaders": readers,
        "CurrentWriters": writers,
        "Schedulable": n_healthy > 0 and (not required or c_healthy > 0),
        "PluginID": plugin_id,
        "Provider": provider,
        "ControllerRequired": bool(required),
        "ControllersHealthy": c_healthy,
        "ControllersExpected": c_expected,
        "NodesHealthy": n_healthy,
        "NodesExpected": n_expected,
        "ResourceExhausted": None,
        "CreateIndex": create_index,
        "ModifyIndex": modify_index,
        "CreateTime": create_time,
        "ModifyTime": modify_time,
    }


def run(port, token, db_path, expected, requests, time_limit):
    progress(f"(b) list of {expected} volumes: service, {requests} sequential requests")
    service_latencies, service_body = service_list(port, token, requests, time_limit)
    progress(f"(b) list of {expected} volumes: raw sqlite3 + json.dumps, {requests} runs")
    raw_latencies, raw_body_bytes = raw_list(db_path, requests, time_limit)

    listed = len(json.loads(service_body))
    if listed != expected:
        raise RuntimeError(f"(b) the service listed {listed} volumes, {expected} expected")
    service_ms = statistics.median(service_latencies) * 1000
    raw_ms = statistics.median(raw_latencies) * 1000
    return {
        "volumes": listed,
        "requests": len(service_latencies),
        "body_bytes": len(service_body),
        # The baseline must build the very answer the service sends, or the
        # comparison says nothing; a drift in the stub shows here.
        "same_bytes": service_body == raw_body_bytes,
        "service_median_ms": service_ms,
        "raw_median_ms": raw_ms,
        "service_min_ms": min(service_latencies) * 1000,
        "raw_min_ms": min(raw_latencies) * 1000,
        "ratio": service_ms / raw_ms,
    }
