"""The OpenAPI document is generated from app/protocol: every route the app registers is in it
with a non-empty schema for its success answers, and the request and answer schemas are those of
the body classes the routes and the client use (schemathesis checks real answers against them:
test_ops_schemathesis.py)."""

from __future__ import annotations

import jsonschema_rs
import pytest

from app.protocol import bodies
from app.protocol.routes import API
from cosigner_server.openapi import OPERATIONS, document, schema_of

from .ops_helpers import served_routes


def _validate(instance, schema) -> None:
    jsonschema_rs.validate(schema, instance)


def test_every_served_route_has_a_non_empty_success_schema(server_config):
    paths = document()["paths"]
    for method, path in sorted(served_routes(server_config)):
        assert method in paths.get(path, {}), f"{method.upper()} {path} is not documented"
        answers = paths[path][method]["responses"]
        success = {status: a for status, a in answers.items() if status.startswith("2")}
        assert success, f"{method.upper()} {path}: no success answer documented"
        for status, answer in success.items():
            ((kind, content),) = answer["content"].items()
            assert content.get("schema"), f"{method.upper()} {path} {status}: empty schema"
            if kind == "application/json":
                schema = content["schema"]
                assert "type" in schema or "anyOf" in schema, f"{path}: {schema}"


def test_errors_have_the_error_envelope_schema():
    envelope = bodies.ApiErrorBody("refused", "the wallet is frozen", rule="frozen").to_dict()
    for ops in document()["paths"].values():
        for op in ops.values():
            schema = op["responses"]["default"]["content"]["application/json"]["schema"]
            _validate(envelope, schema)
            with pytest.raises(jsonschema_rs.ValidationError):
                _validate({"error": {"message": "no code"}}, schema)


def test_no_v1_schema_is_written_by_hand():
    """Every /v1 operation names body classes of app/protocol (the ones the route and the client
    use) for its request and its answers, not a schema of its own: one definition of the wire."""
    hand_written = []
    for method, path, _summary, _auth, body, answer in OPERATIONS:
        if not path.startswith(API):
            continue  # 0Chain's ZAuth/ZVault shapes, and the operations' own
        answers = answer.values() if isinstance(answer, dict) and "200" in answer else [answer]
        answers = [a for x in answers for a in (x["anyOf"] if isinstance(x, dict) else [x])]
        for spec in [body, *answers]:
            if spec is not None and not (isinstance(spec, type) and hasattr(spec, "from_dict")):
                hand_written.append(f"{method.upper()} {path}")
    assert hand_written == []


def test_the_schemas_accept_what_the_classes_write_and_refuse_a_wrong_type():
    user = bodies.UserView("u1", "alice", "local", "admin", True)
    created = bodies.NewUser(user, "ABCDE-FGHIJ")
    _validate(created.to_dict(), schema_of(bodies.NewUser))
    with pytest.raises(jsonschema_rs.ValidationError):
        _validate({**created.to_dict(), "enrollment_code": 5}, schema_of(bodies.NewUser))
    bad_role = {**created.to_dict(), "user": {**user.to_dict(), "role": "root"}}
    with pytest.raises(jsonschema_rs.ValidationError):
        _validate(bad_role, schema_of(bodies.NewUser))
