"""The `messages.search` command (docs/protocol.md): results with their channels and the next
position, and bad arguments answered with Twilio's errors on a connection that stays usable."""


def test_search_command_pages_and_refuses_bad_arguments(server, ws_factory):
    alice = ws_factory("alice")
    alice.call("channel.create", uniqueName="room", friendlyName="Room")
    alice.call("channel.join", channel="room")
    for number in range(3):
        alice.call("message.send", channel="room", body=f"東京タワー {number}")
    first = alice.call("messages.search", query="京タワ", pageSize=2)
    assert [m["body"] for m in first["items"]] == ["東京タワー 2", "東京タワー 1"]
    assert first["channels"][first["items"][0]["channel_sid"]]["unique_name"] == "room"
    rest = alice.call("messages.search", query="京タワ", pageSize=2, before=first["next"])
    assert [m["body"] for m in rest["items"]] == ["東京タワー 0"] and rest["next"] is None
    for args in (
        {},
        {"query": ""},
        {"query": 5},
        {"query": "x" * 257},
        {"query": "hi", "pageSize": 0},
        {"query": "hi", "pageSize": "10"},
        {"query": "hi", "before": "x"},
        {"query": "hi", "before": 10**30},
        {"query": "hi", "channel": 7},
        {"query": "hi", "author": ["a"]},
    ):
        error = alice.request("messages.search", **args)["error"]
        assert (error["status"], error["code"]) == (400, 20001), args
    assert alice.request("messages.search", query="hi", channel="nowhere")["error"]["code"] == 50300
    assert alice.call("messages.search", query='"NEAR(*)"')["items"] == []  # still connected, plain text
