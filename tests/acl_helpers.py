"""Making policies and tokens through the API, as an operator would."""

import json

POLICIES = {
    "read": 'namespace "default" { policy = "read" }',
    "write": 'namespace "default" { policy = "write" }',
    "write-plugin": 'namespace "default" { policy = "write" }\nplugin { policy = "read" }',
    "deny": 'namespace "default" { policy = "deny" }',
    "glob": 'namespace "def*" { policy = "write" }\nplugin { policy = "read" }',
    "dev-writer": 'namespace "dev" { policy = "write" }\nplugin { policy = "read" }',
}


def auth(secret):
    return {"X-Nomad-Token": secret} if secret else {}


def bootstrap(client):
    response = client.post("/v1/acl/bootstrap")
    assert response.status_code == 200, response.data
    return response.get_json()["SecretID"]


def put_policy(client, management, name, rules):
    body = json.dumps({"Name": name, "Description": "", "Rules": rules})
    response = client.put(f"/v1/acl/policy/{name}", data=body, headers=auth(management))
    assert response.status_code == 200, response.data


def make_token(client, management, *policies, kind="client"):
    body = json.dumps({"Name": "t", "Type": kind, "Policies": list(policies)})
    response = client.post("/v1/acl/token", data=body, headers=auth(management))
    assert response.status_code == 200, response.data
    return response.get_json()["SecretID"]
