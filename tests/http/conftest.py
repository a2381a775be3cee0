"""Fixtures for the REST tests."""

import pytest
from twilio.rest import Client
from twilio_client import LocalChatHttpClient


@pytest.fixture
def client(server):
    return Client(server.settings.account_sid, server.settings.auth_token, http_client=LocalChatHttpClient(server.url))
