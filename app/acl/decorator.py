"""The one decorator that states, and checks, what a view needs (SPEC §4)."""

import functools

from flask import g

from app.acl.resolve import current_acl
from app.http_input import query_namespace


def requires(*capabilities, plugin=None, management=False, namespaces=None):
    """Refuse the call unless the token may do it.

    ``capabilities``: the token needs any one of them in every namespace the
    call touches. ``namespaces`` returns those namespaces (default: the
    query's); a write passes a function that reads them from the body, so that
    each volume is checked against the namespace it is written to. ``"*"``
    among them stands for every namespace the token can use these
    capabilities in; the view finds that set in ``g.visible_namespaces``.
    ``plugin``: the plugin rule needed too (``list``, ``read``, ``write``).
    ``management``: only a management token may call.

    Raises Forbidden; the views behind it can assume the check was made.
    """

    def decorate(view):
        @functools.wraps(view)
        def checked(*args, **kwargs):
            acl = current_acl()
            g.acl = acl
            if management:
                acl.require_management()
            if capabilities:
                if namespaces:
                    # Refuse a token that may do this nowhere before reading
                    # (and validating) a body of up to a megabyte for it.
                    acl.require_some_namespace(capabilities)
                touched = namespaces() if namespaces else [query_namespace()]
                for namespace in touched:
                    if namespace == "*":
                        g.visible_namespaces = acl.require_some_namespace(capabilities)
                    else:
                        acl.require_namespace(namespace, capabilities)
            if plugin:
                acl.require_plugin(plugin)
            return view(*args, **kwargs)

        checked.requirement = {
            "capabilities": capabilities,
            "plugin": plugin,
            "management": management,
        }
        return checked

    return decorate
