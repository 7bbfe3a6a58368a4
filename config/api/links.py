"""OpenAPI links: which operation gives the ids another one takes. Clients read them to chain
calls (create → read, change, act, delete); the live fuzzing follows them
(tests/api/test_fuzz_live.py), so an operation without a way in is never tested with an object
that exists.

The rule covers most of the API: an id in an address comes from the collection the address
names (its creation's `id`, or any `id` its list shows), the other ids in the address are the
ones the caller already used, and an object's detail leads to everything done to that object.
What the rule cannot derive (ids from another resource's answer, constants) is listed below.
"""

from __future__ import annotations

import re

PARAMETER = re.compile(r"{(\w+)}")
METHODS = ("get", "post", "put", "patch", "delete")
LISTED = "$response.body#/results/0/id"

# Ids that only exist once something else happened, with where they come from:
# target operation → [(source method, source path, status, {parameter: expression})].
# `$request.path.x` passes on what the source was called with.
EXTRA_SOURCES: dict[tuple[str, str], list[tuple[str, str, str, dict]]] = {}


def _extra(target: tuple[str, str], *sources: tuple[str, str, str, dict]) -> None:
    EXTRA_SOURCES.setdefault(target, []).extend(sources)


_DOCUMENT = "/api/v1/documents/{document_id}/"
_VERSION = {"document_id": "$request.path.document_id", "number": "$response.body#/current_version/number"}
_NEW_VERSION = {"document_id": "$response.body#/id", "number": "$response.body#/current_version/number"}
_LISTED_VERSION = {
    "document_id": "$response.body#/results/0/id",
    "number": "$response.body#/results/0/current_version/number",
}
for _suffix, _constants in (("download/", {}), ("pages/{page}/preview/", {"page": 0})):
    _target = ("get", f"{_DOCUMENT}versions/{{number}}/{_suffix}")
    _extra(
        _target,
        ("get", _DOCUMENT, "200", {**_VERSION, **_constants}),
        ("post", "/api/v1/documents/", "201", {**_NEW_VERSION, **_constants}),
        ("get", "/api/v1/documents/", "200", {**_LISTED_VERSION, **_constants}),
        (
            "post",
            f"{_DOCUMENT}active_content/remove/",
            "201",
            {"document_id": "$request.path.document_id", "number": "$response.body#/number", **_constants},
        ),
    )
_extra(
    ("get", f"{_DOCUMENT}jobs/{{job_id}}/"),
    ("post", f"{_DOCUMENT}seal/", "202", {"document_id": "$request.path.document_id", "job_id": "$response.body#/id"}),
)
_extra(
    ("get", "/api/v1/inbox/{route_id}/jobs/{job_id}/"),
    (
        "post",
        "/api/v1/inbox/{route_id}/seal/",
        "202",
        {"route_id": "$request.path.route_id", "job_id": "$response.body#/id"},
    ),
)
# The signing agent's calls carry the session's own token, not the company's credentials.
_AGENT = {"session_id": "$response.body#/id", "Authorization": "Signing-Session {$response.body#/token}"}
_AGENT_AGAIN = {"session_id": "$request.path.session_id", "Authorization": "$request.header.Authorization"}
_extra(
    ("get", "/api/v1/signing_sessions/{session_id}/"),
    ("post", f"{_DOCUMENT}seal_sessions/", "201", _AGENT),
)
_extra(
    ("post", "/api/v1/signing_sessions/{session_id}/signature/"),
    ("post", f"{_DOCUMENT}seal_sessions/", "201", _AGENT),
    ("get", "/api/v1/signing_sessions/{session_id}/", "200", _AGENT_AGAIN),
)
for _seal_operation in ("", "certificate/", "image/", "status/"):
    _method = "post" if _seal_operation == "status/" else "get"
    _extra(
        (_method, f"/api/v1/seals/{{seal_id}}/{_seal_operation}"),
        ("post", "/api/v1/seals/import/", "201", {"seal_id": "$response.body#/id"}),
        ("post", "/api/v1/seals/hardware_key/", "201", {"seal_id": "$response.body#/id"}),
    )
_extra(
    ("post", "/api/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/resend/"),
    (
        "post",
        "/api/v1/webhooks/{endpoint_id}/test/",
        "202",
        {"endpoint_id": "$request.path.endpoint_id", "delivery_id": "$response.body#/id"},
    ),
)
for _party_operation in ("patch",):
    _extra(
        (_party_operation, "/api/v1/envelopes/{envelope_id}/parties/{party_id}/"),
        (
            "post",
            "/api/v1/envelopes/",
            "201",
            {"envelope_id": "$response.body#/id", "party_id": "$response.body#/parties/0/id"},
        ),
        (
            "get",
            "/api/v1/envelopes/{envelope_id}/",
            "200",
            {"envelope_id": "$request.path.envelope_id", "party_id": "$response.body#/parties/0/id"},
        ),
    )
# A rotated key is a new key: its id leads on like a created one's.
for _key_operation in ("revoke/", "rotate/"):
    _extra(
        ("post", f"/api/v1/api_keys/{{api_key_id}}/{_key_operation}"),
        ("post", "/api/v1/api_keys/{api_key_id}/rotate/", "201", {"api_key_id": "$response.body#/id"}),
    )

# Ids never taken from a list, with the reason.
NOT_FROM_LIST = {
    # The list shows the key making the calls: revoking "any listed key" revokes the caller.
    "api_key_id",
}

# Operations that take no id but follow another one, with what the link means.
FOLLOWS: list[tuple[tuple[str, str, str], tuple[str, str], str]] = [
    (("get", "/api/v1/company/", "200"), ("get", "/api/v1/audit_events/"), "The company's audit trail"),
    (("get", "/api/v1/company/", "200"), ("get", "/api/v1/inbox/"), "Envelopes other companies sent it"),
    (("post", "/api/v1/api_keys/", "201"), ("get", "/api/v1/api_keys/"), "The company's keys, the new one among them"),
    (("get", "/api/v1/company/", "200"), ("post", "/api/v1/verify/"), "Check the signatures of a file"),
    (("get", "/api/v1/documents/", "200"), ("post", "/api/v1/documents/"), "Upload another document"),
    (
        ("get", f"{_DOCUMENT}versions/{{number}}/download/", "200"),
        ("post", "/api/v1/verify/"),
        "Check the signatures of the downloaded file (send it as `file`)",
    ),
    (
        ("get", "/api/v1/envelopes/{envelope_id}/final/", "200"),
        ("post", "/api/v1/verify/"),
        "Check the signatures of the final file (send it as `file`)",
    ),
    (("get", "/api/v1/me/", "200"), ("post", "/api/v1/companies/"), "Register a company owned by this user"),
    (("get", "/api/v1/me/", "200"), ("post", "/api/v1/me/authenticator/"), "Enrol an authenticator app"),
    (("get", "/api/v1/me/", "200"), ("delete", "/api/v1/auth/session/"), "Sign out"),
    (("get", "/api/v1/me/", "200"), ("post", "/api/v1/auth/recovery/"), "Recover an account by its ID number"),
    (("post", "/api/v1/auth/session/", "200"), ("get", "/api/v1/me/"), "The signed-in user"),
    (("post", "/api/v1/auth/session/", "200"), ("delete", "/api/v1/auth/session/"), "Sign out"),
    (
        ("post", "/api/v1/me/authenticator/", "201"),
        ("post", "/api/v1/me/authenticator/confirm/"),
        "Confirm the enrolment with a code the app shows",
    ),
]
# Links that carry a request body: the same account, signed in or recovered.
BODY_FOLLOWS: list[tuple[tuple[str, str, str], tuple[str, str], str, dict]] = [
    (
        ("post", "/api/v1/auth/register/", "201"),
        ("post", "/api/v1/auth/session/"),
        "Sign in with the new account",
        {"email": "$request.body#/email", "password": "$request.body#/password"},
    ),
    (
        ("post", "/api/v1/auth/register/", "201"),
        ("post", "/api/v1/auth/recovery/"),
        "Recover the new account (by its ID number)",
        {"id_number": "$request.body#/id_number"},
    ),
]


def _success(operation: dict) -> list[str]:
    return [code for code in operation.get("responses", {}) if code.startswith("2")]


def _lists(operation: dict) -> bool:
    schema = operation["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
    return "Paginated" in schema.get("$ref", "")


def _link(operations: dict, source: tuple[str, str, str], target: tuple[str, str], **definition) -> None:
    method, path, status = source
    response = operations.get((method, path), {}).get("responses", {}).get(status)
    target_operation = operations.get(target)
    if response is None or target_operation is None:
        return  # not on this host
    name = target_operation["operationId"]
    response.setdefault("links", {})[name] = {"operationId": name, **definition}


def _derived_sources(operations: dict, target: tuple[str, str]):
    """Where the ids in the target's address come from, by the rule in the module docstring."""
    method, path = target
    parameters = PARAMETER.findall(path)
    if not parameters:
        return
    last = parameters[-1]
    collection = path[: path.index(f"{{{last}}}")]
    earlier = {name: f"$request.path.{name}" for name in parameters[:-1]}
    created = operations.get(("post", collection))
    if created is not None:
        for status in _success(created):
            yield ("post", collection, status), {**earlier, last: "$response.body#/id"}
    listed = operations.get(("get", collection))
    if listed is not None and _lists(listed) and last not in NOT_FROM_LIST:
        yield ("get", collection, "200"), {**earlier, last: LISTED}
    detail = f"{collection}{{{last}}}/"
    if (path != detail or method != "get") and ("get", detail) in operations:
        yield ("get", detail, "200"), {name: f"$request.path.{name}" for name in parameters}


def schema_links(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the links above to the schema."""
    operations = {
        (method, path): operation
        for path, item in result.get("paths", {}).items()
        for method, operation in item.items()
        if method in METHODS
    }
    for target in operations:
        derived = list(_derived_sources(operations, target))
        sources = [((m, p, s), v) for m, p, s, v in EXTRA_SOURCES.get(target, [])]
        for source, values in derived + sources:
            parameters = {name: value for name, value in values.items() if name != "Authorization"}
            if "Authorization" in values:
                parameters["header.Authorization"] = values["Authorization"]
            _link(operations, source, target, parameters=parameters)
    for source, target, description in FOLLOWS:
        _link(operations, source, target, description=description)
    for source, target, description, body in BODY_FOLLOWS:
        _link(operations, source, target, description=description, requestBody=body)
    return result
