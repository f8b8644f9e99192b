"""The real service under gunicorn: parallel writers and a crash."""

import json
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.conftest import volume
from tests.servers import Gunicorn


def put_volume(url, vid, **fields):
    body = json.dumps({"Volumes": [volume(vid, **fields)]})
    # A new connection each time, so that requests spread over the workers.
    return requests.put(
        f"{url}/v1/volume/csi/{vid}", data=body, timeout=30, headers={"Connection": "close"}
    )


def test_parallel_registers_of_one_id_give_one_200_and_409s(db_url, tmp_path):
    log = tmp_path / "gunicorn.log"
    with Gunicorn(db_url, workers=4, log_path=log) as server, ThreadPoolExecutor(16) as pool:
        for round_ in range(5):
            # Each sender asks for a different ExternalID, so only the first
            # register can win; every later one changes an immutable field.
            futures = [
                pool.submit(put_volume, server.url, f"race-{round_}", ExternalID=f"e{n}")
                for n in range(16)
            ]
            statuses = sorted(f.result().status_code for f in futures)
            assert statuses == [200] + [409] * 15, statuses

    text = log.read_text()
    assert "database is locked" not in text and "Traceback" not in text


def test_acknowledged_volume_survives_sigkill(db_url, tmp_path):
    server = Gunicorn(db_url, workers=2, log_path=tmp_path / "gunicorn.log").start()
    try:
        acknowledged = [
            vid
            for vid in (f"durable-{n}" for n in range(20))
            if put_volume(server.url, vid).status_code == 200
        ]
    finally:
        server.kill()
    assert len(acknowledged) == 20

    with Gunicorn(db_url, workers=1, log_path=tmp_path / "gunicorn2.log") as restarted:
        stubs = requests.get(restarted.url + "/v1/volumes?type=csi", timeout=10).json()
    assert sorted(s["ID"] for s in stubs) == sorted(acknowledged)
