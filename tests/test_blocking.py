"""Blocking queries (SPEC §5)."""

import json
import threading
import time

import pytest
import requests

from app.blocking import parse_go_duration
from tests.conftest import register
from tests.conftest import volume
from tests.servers import Gunicorn


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("0", 0),
        ("300ms", 0.3),
        ("10s", 10),
        ("5m", 300),
        ("1m30s", 90),
        ("1h", 3600),
        ("1.5s", 1.5),
        ("-5s", -5),
        ("+2s", 2),
        ("100us", 1e-4),
        ("100µs", 1e-4),
        ("7ns", 7e-9),
    ],
)
def test_go_durations(text, seconds):
    assert parse_go_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["10", "s", "1x", "1.s.", "", "1 s", "s1", "--1s", "1s2"])
def test_not_go_durations(text):
    with pytest.raises(ValueError):
        parse_go_duration(text)


@pytest.mark.parametrize(
    "query, message",
    [
        ("index=abc", "Invalid index"),
        ("index=-1", "Invalid index"),
        ("index=1.5", "Invalid index"),
        ("index=1&wait=10", "Invalid wait time"),
        ("index=1&wait=soon", "Invalid wait time"),
        ("wait=5x", "Invalid wait time"),
    ],
)
@pytest.mark.parametrize(
    "path", ["/v1/volumes?type=csi&", "/v1/volume/csi/vol1?", "/v1/namespaces?"]
)
def test_bad_index_and_wait_are_400(client, path, query, message):
    register(client, volume("vol1"))

    response = client.get(path + query)

    assert (response.status_code, response.get_data(as_text=True)) == (400, message)


@pytest.mark.parametrize(
    "query, low, high",
    [
        ("index=5&wait=10s", 10, 10 * 17 / 16),
        ("index=5&wait=1000ms", 1, 17 / 16),
        ("index=5&wait=10m", 300, 300 * 17 / 16),  # capped at 5 minutes, as in Nomad
        ("index=5", 300, 300 * 17 / 16),  # the default wait
        ("index=5&wait=0", 300, 300 * 17 / 16),
        ("index=5&wait=-5s", 300, 300 * 17 / 16),
    ],
)
def test_wait_is_capped_and_jittered_by_up_to_a_sixteenth(app, query, low, high):
    from app.blocking import wait_parameters

    with app.test_request_context("/v1/volumes?" + query):
        timeouts = [wait_parameters()[1] for _ in range(200)]

    assert all(low <= t < high for t in timeouts)
    assert max(timeouts) > low + (high - low) / 2  # the jitter is really there


def test_index_zero_and_a_past_index_answer_at_once(client):
    index = register(client, volume("vol1")).get_json()["Index"]
    started = time.monotonic()

    for query in ("index=0&wait=5s", f"index={index - 1}&wait=5s", "wait=5s"):
        assert client.get("/v1/volumes?type=csi&" + query).status_code == 200
        assert client.get("/v1/volume/csi/vol1?" + query).status_code == 200

    assert time.monotonic() - started < 2


def test_wait_that_times_out_returns_the_same_index_after_the_wait(client):
    index = register(client, volume("vol1")).get_json()["Index"]

    started = time.monotonic()
    response = client.get(f"/v1/volumes?type=csi&index={index}&wait=400ms")
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert int(response.headers["X-Nomad-Index"]) == index
    assert 0.4 <= elapsed < 0.4 * (1 + 1 / 16) + 0.3


def held(url, result, **kw):
    started = time.monotonic()
    response = requests.get(url, timeout=30, **kw)
    result.update(
        status=response.status_code,
        elapsed=time.monotonic() - started,
        index=int(response.headers["X-Nomad-Index"]),
        body=response.text,
    )


def hold(url, count=None, **kw):
    """Start blocking GETs of ``url`` in threads: one, or a list of ``count``."""
    pairs = []
    for _ in range(count or 1):
        result = {}
        thread = threading.Thread(target=held, args=(url, result), kwargs=kw)
        thread.start()
        pairs.append((thread, result))
    time.sleep(0.3)  # let them reach the wait
    return pairs if count else pairs[0]


def put(url, vid, **fields):
    body = json.dumps({"Volumes": [volume(vid, **fields)]})
    response = requests.put(f"{url}/v1/volume/csi/{vid}", data=body, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["Index"]


@pytest.fixture
def two_servers(db_url, tmp_path):
    """Two gunicorn masters on one database: their workers are surely different processes."""
    with (
        Gunicorn(db_url, workers=1, log_path=tmp_path / "a.log") as a,
        Gunicorn(db_url, workers=1, log_path=tmp_path / "b.log") as b,
    ):
        yield a.url, b.url


def test_write_in_one_process_wakes_a_watcher_in_another(two_servers):
    a, b = two_servers
    index = put(b, "vol1")

    list_thread, listed = hold(f"{a}/v1/volumes?type=csi&index={index}&wait=20s")
    one_thread, one = hold(f"{a}/v1/volume/csi/vol1?index={index}&wait=20s")
    written_at = time.monotonic()
    new_index = put(b, "vol1", Capacity=10)
    list_thread.join()
    one_thread.join()

    for result in (listed, one):
        assert result["status"] == 200
        assert result["index"] == new_index > index
        assert result["elapsed"] >= 0.3  # it was held until the write
    assert time.monotonic() - written_at < 1.0
    assert json.loads(one["body"])["Capacity"] == 10


def test_read_of_one_volume_ignores_unrelated_writes(two_servers):
    a, b = two_servers
    index = put(b, "vol1")

    thread, result = hold(f"{a}/v1/volume/csi/vol1?index={index}&wait=1500ms")
    put(b, "other")
    thread.join()

    assert result["status"] == 200
    assert result["index"] == index
    assert result["elapsed"] >= 1.5


def test_blocked_read_of_a_deleted_volume_answers_404(two_servers):
    a, b = two_servers
    index = put(b, "vol1")

    thread, result = hold(f"{a}/v1/volume/csi/vol1?index={index}&wait=20s")
    deleted_at = time.monotonic()
    assert requests.delete(f"{b}/v1/volume/csi/vol1", timeout=10).status_code == 200
    thread.join()

    assert (result["status"], result["body"]) == (404, "volume not found")
    assert time.monotonic() - deleted_at < 1.0


def test_namespace_list_wakes_on_a_new_namespace(two_servers):
    a, b = two_servers
    index = int(requests.get(f"{a}/v1/namespaces", timeout=10).headers["X-Nomad-Index"])

    thread, result = hold(f"{a}/v1/namespaces?index={index}&wait=20s")
    requests.put(f"{b}/v1/namespace/dev", data='{"Name": "dev"}', timeout=10)
    thread.join()

    assert [ns["Name"] for ns in json.loads(result["body"])] == ["default", "dev"]
    assert result["elapsed"] < 2


def test_held_queries_do_not_hold_database_connections(db_url, tmp_path):
    """Twenty watchers on a pool of four connections: reads and writes still pass."""
    if not db_url.startswith("postgres"):
        pytest.skip("SQLite's pool has no bound to exhaust")
    small_pool = db_url + "?max_connections=4&timeout=2"
    with Gunicorn(small_pool, workers=1, log_path=tmp_path / "g.log") as server:
        index = put(server.url, "vol1")
        held = hold(f"{server.url}/v1/volume/csi/vol1?index={index}&wait=20s", count=20)

        assert requests.get(f"{server.url}/v1/volumes?type=csi", timeout=5).status_code == 200
        new_index = put(server.url, "vol1", Capacity=1)
        for thread, _ in held:
            thread.join()

    assert {result["index"] for _, result in held} == {new_index}
