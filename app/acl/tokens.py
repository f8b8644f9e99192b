"""Token secrets: made at random, stored only as a digest, shown once."""

import datetime
import hashlib
import uuid

from flask import request

from app.models import AclToken


def new_secret():
    return str(uuid.uuid4())


def digest(secret):
    # The secrets are random UUIDs (122 bits), so a plain SHA-256 cannot be
    # searched backwards, and it is cheap enough to compute on every request.
    return hashlib.sha256(secret.encode()).hexdigest()


def request_secret():
    """The secret the request presents, or "" for none.

    From ``X-Nomad-Token``, else ``Authorization: Bearer``; never the query.
    """
    secret = request.headers.get("X-Nomad-Token", "").strip()
    if secret:
        return secret
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    return ""


def find_by_secret(secret):
    return AclToken.get_or_none(AclToken.secret_hash == digest(secret))


def rfc3339(ns):
    stamp = datetime.datetime.fromtimestamp(ns / 1e9, tz=datetime.UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ns % 1_000_000_000:09d}Z"


def token_body(token, secret=None):
    """Nomad's ACLToken shape. ``secret`` only in the answer that made it."""
    body = {
        "AccessorID": token.accessor_id,
        "Name": token.name,
        "Type": token.type,
        "Policies": token.policies or None,
        "Roles": None,
        "Global": False,
        "CreateTime": rfc3339(token.create_time),
        "ExpirationTime": None,
        "CreateIndex": token.create_index,
        "ModifyIndex": token.modify_index,
    }
    if secret is not None:
        body["SecretID"] = secret
    return body
