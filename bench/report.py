"""Progress lines while the bench runs, and the summary table and JSON at its end."""

import json
import os
import sys
import time

_started = time.monotonic()
COLUMNS = ("metric", "service", "baseline", "ratio", "goal", "met?")


def progress(message):
    # stderr, so that stdout carries the summary alone.
    print(f"[{time.monotonic() - _started:6.1f}s] {message}", file=sys.stderr, flush=True)


def summary(results):
    """The table's rows, each a dict keyed by COLUMNS (numbers left unformatted)."""
    rows = []
    parts = (
        ("bulk_register", _bulk_rows),
        ("get_one", _get_rows),
        ("list", _list_rows),
        ("register", _register_rows),
        ("watchers", _watcher_rows),
    )
    for key, make_rows in parts:
        if key in results:
            rows.extend(make_rows(results[key]))
    return rows


def _bulk_rows(bulk):
    return [_row(f"register in batches of {bulk['batch']}, volumes/s", bulk["per_second"])]


def _get_rows(get):
    service, bare, ratio = get["service"], get["bare"], get["ratio"]
    label = f"(a) GET one volume, req/s [{get['generator']}, {get['connections']} conns"
    return [
        _row(f"{label}; baseline: bare Flask]", service["rps"], bare["rps"], ratio,
             goal=">= 0.6", met=ratio >= 0.6),
        _row("(a) GET one volume, p99 ms under that load", service["p99_ms"], bare["p99_ms"]),
    ]  # fmt: skip


def _list_rows(lst):
    label = f"(b) list of {lst['volumes']} volumes, median ms [baseline: raw sqlite3 + json.dumps]"
    ratio = lst["ratio"]
    return [
        _row(label, lst["service_median_ms"], lst["raw_median_ms"], ratio, "<= 2", ratio <= 2),
        _row("(b) the baseline built the same bytes", "yes" if lst["same_bytes"] else "NO"),
    ]


def _register_rows(reg):
    one, many = reg["sequential"], reg["concurrent"]
    label = "(c) register one volume per PUT"
    return [
        _row(f"{label}, 1 client, volumes/s", one["per_second"]),
        _row(f"{label}, {many['clients']} clients, volumes/s", many["per_second"]),
    ]


def _watcher_rows(w):
    quiet, busy = w["plain_no_watchers"], w["plain_with_watchers"]
    ack, sent = w["wake_from_ack_ms"], w["wake_from_send_ms"]
    count, held = w["watchers"], w["held_before_write"]
    early, new = w["answered_before_write"], w["answered_new_index"]
    p50_ratio, p99_ratio = busy["p50_ms"] / quiet["p50_ms"], w["p99_ratio"]
    read = f"(d) plain read, {count} watchers held [baseline: none held]"
    wake = "(d) wake delay after the write's answer"
    return [
        _row(f"{read}, p50 ms", busy["p50_ms"], quiet["p50_ms"], p50_ratio),
        _row(f"{read}, p99 ms", busy["p99_ms"], quiet["p99_ms"], p99_ratio,
             goal="<= 2", met=p99_ratio <= 2),
        _row("(d) watchers held by the server before the write", held, count,
             goal="all", met=held == count),
        _row("(d) watchers answered before the write", early, goal="0", met=early == 0),
        _row(f"{wake}, p50 ms", ack["p50"]),
        _row(f"{wake}, p99 ms", ack["p99"], goal="<= 100",
             met=ack["p99"] is not None and ack["p99"] <= 100),
        _row(f"{wake}, max ms", ack["max"]),
        _row("(d) wake delay after the write was sent, p50 / p99 ms",
             _pair(sent["p50"], sent["p99"])),
        _row("(d) watchers answered with the new index", new, count, goal="all", met=new == count),
    ]  # fmt: skip


def _row(metric, service, baseline=None, ratio=None, goal=None, met=None):
    return dict(zip(COLUMNS, (metric, service, baseline, ratio, goal, met), strict=True))


def _pair(a, b):
    return f"{_number(a)} / {_number(b)}"


def _number(value):
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, int) or (isinstance(value, float) and abs(value) >= 100):
        return f"{value:.0f}"
    if isinstance(value, float):
        return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def print_table(rows, out=sys.stdout):
    cells = [COLUMNS] + [tuple(_number(row[name]) for name in COLUMNS) for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    for n, line in enumerate(cells):
        # The metric reads left to right; numbers line up on the right.
        metric, *figures = line
        padded = [metric.ljust(widths[0])]
        padded += [cell.rjust(w) for cell, w in zip(figures, widths[1:], strict=True)]
        print(" | ".join(padded), file=out)
        if n == 0:
            print("-+-".join("-" * w for w in widths), file=out)


def write_json(path, results, rows):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        json.dump({"summary": rows, **results}, out, indent=2, sort_keys=True)
        out.write("\n")
