"""Which ACL applies to the current request, and the per-process cache behind it.

Resolving a token costs two queries and a parse of its policies' rules, so
each worker process keeps what it resolved. Every write to policies or tokens
advances the ``acl`` index in the same transaction; each request reads that
one row and drops the cache when it moved, so a change made through one
worker is enforced by every other at its next request.
"""

import threading

from flask import current_app
from flask import g

from app import indexes
from app.acl.policy import Grants
from app.acl.policy import parse_rules
from app.acl.tokens import digest
from app.acl.tokens import find_by_secret
from app.acl.tokens import request_secret
from app.errors import Forbidden
from app.models import AclPolicy
from app.models import Namespace

ANONYMOUS_POLICY = "anonymous"
TOKEN_NOT_FOUND = "ACL token not found"
PERMISSION_DENIED = "Permission denied"
CACHE_LIMIT = 10_000


class AllowAll:
    """The ACL when ACL_ENABLED is false: every check passes."""

    is_management = True
    token = None

    def require_management(self):
        pass

    def require_namespace(self, namespace, capabilities):
        pass

    def require_some_namespace(self, capabilities):
        return None  # every namespace

    def namespaces_allowing(self, capabilities):
        return None

    def require_plugin(self, level):
        pass

    def can_see(self, namespace):
        return True


ALLOW_ALL = AllowAll()


class TokenACL:
    """What one token (or the anonymous caller) may do."""

    def __init__(self, token, grants):
        self.token = token
        self.grants = grants
        self.is_management = token is not None and token.type == "management"

    def require_management(self):
        if not self.is_management:
            raise Forbidden(PERMISSION_DENIED)

    def require_namespace(self, namespace, capabilities):
        if not self.is_management and not self.grants.allows(namespace, capabilities):
            raise Forbidden(PERMISSION_DENIED)

    def namespaces_allowing(self, capabilities):
        """The namespaces where any of ``capabilities`` is held (None: all)."""
        if self.is_management:
            return None
        names = [ns.name for ns in Namespace.select(Namespace.name).order_by(Namespace.name)]
        return [name for name in names if self.grants.allows(name, capabilities)]

    def require_some_namespace(self, capabilities):
        """Like ``namespaces_allowing``, but refuses a token that has none."""
        allowed = self.namespaces_allowing(capabilities)
        if allowed == []:
            raise Forbidden(PERMISSION_DENIED)
        return allowed

    def require_plugin(self, level):
        if not self.is_management and not self.grants.allows_plugin(level):
            raise Forbidden(PERMISSION_DENIED)

    def can_see(self, namespace):
        return self.is_management or bool(self.grants.capabilities(namespace))


# Cached for a secret that matches no token, so that a client retrying with
# a wrong secret costs no query until the tokens change.
UNKNOWN_TOKEN = object()


class AclCache:
    def __init__(self):
        self.lock = threading.Lock()
        self.index = None
        self.acls = {}
        self.rules = {}  # (policy name, modify index) -> parsed Rules

    def get(self, key, acl_index, resolve):
        with self.lock:
            if acl_index != self.index:
                self.index, self.acls = acl_index, {}
            acl = self.acls.get(key)
        if acl is None:
            acl = resolve()
            with self.lock:
                if self.index == acl_index and len(self.acls) < CACHE_LIMIT:
                    self.acls[key] = acl
        return acl

    def rules_of(self, policy):
        key = (policy.name, policy.modify_index)
        rules = self.rules.get(key)
        if rules is None:
            rules = self.rules[key] = parse_rules(policy.rules)
        return rules


def init_app(app):
    app.extensions["acl_cache"] = AclCache()


def current_acl():
    """The ACL of this request; raises Forbidden for an unknown token."""
    if not current_app.config["ACL_ENABLED"]:
        return ALLOW_ALL
    if "acl" in g:
        return g.acl

    secret = request_secret()
    cache = current_app.extensions["acl_cache"]
    key = digest(secret) if secret else None
    acl = cache.get(key, indexes.current(indexes.ACL), lambda: _resolve(secret, cache))
    if acl is UNKNOWN_TOKEN:
        raise Forbidden(TOKEN_NOT_FOUND)
    g.acl = acl
    return acl


def _resolve(secret, cache):
    if not secret:
        return TokenACL(None, _grants([ANONYMOUS_POLICY], cache))
    token = find_by_secret(secret)
    if token is None:
        return UNKNOWN_TOKEN
    return TokenACL(token, _grants(token.policies or [], cache))


def _grants(names, cache):
    # Policies a token names but that no longer exist are skipped, as in Nomad.
    policies = AclPolicy.select().where(AclPolicy.name.in_(names)) if names else []
    return Grants.merge([cache.rules_of(policy) for policy in policies])
