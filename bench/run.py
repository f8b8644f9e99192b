"""Benchmark of the registry under the Procfile's gunicorn, against baselines run beside it.

    .venv/bin/python bench/run.py            # the full run, about 2 minutes
    .venv/bin/python bench/run.py --quick    # a smoke run, under a minute

It starts the service itself (gunicorn.conf.py, WEB_CONCURRENCY=2, SQLite in
a temporary folder, ACLs on), measures (a) GET of one volume against a bare
Flask app, (b) the list of every volume against raw sqlite3, (c) registers
per second and (d) plain reads and wake-ups with many blocked watchers, then
prints a table and writes the figures to bench/results/latest.json. Every
process it starts is stopped by pid when it ends, on an error or Ctrl-C too.
"""

import argparse
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile

import get_one
import listing
import load
import payloads
import registers
import report
import watchers
from report import progress
from service import ROOT
from service import Client
from service import Servers
from service import bootstrap_acl
from service import migrate

# Each figure's default for the full run and for --quick.
PROFILES = {
    "full": {
        "volumes": 10_000, "duration": 10.0, "warmup": 2.0, "rounds": 3, "list_requests": 20,
        "registers": 3000, "register_seconds": 10.0, "watchers": 1000, "plain_reads": 2000,
        "wake_timeout": 20.0,
    },
    "quick": {
        "volumes": 1000, "duration": 3.0, "warmup": 1.0, "rounds": 1, "list_requests": 5,
        "registers": 100, "register_seconds": 3.0, "watchers": 100, "plain_reads": 300,
        "wake_timeout": 10.0,
    },
}  # fmt: skip


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--quick", action="store_true", help="small counts, for a smoke run")
    add("--parts", default="abcd", help="which measurements to run, e.g. 'ad' (default: abcd)")
    add("--volumes", type=int, help="volumes registered before (b) (10000)")
    add("--batch", type=int, default=250, help="volumes per bulk register request (250)")
    add("--duration", type=float, help="seconds of load per server in (a) (10)")
    add("--warmup", type=float, help="seconds of warm-up load before each (a) measurement (2)")
    add("--connections", type=int, default=32, help="keep-alive connections in (a) (32)")
    add("--rounds", type=int, help="service/bare rounds in (a), alternating; the median counts (3)")
    add(
        "--generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator for (a): wrk if on PATH, else Python",
    )
    add("--processes", type=int, default=2, help="processes of the Python load generator (2)")
    add("--wrk-threads", type=int, default=1, help="wrk threads (1)")
    add("--list-requests", type=int, help="sequential list requests in (b) (20)")
    add(
        "--registers",
        type=int,
        help="PUTs of the 1-client register run; twice that for the other (3000)",
    )
    add("--register-seconds", type=float, help="time limit of each register run (10)")
    add("--register-clients", type=int, default=8, help="concurrent register clients (8)")
    add("--watchers", type=int, help="blocked watchers in (d) (1000)")
    add("--plain-reads", type=int, help="plain reads in each (d) latency run (2000)")
    add("--plain-clients", type=int, default=4, help="concurrent plain readers in (d) (4)")
    add("--wake-timeout", type=float, help="seconds to wait for every watcher to answer (20)")
    add("--workers", type=int, default=2, help="WEB_CONCURRENCY of both servers (2, the cores)")
    add(
        "--threads", type=int, help="GUNICORN_THREADS of both servers (default: gunicorn.conf.py's)"
    )
    add(
        "--worker-class",
        help="gunicorn --worker-class for both servers (default: gunicorn.conf.py's)",
    )
    add(
        "--gunicorn-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="one more gunicorn command-line argument for both servers, e.g. "
        "--gunicorn-arg=--access-logfile=/dev/null (repeatable)",
    )
    add("--output", default=os.path.join(ROOT, "bench", "results", "latest.json"))
    args = parser.parse_args(argv)

    for name, value in PROFILES["quick" if args.quick else "full"].items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def gunicorn_overrides(args):
    """What the bench changes of the Procfile's configuration: nothing by default."""
    env = {"GUNICORN_THREADS": str(args.threads)} if args.threads else {}
    extra = ["--worker-class", args.worker_class] if args.worker_class else []
    return env, extra + args.gunicorn_arg


def raise_open_file_limit(needed):
    # Each watcher is a socket here and in the server (which inherits the limit).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def describe(args, generator, file_limit):
    env, extra = gunicorn_overrides(args)
    command = "gunicorn -c gunicorn.conf.py --bind 127.0.0.1:<port> " + " ".join(
        [*extra, "wsgi:app"]
    )
    return {
        "profile": "quick" if args.quick else "full",
        "gunicorn": command,
        "env": {"WEB_CONCURRENCY": str(args.workers), "ACL_ENABLED": "true", **env},
        "load_generator": generator,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "open_file_limit": file_limit,
        "commit": _git("rev-parse", "--short", "HEAD"),
        "uncommitted_app_changes": bool(_git("status", "--porcelain", "app", "migrations")),
    }


def _git(*words):
    done = subprocess.run(["git", *words], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def measure(args, work_dir):
    db_path = os.path.join(work_dir, "bench.db")
    database_url = f"sqlite:///{db_path}"  # an absolute path: four slashes
    progress(f"migrating {db_path}")
    migrate(database_url)

    env, extra = gunicorn_overrides(args)
    results = {}
    with Servers(work_dir, args.workers, env, extra) as servers:
        try:
            service = servers.start(
                "service", "wsgi:app", {"DATABASE_URL": database_url, "ACL_ENABLED": "true"}
            )
            progress(f"service up on port {service.port}, workers {service.worker_pids()}")
            management, reader = bootstrap_acl(service.port)
            ids = payloads.bulk_ids(args.volumes)
            results["bulk_register"] = listing.register_bulk(
                Client(service.port, management), args.volumes, args.batch
            )
            run_parts(args, servers, service, (management, reader), ids, db_path, results, work_dir)
        except Exception:
            for server in servers.running:
                _show_log_tail(server.log_path)
            raise
    return results


def run_parts(args, servers, service, tokens, ids, db_path, results, work_dir):
    # In this order: (b) lists exactly the bulk volumes, before (c) adds more.
    management, reader = tokens
    if "a" in args.parts:
        results["get_one"] = get_one.run(
            servers, service, reader, ids[len(ids) // 2], args, work_dir
        )
    if "b" in args.parts:
        results["list_data"] = listing.add_plugins_and_claims(Client(service.port, management), ids)
        results["list"] = listing.run(
            service.port, reader, db_path, len(ids), args.list_requests, 300
        )
    if "c" in args.parts:
        results["register"] = registers.run(service.port, management, args)
    if "d" in args.parts:
        # Volume number 1 carries topologies and a context.
        results["watchers"] = watchers.run(service, (reader, management), (ids[1], 1), args)


def _show_log_tail(path, lines=15):
    try:
        with open(path, encoding="utf-8", errors="replace") as log:
            tail = log.readlines()[-lines:]
    except OSError:
        return
    print(f"--- last lines of {path}:", *tail, sep="\n  ", file=sys.stderr)


def _stop_on_sigterm(signum, frame):
    # Unwinds like Ctrl-C does, so every server is stopped on the way out.
    raise SystemExit(128 + signum)


def main(argv=None):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    file_limit = raise_open_file_limit(args.watchers + 1024)
    generator = load.choose_generator(args.generator) if "a" in args.parts else None
    progress(f"bench: {'quick' if args.quick else 'full'} run; load generator for (a): {generator}")

    # Other work on the machine skews every figure: the load average before
    # the bench starts tells how much there was (later ones count the bench).
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="csi-bench-") as work_dir:
        results = measure(args, work_dir)
    config = describe(args, generator, file_limit)
    config["load_average_before"] = load_before
    results = {"config": config, **results}

    rows = report.summary(results)
    print()
    report.print_table(rows)
    report.write_json(args.output, results, rows)
    print(f"\nfigures written to {os.path.relpath(args.output, ROOT)}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted; every server the bench started is stopped", file=sys.stderr)
        sys.exit(130)
