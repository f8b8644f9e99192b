"""A bare Flask endpoint that answers with one captured response of the service.

The baseline of the GET benchmark: served by the same gunicorn settings as
the service, it costs what any Flask app costs (routing, a response object,
gunicorn's HTTP handling) and none of what the service adds (the token
check, the query, the JSON encoding). BENCH_BARE_RESPONSE names a JSON file
``{"body": <text>, "headers": [[name, value], ...]}``.
"""

import json
import os

from flask import Flask


def create_app(captured_path):
    with open(captured_path, encoding="utf-8") as captured_file:
        captured = json.load(captured_file)
    body = captured["body"].encode("utf-8")
    headers = [tuple(pair) for pair in captured["headers"]]

    app = Flask(__name__)

    @app.get("/v1/volume/csi/<volume_id>")
    def read_volume(volume_id):
        return app.response_class(body, status=200, headers=headers)

    return app


app = create_app(os.environ["BENCH_BARE_RESPONSE"])
