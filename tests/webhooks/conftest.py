"""Webhook tests: real receivers on free ports, and SDK users on real sockets."""

import pytest
from webhook_receiver import Receiver


@pytest.fixture
def receiver_factory():
    started: list[Receiver] = []

    def start() -> Receiver:
        receiver = Receiver()
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.stop()


@pytest.fixture
def receiver(receiver_factory):
    return receiver_factory()


@pytest.fixture
def room(server, ws_factory):
    """Alice and Bob on sockets, both members of #room."""
    alice, bob = ws_factory("alice"), ws_factory("bob")
    alice.call("channel.create", uniqueName="room", friendlyName="Room")
    alice.call("channel.join", channel="room")
    bob.call("channel.join", channel="room")
    return alice, bob
