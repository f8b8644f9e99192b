"""Which ACL applies to the current request."""

from flask import current_app


class AllowAll:
    """The ACL when ACL_ENABLED is false: every check passes."""

    is_management = True

    def require_management(self):
        pass

    def require_namespace(self, namespace, capabilities):
        pass

    def require_some_namespace(self, capabilities):
        return None  # every namespace

    def require_plugin(self, level):
        pass

    def can_see(self, namespace):
        return True


ALLOW_ALL = AllowAll()


def current_acl():
    if not current_app.config["ACL_ENABLED"]:
        return ALLOW_ALL
    return ALLOW_ALL
