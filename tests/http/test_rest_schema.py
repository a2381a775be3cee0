"""schemathesis against /openapi.json on the live server: generated requests (form-encoded,
Basic auth) never get a 5xx, and every response matches the documented status codes and shapes."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from twilio_client import service

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# The server under test runs in this process: psycopg_pool draws the jitter of its reconnect
# timers from the global `random`, which Hypothesis takes for a strategy using `random`.
@pytest.mark.filterwarnings(
    "ignore:Do not use the `random` module inside strategies:hypothesis.errors.HypothesisDeprecationWarning"
)
def test_generated_requests_conform(server, client):
    room = service(client, server).channels.create(unique_name="general")
    service(client, server).channels(room.sid).messages.create(body="hello", from_="alice")
    # v1 runs the same declared operations as v2; the v2 half covers them.
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json").include(path_regex="^/v2/")
    auth = (server.settings.account_sid, server.settings.auth_token)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def conforms(case):
            if "ServiceSid" in (case.path_parameters or {}):
                case.path_parameters["ServiceSid"] = server.settings.service_sid  # reach real data, not only 404s
            case.call_and_validate(auth=auth, checks=CHECKS)

        conforms()
