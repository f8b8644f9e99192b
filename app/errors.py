"""Errors the views raise, and the one place that turns them into responses.

Messages keep Nomad's wording where Nomad has one, because people search for
it; status codes follow SPEC §1 rather than Nomad's blanket 500.
"""

from flask import current_app
from flask import request
from werkzeug.exceptions import HTTPException

from app.encoding import dumps


class ApiError(Exception):
    status = 500

    def __init__(self, message, status=None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class BadRequest(ApiError):
    status = 400


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    status = 404


class Conflict(ApiError):
    status = 409


def wants_json():
    return "application/json" in request.headers.get("Accept", "")


def error_response(message, status):
    if wants_json():
        body = dumps({"Error": message, "StatusCode": status})
        mimetype = "application/json"
    else:
        body = message
        mimetype = "text/plain"
    response = current_app.response_class(body, status=status, mimetype=mimetype)
    if mimetype == "text/plain":
        response.headers["Content-Type"] = "text/plain; charset=utf-8"
    return response


HTTP_MESSAGES = {
    404: "resource not found",
    405: "Invalid method",
}


def register_error_handlers(app):
    @app.errorhandler(ApiError)
    def _api_error(error):
        return error_response(error.message, error.status)

    @app.errorhandler(HTTPException)
    def _http_error(error):
        if error.code == 413:
            limit = current_app.config["MAX_CONTENT_LENGTH"]
            message = f"Request body too large: the limit is {limit} bytes"
        else:
            message = HTTP_MESSAGES.get(error.code, error.description)
        return error_response(message, error.code)

    @app.errorhandler(Exception)
    def _fault(error):
        # The traceback goes to the log; the body says nothing internal.
        current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response("Internal server error", 500)
