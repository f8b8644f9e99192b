"""Parsing and evaluating ACL policy rules (app/acl/policy.py, SPEC §4)."""

import pytest

from app.acl.policy import CAPABILITIES
from app.acl.policy import POLICY_WORDS
from app.acl.policy import Grants
from app.acl.policy import PolicyError
from app.acl.policy import Rules
from app.acl.policy import parse_rules

CSI = ("csi-list-volume", "csi-read-volume", "csi-mount-volume", "csi-write-volume")

# What each call needs in a namespace (SPEC §4), to check the words against.
LIST_VOLUMES = ("csi-list-volume", "csi-read-volume", "csi-mount-volume", "list-jobs")
READ_VOLUME = ("csi-read-volume", "csi-mount-volume", "read-job")


def grants(*texts):
    return Grants.merge([parse_rules(text) for text in texts])


def namespace(name, body):
    return f'namespace "{name}" {{\n  {body}\n}}\n'


def held(token, name):
    """The CSI capabilities ``token`` holds in namespace ``name``."""
    return {capability for capability in CSI if token.allows(name, capability)}


@pytest.mark.parametrize(
    ("word", "csi"),
    [
        ("deny", set()),
        ("read", {"csi-list-volume", "csi-read-volume"}),
        ("write", set(CSI)),
        ("scale", set()),
    ],
)
def test_policy_word_grants_csi_capabilities(word, csi):
    rules = parse_rules(namespace("default", f'policy = "{word}"'))
    token = Grants.merge([rules])

    assert held(token, "default") == csi
    assert token.capabilities("default") & set(CSI) == csi


@pytest.mark.parametrize(
    ("word", "can_list", "can_read"),
    [
        ("deny", False, False),
        ("read", True, True),
        ("write", True, True),
        # Current Nomad's scale word includes read-job, which lets a volume
        # be read but gives no list capability.
        ("scale", False, True),
    ],
)
def test_policy_word_against_the_calls(word, can_list, can_read):
    token = grants(namespace("default", f'policy = "{word}"'))

    assert token.allows("default", LIST_VOLUMES) is can_list
    assert token.allows("default", READ_VOLUME) is can_read


def test_policy_words_expand_to_nomads_lists():
    read = {
        "list-jobs",
        "parse-job",
        "read-job",
        "csi-list-volume",
        "csi-read-volume",
        "read-job-scaling",
        "list-scaling-policies",
        "read-scaling-policy",
        "host-volume-read",
    }
    write = read | {
        "scale-job",
        "submit-job",
        "dispatch-job",
        "read-logs",
        "read-fs",
        "alloc-exec",
        "alloc-lifecycle",
        "csi-mount-volume",
        "csi-write-volume",
        "submit-recommendation",
        "host-volume-create",
    }
    scale = {
        "list-scaling-policies",
        "read-scaling-policy",
        "read-job-scaling",
        "scale-job",
        "read-job",
        "submit-recommendation",
    }

    assert POLICY_WORDS == {
        "deny": {"deny"},
        "read": read,
        "write": write,
        "scale": scale,
    }
    assert set().union(*POLICY_WORDS.values()) <= CAPABILITIES


def test_register_plugin_is_in_no_policy_word():
    for word in POLICY_WORDS:
        assert "csi-register-plugin" not in POLICY_WORDS[word]

    rules = parse_rules(namespace("default", 'capabilities = ["csi-register-plugin"]'))
    assert rules.namespaces["default"] == {"csi-register-plugin"}


def test_policy_and_capabilities_in_one_block_add_up():
    rules = parse_rules(
        namespace(
            "default",
            'policy = "read"\n  capabilities = ["csi-mount-volume", "alloc-node-exec"]',
        )
    )

    assert rules.namespaces["default"] == POLICY_WORDS["read"] | {
        "csi-mount-volume",
        "alloc-node-exec",
    }


def test_host_volume_capabilities_imply_narrower_ones():
    rules = parse_rules(namespace("default", 'capabilities = ["host-volume-write"]'))

    assert rules.namespaces["default"] == {
        "host-volume-write",
        "host-volume-register",
        "host-volume-delete",
        "host-volume-create",
        "host-volume-read",
    }


def test_spec_example_parses_to_these_rules():
    rules = parse_rules(
        'namespace "default" { policy = "read" }\n'
        'namespace "dev-*" {\n'
        '  capabilities = ["csi-write-volume", "csi-read-volume"]\n'
        "}\n"
        'plugin { policy = "read" }\n'
    )

    assert rules == Rules(
        namespaces={
            "default": POLICY_WORDS["read"],
            "dev-*": frozenset({"csi-write-volume", "csi-read-volume"}),
        },
        plugin="read",
    )


HCL_AND_JSON = [
    (
        namespace("default", 'policy = "read"'),
        '{"namespace": {"default": {"policy": "read"}}}',
    ),
    (
        'namespace "default" {\n'
        '  policy = "read"\n'
        '  capabilities = ["csi-write-volume"]\n'
        "}\n"
        'namespace "prod-*" { policy = "write" }\n'
        'plugin { policy = "read" }\n',
        '{"namespace": {"default": {"policy": "read",'
        ' "capabilities": ["csi-write-volume"]},'
        ' "prod-*": {"policy": "write"}}, "plugin": {"policy": "read"}}',
    ),
    (
        'namespace "a" { policy = "deny" }\nnamespace "b" { policy = "scale" }\n',
        '{"namespace": [{"a": {"policy": "deny"}}, {"b": [{"policy": "scale"}]}]}',
    ),
    ('plugin { policy = "list" }', '{"plugin": [{"policy": "list"}]}'),
]


@pytest.mark.parametrize(("hcl", "json_text"), HCL_AND_JSON)
def test_hcl_and_json_give_equal_rules(hcl, json_text):
    from_hcl = parse_rules(hcl)

    assert from_hcl == parse_rules(json_text)
    assert from_hcl.namespaces or from_hcl.plugin


def test_comments_and_layout_do_not_matter():
    commented = (
        '# who may read\nnamespace "default" {\n  /* shorthand */ policy = "read" // and more\n}\n'
    )

    assert parse_rules(commented) == parse_rules(namespace("default", 'policy = "read"'))


def test_repeated_namespace_block_adds_up():
    rules = parse_rules(
        namespace("default", 'capabilities = ["csi-read-volume"]')
        + namespace("default", 'capabilities = ["csi-mount-volume"]')
    )

    assert rules.namespaces == {"default": {"csi-read-volume", "csi-mount-volume"}}


def test_nomads_other_blocks_are_accepted_and_grant_nothing():
    rules = parse_rules(
        'agent { policy = "read" }\n'
        'node { policy = "write" }\n'
        'operator { policy = "deny" }\n'
        'quota { policy = "read" }\n'
        'host_volume "shared-*" { policy = "write" }\n'
        'node_pool "gpu" { policy = "read" }\n'
        'namespace "default" {\n'
        '  variables { path "nomad/*" { capabilities = ["read"] } }\n'
        "}\n"
    )

    assert rules == Rules(namespaces={"default": frozenset()}, plugin=None)


@pytest.mark.parametrize(
    "texts",
    [
        (
            namespace("default", 'policy = "write"'),
            namespace("default", 'policy = "deny"'),
        ),
        (
            namespace("default", 'policy = "deny"'),
            namespace("default", 'policy = "write"'),
        ),
        (
            namespace("default", 'policy = "write"'),
            namespace("default", 'capabilities = ["deny"]'),
        ),
        (namespace("default", 'policy = "read"\n  capabilities = ["deny"]'),),
    ],
)
def test_deny_wins_across_policies(texts):
    token = grants(*texts)

    assert token.capabilities("default") == frozenset()
    assert not token.allows("default", CSI)


def test_deny_only_takes_its_own_key():
    token = grants(
        namespace("default", 'policy = "deny"'),
        namespace("other", 'policy = "read"'),
    )

    assert token.capabilities("default") == frozenset()
    assert token.allows("other", "csi-read-volume")


def test_capabilities_union_across_policies():
    token = grants(
        namespace("default", 'capabilities = ["csi-read-volume"]'),
        namespace("default", 'capabilities = ["csi-mount-volume"]'),
    )

    assert token.capabilities("default") == {"csi-read-volume", "csi-mount-volume"}


@pytest.mark.parametrize(
    ("exact_body", "csi"),
    [
        ('policy = "read"', {"csi-list-volume", "csi-read-volume"}),
        ('policy = "deny"', set()),
        # An empty block still names the namespace, so the glob is not used.
        ("", set()),
    ],
)
def test_exact_name_beats_glob(exact_body, csi):
    token = grants(
        namespace("dev-*", 'policy = "write"'),
        namespace("dev-api", exact_body),
    )

    assert held(token, "dev-api") == csi
    assert held(token, "dev-web") == set(CSI)


@pytest.mark.parametrize(
    ("name", "csi"),
    [
        ("dev-web-1", set()),
        ("dev-db", set(CSI)),
        ("prod", {"csi-list-volume", "csi-read-volume"}),
        ("dev", {"csi-list-volume", "csi-read-volume"}),
    ],
)
def test_closest_glob_wins(name, csi):
    token = grants(
        namespace("*", 'policy = "read"'),
        namespace("dev-*", 'policy = "write"'),
        namespace("dev-web-*", 'policy = "deny"'),
    )

    assert held(token, name) == csi


def test_stars_do_not_make_a_glob_closer():
    # The longer glob has fewer literal characters, so the shorter one wins.
    token = grants(
        namespace("*-*-*-*", 'policy = "write"'),
        namespace("dev-w*", 'policy = "read"'),
    )

    assert token.capabilities("dev-w-x-y") == POLICY_WORDS["read"]


@pytest.mark.parametrize("first_word", ["read", "write"])
def test_glob_tie_goes_to_the_last_in_sort_order(first_word):
    # "*-web" and "dev-*" both have four literal characters; Nomad's stable
    # sort with `<=` leaves the later key (in byte order) in front.
    second_word = "write" if first_word == "read" else "read"
    token = grants(
        namespace("*-web", f'policy = "{first_word}"'),
        namespace("dev-*", f'policy = "{second_word}"'),
    )

    assert token.capabilities("dev-web") == POLICY_WORDS[second_word]


@pytest.mark.parametrize(
    ("pattern", "name", "matches"),
    [
        ("dev-*", "dev-1", True),
        ("dev-*", "dev-", True),
        ("dev-*", "dev", False),
        ("*-prod", "eu-prod", True),
        ("*-prod", "eu-prod-2", False),
        ("a*b*c", "axxbyyc", True),
        ("a*b*c", "acb", False),
        ("*", "anything", True),
    ],
)
def test_glob_matching(pattern, name, matches):
    token = grants(namespace(pattern, 'policy = "read"'))

    assert token.allows(name, "csi-read-volume") is matches


def test_no_rule_for_a_namespace_grants_nothing():
    token = grants(namespace("default", 'policy = "write"'))

    assert token.capabilities("other") == frozenset()
    assert not Grants.merge([]).allows("default", CSI)


@pytest.mark.parametrize(
    ("words", "allowed"),
    [
        ((), set()),
        (("deny",), set()),
        (("list",), {"list"}),
        (("read",), {"list", "read"}),
        (("write",), {"list", "read", "write"}),
        (("list", "write"), {"list", "read", "write"}),
        (("read", "list"), {"list", "read"}),
        (("write", "deny"), set()),
        (("deny", "read"), set()),
    ],
)
def test_plugin_levels(words, allowed):
    token = grants(*(f'plugin {{ policy = "{word}" }}' for word in words))

    levels = ("list", "read", "write")
    assert {level for level in levels if token.allows_plugin(level)} == allowed


def test_policy_without_plugin_block_allows_no_plugin_level():
    token = grants(namespace("default", 'policy = "write"'))

    assert not token.allows_plugin("list")


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (namespace("default", 'policy = "list"'), "Invalid namespace policy 'list'"),
        (namespace("default", 'policy = "admin"'), "Invalid namespace policy 'admin'"),
        (
            namespace("default", 'capabilities = ["csi-frob-volume"]'),
            "Invalid namespace capability 'csi-frob-volume'",
        ),
        (
            '{"namespace": {"default": {"capabilities": ["read"]}}}',
            "Invalid namespace capability 'read'",
        ),
        (namespace("dev_1", 'policy = "read"'), "Invalid namespace name 'dev_1'"),
        (namespace("a" * 129, 'policy = "read"'), "Invalid namespace name 'aaaa"),
        ('{"namespace": {"": {"policy": "read"}}}', "Invalid namespace name ''"),
        ('plugin { policy = "admin" }', "Invalid plugin policy 'admin'"),
        ('plugin { policy = "scale" }', "Invalid plugin policy 'scale'"),
        ("plugin {}", "Invalid plugin policy"),
        ('node { policy = "list" }', "Invalid node policy 'list'"),
        ('keyring { policy = "read" }', "Invalid policy block 'keyring'"),
        ('{"sentinel": {"policy": "read"}}', "Invalid policy block 'sentinel'"),
        ("", "Invalid policy: no rules"),
        ("  \n", "Invalid policy: no rules"),
        ("# nothing here\n", "Invalid policy: no rules"),
        ("{}", "Invalid policy: no rules"),
        ('namespace "default" {', "Failed to parse ACL policy: Unexpected"),
        ('{"namespace": {', "Failed to parse ACL policy: Expecting"),
        ('namespace { policy = "read" }', "Invalid namespace block: it needs a name"),
        (
            'plugin { policy = "read" }\nplugin { policy = "list" }',
            "Invalid or duplicate plugin block",
        ),
        (namespace("default", 'polcy = "read"'), "Invalid key 'polcy'"),
        (namespace("default", "policy = read"), "Invalid value 'read'"),
        (namespace("default", 'capabilities = "read-job"'), "not a list"),
    ],
)
def test_policy_error_names_the_bad_thing(text, named):
    with pytest.raises(PolicyError) as caught:
        parse_rules(text)

    assert named in str(caught.value)


def test_policy_error_is_a_value_error():
    assert issubclass(PolicyError, ValueError)


def test_parse_error_keeps_only_the_parsers_first_line():
    with pytest.raises(PolicyError) as caught:
        parse_rules('namespace "default" {')

    assert "\n" not in str(caught.value)
    assert "line 1" in str(caught.value)
