import pytest

from chat.context import Chat


@pytest.fixture
def chat(settings):
    """A Chat (store, hub, workers) on the test's fresh database, closed after the test."""
    instance = Chat(settings)
    yield instance
    instance.close()
