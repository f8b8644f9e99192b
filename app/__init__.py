"""A stand-alone registry of CSI volumes that speaks Nomad's volume HTTP API."""

import logging

from flask import Flask
from flask import g
from flask import request

from app import db
from app import indexes
from app.acl import resolve as acl_resolve
from app.config import INSTANCE_PATH
from app.config import load_config
from app.errors import register_error_handlers
from app.http_input import register_url_checks
from app.request_log import register_request_log


def create_app(config=None):
    """Build the app; ``config`` overrides what the environment says."""
    app = Flask(__name__, instance_path=INSTANCE_PATH)
    app.config.update(load_config())
    if config:
        app.config.update(config)

    register_logging(app)
    db.init_app(app)
    acl_resolve.init_app(app)
    register_error_handlers(app)
    register_blueprints(app)
    register_url_checks(app)
    register_nomad_headers(app)
    register_request_log(app)
    return app


def register_logging(app):
    # Plain lines to stderr, which gunicorn and every process manager
    # collect, configured once for the app's loggers ("app.*" and Flask's).
    root = logging.getLogger("app")
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])


def register_blueprints(app):
    from app.acl.views import bp as acl
    from app.namespaces.views import bp as namespaces
    from app.plugins.views import bp as plugins
    from app.volumes.views import bp as volumes

    app.register_blueprint(volumes)
    app.register_blueprint(namespaces)
    app.register_blueprint(plugins)
    app.register_blueprint(acl)


def register_nomad_headers(app):
    @app.after_request
    def _nomad_headers(response):
        # Nomad's clients stop reading these at the first one missing, so
        # every answer under /v1/ carries all three, errors included.
        if not request.path.startswith("/v1/"):
            return response
        index = g.get("index")
        if index is None:
            try:
                index = indexes.current()
            except Exception:  # the database itself failed; the 500 says so
                return response
        response.headers["X-Nomad-Index"] = str(index)
        response.headers["X-Nomad-KnownLeader"] = "true"
        response.headers["X-Nomad-LastContact"] = "0"
        return response
