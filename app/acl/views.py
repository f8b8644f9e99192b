"""Nomad's ACL endpoints: bootstrap, policies and tokens (SPEC §4)."""

import uuid

from flask import Blueprint
from flask import current_app
from flask import g

from app import indexes
from app.acl.decorator import requires
from app.acl.policy import PolicyError
from app.acl.policy import parse_rules
from app.acl.schemas import BootstrapSchema
from app.acl.schemas import PolicySchema
from app.acl.schemas import TokenSchema
from app.acl.tokens import digest
from app.acl.tokens import new_secret
from app.acl.tokens import token_body
from app.db import now_ns
from app.db import write_transaction
from app.encoding import empty_response
from app.encoding import json_response
from app.errors import BadRequest
from app.errors import Conflict
from app.errors import NotFound
from app.http_input import json_body
from app.http_input import raw_body
from app.models import AclPolicy
from app.models import AclToken
from app.models import IndexRow
from app.schemas import load_or_400

bp = Blueprint("acl", __name__, url_prefix="/v1/acl")

ANONYMOUS_TOKEN = {
    "AccessorID": "anonymous",
    "Name": "Anonymous Token",
    "Type": "client",
    "Policies": ["anonymous"],
    "Roles": None,
    "Global": False,
    "CreateTime": None,
    "ExpirationTime": None,
    "CreateIndex": 0,
    "ModifyIndex": 0,
}


@bp.before_request
def _acl_must_be_enabled():
    if not current_app.config["ACL_ENABLED"]:
        raise BadRequest("ACL support disabled")


def _optional_body():
    return json_body() if raw_body().strip() else {}


@bp.post("/bootstrap")
@requires()
def bootstrap():
    data = load_or_400(BootstrapSchema(), _optional_body())
    secret = data.get("bootstrap_secret") or new_secret()
    with write_transaction():
        if IndexRow.get_or_none(IndexRow.name == indexes.ACL_BOOTSTRAP) is not None:
            raise BadRequest("ACL bootstrap already done")
        index = indexes.advance(indexes.ACL)
        IndexRow.create(name=indexes.ACL_BOOTSTRAP, value=index)
        token = _create_token("Bootstrap Token", "management", [], secret, index)
    g.index = index
    return json_response(token_body(token, secret))


# Policies


def policy_body(policy, stub=False):
    body = {
        "Name": policy.name,
        "Description": policy.description,
        "CreateIndex": policy.create_index,
        "ModifyIndex": policy.modify_index,
    }
    if not stub:
        body["Rules"] = policy.rules
    return body


@bp.get("/policies")
@requires(management=True)
def list_policies():
    g.index = indexes.current(indexes.ACL)
    policies = AclPolicy.select().order_by(AclPolicy.name)
    return json_response([policy_body(p, stub=True) for p in policies])


@bp.get("/policy/<name>")
@requires(management=True)
def read_policy(name):
    g.index = indexes.current(indexes.ACL)
    return json_response(policy_body(_policy_or_404(name)))


@bp.route("/policy/<name>", methods=["PUT", "POST"])
@requires(management=True)
def write_policy(name):
    data = load_or_400(PolicySchema(), json_body())
    if data.get("name") and data["name"] != name:
        raise BadRequest(
            f"policy name {data['name']!r} in the body does not match {name!r} in the path"
        )
    load_or_400(PolicySchema(), {"Name": name})
    rules = data.get("rules") or ""
    try:
        parse_rules(rules)
    except PolicyError as error:
        raise BadRequest(str(error)) from None

    description = data.get("description") or ""
    with write_transaction():
        policy = AclPolicy.get_or_none(AclPolicy.name == name)
        if policy is not None and (policy.rules, policy.description) == (rules, description):
            g.index = policy.modify_index
            return empty_response()
        index = indexes.advance(indexes.ACL)
        if policy is None:
            AclPolicy.create(
                name=name,
                description=description,
                rules=rules,
                create_index=index,
                modify_index=index,
            )
        else:
            policy.rules, policy.description, policy.modify_index = rules, description, index
            policy.save()
    g.index = index
    return empty_response()


@bp.delete("/policy/<name>")
@requires(management=True)
def delete_policy(name):
    with write_transaction():
        _policy_or_404(name).delete_instance()
        g.index = indexes.advance(indexes.ACL)
    return empty_response()


def _policy_or_404(name):
    policy = AclPolicy.get_or_none(AclPolicy.name == name)
    if policy is None:
        raise NotFound("ACL policy not found")
    return policy


# Tokens


@bp.get("/tokens")
@requires(management=True)
def list_tokens():
    g.index = indexes.current(indexes.ACL)
    tokens = AclToken.select().order_by(AclToken.create_index, AclToken.accessor_id)
    return json_response([token_body(t) for t in tokens])


@bp.get("/token/self")
@requires()
def read_own_token():
    g.index = indexes.current(indexes.ACL)
    if g.acl.token is None:
        # No token: the caller acts as Nomad's built-in anonymous token.
        return json_response(ANONYMOUS_TOKEN)
    return json_response(token_body(g.acl.token))


@bp.get("/token/<accessor_id>")
@requires(management=True)
def read_token(accessor_id):
    g.index = indexes.current(indexes.ACL)
    return json_response(token_body(_token_or_404(accessor_id)))


@bp.post("/token")
@requires(management=True)
def create_token():
    data = load_or_400(TokenSchema(), json_body())
    kind, policies = _checked_kind_and_policies(data)
    secret = new_secret()
    with write_transaction():
        _require_policies_exist(policies)
        index = indexes.advance(indexes.ACL)
        token = _create_token(data.get("name") or "", kind, policies, secret, index)
    g.index = index
    return json_response(token_body(token, secret))


@bp.post("/token/<accessor_id>")
@requires(management=True)
def update_token(accessor_id):
    data = load_or_400(TokenSchema(), json_body())
    if data.get("accessor_id") and data["accessor_id"] != accessor_id:
        raise BadRequest("AccessorID in the body does not match the path")
    with write_transaction():
        token = _token_or_404(accessor_id)
        # Fields left out keep their values.
        data.setdefault("type", token.type)
        if data.get("policies") is None:
            data["policies"] = token.policies
        kind, policies = _checked_kind_and_policies(data)
        if kind != token.type:
            raise BadRequest("cannot change the type of a token")
        _require_policies_exist(policies)
        token.name = data.get("name") if data.get("name") is not None else token.name
        token.policies = policies
        token.modify_index = g.index = indexes.advance(indexes.ACL)
        token.save()
    return json_response(token_body(token))


@bp.delete("/token/<accessor_id>")
@requires(management=True)
def delete_token(accessor_id):
    with write_transaction():
        token = _token_or_404(accessor_id)
        managers = AclToken.select().where(AclToken.type == "management").count()
        if token.type == "management" and managers == 1:
            # Bootstrap works once: without a management token nobody could
            # ever change a policy or a token again.
            raise Conflict("cannot delete the last management token")
        token.delete_instance()
        g.index = indexes.advance(indexes.ACL)
    return empty_response()


def _checked_kind_and_policies(data):
    kind = data.get("type") or "client"
    policies = sorted(set(data.get("policies") or []))
    if kind == "client" and not policies:
        raise BadRequest("client token missing policies")
    if kind == "management" and policies:
        raise BadRequest("management token cannot be associated with policies")
    return kind, policies


def _require_policies_exist(names):
    found = {p.name for p in AclPolicy.select(AclPolicy.name).where(AclPolicy.name.in_(names))}
    missing = [name for name in names if name not in found]
    if missing:
        raise BadRequest(f"cannot find policy {missing[0]}")


def _create_token(name, kind, policies, secret, index):
    return AclToken.create(
        accessor_id=str(uuid.uuid4()),
        secret_hash=digest(secret),
        name=name,
        type=kind,
        policies=policies,
        create_time=now_ns(),
        create_index=index,
        modify_index=index,
    )


def _token_or_404(accessor_id):
    token = AclToken.get_or_none(AclToken.accessor_id == accessor_id)
    if token is None:
        raise NotFound("ACL token not found")
    return token
