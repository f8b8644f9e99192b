"""Nomad ACL policy rules: reading them, and answering what a set of them allows.

The words, capabilities and precedence follow Nomad's ``acl/policy.go`` and
``acl/acl.go`` (SPEC §4). Only the ``namespace`` and ``plugin`` blocks grant
anything here; Nomad's other blocks are checked and then ignored, so a policy
written for a Nomad cluster can be stored unchanged.
"""

import json
import re
from dataclasses import dataclass

import hcl2
from lark.exceptions import LarkError

_READ = frozenset(
    "list-jobs parse-job read-job csi-list-volume csi-read-volume read-job-scaling"
    " list-scaling-policies read-scaling-policy host-volume-read".split()
)
_WRITE = _READ | frozenset(
    "scale-job submit-job dispatch-job read-logs read-fs alloc-exec alloc-lifecycle"
    " csi-mount-volume csi-write-volume submit-recommendation"
    " host-volume-create".split()
)
_SCALE = frozenset(
    "list-scaling-policies read-scaling-policy read-job-scaling scale-job read-job"
    " submit-recommendation".split()
)

#: What each namespace ``policy`` word stands for. ``list`` is not one of them:
#: Nomad accepts it only in the plugin block.
POLICY_WORDS = {
    "deny": frozenset({"deny"}),
    "read": _READ,
    "write": _WRITE,
    "scale": _SCALE,
}

#: Every capability Nomad accepts in a namespace block, including those that
#: mean nothing to a volume registry, so that Nomad's policies still parse.
CAPABILITIES = _WRITE | frozenset(
    "deny alloc-node-exec sentinel-override csi-register-plugin host-volume-register"
    " host-volume-write host-volume-delete register-job revert-job deregister-job"
    " purge-job evaluate-job plan-job tag-job-version stable-job fail-deployment"
    " pause-deployment promote-deployment unblock-deployment cancel-deployment"
    " set-alloc-health-deployment gc-allocation pause-allocation force-periodic-job"
    " delete-service-registration".split()
)

# Nomad lets the broader host-volume capabilities imply the narrower ones;
# applied in this order, each step also expands what the one before added.
_IMPLIED = {
    "host-volume-write": {"host-volume-register", "host-volume-delete"},
    "host-volume-register": {"host-volume-create"},
    "host-volume-create": {"host-volume-read"},
}

# Weakest first; deny sits above write because it overrides everything.
_PLUGIN_RANK = {None: 0, "list": 1, "read": 2, "write": 3, "deny": 4}
_PLUGIN_WORDS = ("deny", "list", "read", "write")
_OTHER_BLOCKS = {"agent", "node", "operator", "quota"}
_OTHER_LABELLED_BLOCKS = {"host_volume", "node_pool"}
_NAME = re.compile(r"[a-zA-Z0-9*-]{1,128}")
_HCL_OPTIONS = hcl2.SerializationOptions(with_comments=False)


class PolicyError(ValueError):
    """A policy's rules cannot be used; ``str(error)`` names what is wrong."""


@dataclass(frozen=True)
class Rules:
    """One policy's rules, validated and with its policy words expanded.

    ``namespaces`` maps a namespace name or glob to the capabilities granted
    there (``deny`` stays in the set; :class:`Grants` applies it). ``plugin``
    is the plugin block's word, or ``None`` when there is no plugin block.
    """

    namespaces: dict
    plugin: str | None = None


def parse_rules(text):
    """Parse policy rules written in HCL, as Nomad's docs show them, or in JSON.

    Raises :class:`PolicyError` for text that does not parse, a policy without
    rules, and any block, key, name, policy word or capability Nomad would
    refuse (plus ``write`` in the plugin block, which this registry adds).
    """
    try:
        document = _load(text)
    except RecursionError:
        raise PolicyError("Invalid policy: nested too deeply") from None
    if not document:
        raise PolicyError("Invalid policy: no rules")

    namespaces = {}
    plugin = None
    for kind, value in document.items():
        if kind == "namespace":
            for name, body in _labelled_blocks(kind, value):
                granted = _namespace_capabilities(name, body)
                namespaces[name] = namespaces.get(name, frozenset()) | granted
        elif kind == "plugin":
            body = _only_block(kind, value)
            _check_keys(body, {"policy"}, "the plugin block")
            plugin = _check_word(kind, body, _PLUGIN_WORDS)
        elif kind in _OTHER_BLOCKS:
            # An operator block may hold capabilities instead of a word.
            body = _only_block(kind, value)
            _check_word(kind, body, POLICY_WORDS, required=kind != "operator")
        elif kind in _OTHER_LABELLED_BLOCKS:
            for _name, body in _labelled_blocks(kind, value):
                _check_word(kind, body, POLICY_WORDS, required=False)
        else:
            raise PolicyError(f"Invalid policy block '{kind}'")

    return Rules(namespaces, plugin)


def _load(text):
    # HCL 1, which Nomad uses, also reads JSON; python-hcl2 does not, and no
    # HCL policy can start with a brace.
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except ValueError as error:
            raise PolicyError(f"Failed to parse ACL policy: {error}") from None

    try:
        tree = hcl2.loads(text, serialization_options=_HCL_OPTIONS)
    except LarkError as error:
        # Lark appends a long list of the tokens it expected; the first line
        # already says what and where.
        message = str(error).strip().splitlines()[0]
        raise PolicyError(f"Failed to parse ACL policy: {message}") from None

    return _from_hcl(tree)


def _from_hcl(node):
    # python-hcl2 keeps the quotes of string literals (and of block labels),
    # which is what tells a literal from an expression such as a bare `read`.
    if isinstance(node, dict):
        return {_unquote(key, key): _from_hcl(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_from_hcl(item) for item in node]
    if isinstance(node, str):
        return _unquote(node, None)
    return node


def _unquote(text, otherwise):
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    if otherwise is None:
        raise PolicyError(f"Invalid value '{text}': expected a quoted string")
    return otherwise


def _labelled_blocks(kind, value):
    # HCL gives [{label: body}, ...]; JSON gives {label: body} or a list of
    # those, and a body may itself be a list when a label repeats.
    for entry in value if isinstance(value, list) else [value]:
        if not isinstance(entry, dict) or "__is_block__" in entry:
            raise PolicyError(f"Invalid {kind} block: it needs a name")
        for name, bodies in entry.items():
            for body in bodies if isinstance(bodies, list) else [bodies]:
                if not isinstance(body, dict):
                    raise PolicyError(f"Invalid {kind} block '{name}'")
                yield name, body


def _only_block(kind, value):
    bodies = value if isinstance(value, list) else [value]
    if len(bodies) != 1 or not isinstance(bodies[0], dict):
        raise PolicyError(f"Invalid or duplicate {kind} block")
    return bodies[0]


def _check_keys(body, allowed, where):
    # Nomad ignores unknown keys inside a block; refusing them here catches a
    # misspelt `capabilities` before it silently grants nothing.
    for key in body:
        if key not in allowed and key != "__is_block__":
            raise PolicyError(f"Invalid key '{key}' in {where}")


def _check_word(kind, body, words, required=True):
    word = body.get("policy")
    if word is None:
        if required:
            raise PolicyError(f"Invalid {kind} policy: no policy given")
        return None
    if not isinstance(word, str) or word not in words:
        raise PolicyError(f"Invalid {kind} policy '{word}'")
    return word


def _namespace_capabilities(name, body):
    if not _NAME.fullmatch(name):
        raise PolicyError(f"Invalid namespace name '{name}'")

    _check_keys(body, {"policy", "capabilities", "variables"}, f"namespace '{name}'")

    capabilities = body.get("capabilities", [])
    if not isinstance(capabilities, list):
        raise PolicyError(f"Invalid capabilities in namespace '{name}': not a list")
    for capability in capabilities:
        if not isinstance(capability, str) or capability not in CAPABILITIES:
            raise PolicyError(f"Invalid namespace capability '{capability}' in namespace '{name}'")

    granted = set(capabilities)
    # Like Nomad, an empty policy word is the same as none.
    if body.get("policy") not in (None, ""):
        granted |= POLICY_WORDS[_check_word("namespace", body, POLICY_WORDS)]
    for capability, implied in _IMPLIED.items():
        if capability in granted:
            granted |= implied

    return frozenset(granted)


class Grants:
    """What a token may do: the union of its policies' :class:`Rules`."""

    def __init__(self, namespaces, plugin):
        self._exact = {k: v for k, v in namespaces.items() if "*" not in k}
        # Sorted like the radix tree Nomad walks, which decides its ties.
        self._globs = [
            (k, _glob_regex(k), len(k) - k.count("*"), namespaces[k])
            for k in sorted(namespaces)
            if "*" in k
        ]
        self._plugin = plugin

    @classmethod
    def merge(cls, rules_list):
        """Combine policies: capabilities for the same name or glob add up,
        except that ``deny`` in any of them leaves that key with nothing; the
        plugin word is the strongest one given, with deny above all.
        """
        namespaces = {}
        plugin = None
        for rules in rules_list:
            for key, granted in rules.namespaces.items():
                namespaces[key] = namespaces.get(key, frozenset()) | granted
            plugin = max(plugin, rules.plugin, key=_PLUGIN_RANK.__getitem__)

        denied = {k: frozenset() for k, v in namespaces.items() if "deny" in v}
        return cls(namespaces | denied, plugin)

    def capabilities(self, namespace):
        """The capabilities held in ``namespace``.

        A key naming it exactly wins over every glob, even when that key is
        denied or empty; otherwise the matching glob with the most literal
        characters wins, and on a tie the last in sort order, as in Nomad.
        ``"*"`` is not special here: it is matched against the globs like a name.
        """
        if namespace in self._exact:
            return self._exact[namespace]

        best = None
        for _glob, regex, literal, granted in self._globs:
            if regex.fullmatch(namespace) and (best is None or literal >= best[0]):
                best = (literal, granted)

        return best[1] if best else frozenset()

    def allows(self, namespace, any_of):
        """Whether any one of the capabilities ``any_of`` is held in ``namespace``."""
        if isinstance(any_of, str):
            any_of = (any_of,)
        return not self.capabilities(namespace).isdisjoint(any_of)

    def allows_plugin(self, level):
        """Whether the plugin rule grants ``level`` (``list``, ``read`` or ``write``);
        a stronger word includes the weaker ones, and deny grants none.
        """
        if level not in ("list", "read", "write"):
            raise ValueError(f"unknown plugin level {level!r}")
        if self._plugin in (None, "deny"):
            return False
        return _PLUGIN_RANK[self._plugin] >= _PLUGIN_RANK[level]


def _glob_regex(pattern):
    # Nomad's glob has one wildcard, `*`, matching any run of characters.
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))
