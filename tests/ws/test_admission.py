"""Sockets must authenticate: one that has not completed hello within HELLO_TIMEOUT is closed
with 4001, and the sockets one address may hold before hello, and one process in all, are
capped with their own close codes and a log line (chat/admission.py)."""

import time

from ws_client import close_code


def wait_until(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_a_silent_socket_is_closed_with_4001_after_the_hello_timeout(server_factory, ws_factory):
    live = server_factory(hello_timeout=1)
    opened = time.monotonic()
    silent = ws_factory(hello=False, live=live)
    talker = ws_factory("alice", live=live)
    assert close_code(silent) == 4001
    assert time.monotonic() - opened >= 1  # not before the timeout
    assert talker.call("user.get", identity="alice")["identity"] == "alice"  # hello in time: still open


def test_commands_without_hello_do_not_keep_a_socket_open(server_factory, ws_factory):
    live = server_factory(hello_timeout=1)
    chatty = ws_factory(hello=False, live=live)
    for _ in range(3):
        assert chatty.request("channel.get", channel="general")["error"]["code"] == 20101
    assert close_code(chatty) == 4001


def test_unauthenticated_sockets_per_address_are_capped(server_factory, ws_factory, caplog):
    live = server_factory(unauthenticated_per_address=3)
    waiting = [ws_factory(hello=False, live=live) for _ in range(3)]
    refused = ws_factory(hello=False, live=live)
    assert close_code(refused) == 4029
    assert "refused a WebSocket from 127.0.0.1 with 4029" in caplog.text
    waiting[0].hello = waiting[0].call("hello", token=live.token("alice"))  # one authenticates:
    admitted = ws_factory("bob", hello=False, live=live)  # room for one more
    assert admitted.call("hello", token=live.token("bob"))["identity"] == "bob"


def test_sockets_per_process_are_capped(server_factory, ws_factory, caplog):
    live = server_factory(max_sockets=2)
    first, _second = ws_factory("alice", live=live), ws_factory("bob", live=live)
    third = ws_factory(hello=False, live=live)
    assert close_code(third) == 1013
    assert "refused a WebSocket from 127.0.0.1 with 1013: server full" in caplog.text
    first.close()
    wait_until(lambda: live.chat.admission.open < 2)
    assert ws_factory("carol", live=live).hello["identity"] == "carol"


def test_many_silent_sockets_all_go_and_free_their_places(server_factory, ws_factory):
    live = server_factory(hello_timeout=1, unauthenticated_per_address=50)
    silent = [ws_factory(hello=False, live=live) for _ in range(50)]
    assert {close_code(client) for client in silent} == {4001}
    wait_until(lambda: live.chat.admission.open == 0)
    assert ws_factory("alice", live=live).hello["identity"] == "alice"
