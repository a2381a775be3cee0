"""Private channels, invites, read horizons across tabs, tokens: the JS client in a browser."""

import requests
from sdk_harness import connect, events, rejection, wait_events
from token_factory import token


def test_private_channel_is_invisible_until_invited(browser, server):
    alice, bob, carol = (connect(browser, server, name) for name in ("alice", "bob", "carol"))
    sid = alice.evaluate(
        "client.createChannel({uniqueName: 'secret', isPrivate: true})"
        ".then(c => { window.room = c; return c.join(); }).then(c => c.sid)"
    )
    alice.evaluate("room.sendMessage('for members only')")
    assert rejection(bob, "client.getChannelBySid(arg)", sid)["code"] == 50300
    assert bob.evaluate("client.getPublicChannelDescriptors().then(p => p.items.length)") == 0

    alice.evaluate("room.invite('bob')")
    invited = wait_events(bob, "channelInvited")[0]
    assert invited["sid"] == sid
    descriptors = bob.evaluate("client.getUserChannelDescriptors().then(p => p.items.map(d => [d.sid, d.status]))")
    assert descriptors == [[sid, "invited"]]
    bob.evaluate("a => client.getChannelBySid(a).then(c => { window.room = c; return c.join(); })", sid)
    wait_events(alice, "memberJoined", identity="bob")
    assert bob.evaluate("room.getMessages().then(p => p.items.map(m => m.body))") == ["for members only"]

    assert rejection(carol, "client.getChannelByUniqueName('secret')")["code"] == 50300
    assert rejection(carol, "client.getChannelBySid(arg).then(c => c.join())", sid)["code"] == 50300
    alice.evaluate("room.add('carol')")
    wait_events(carol, "channelJoined", sid=sid)


def test_declined_invite_leaves_nothing_behind(browser, server):
    alice, bob = connect(browser, server, "alice"), connect(browser, server, "bob")
    alice.evaluate(
        "client.createChannel({uniqueName: 'club', isPrivate: true}).then(c => { window.room = c; return c.join(); })"
        ".then(() => room.invite('bob'))"
    )
    wait_events(bob, "channelInvited")
    bob.evaluate("client.getUserChannelDescriptors().then(p => p.items[0].getChannel()).then(c => c.decline())")
    assert bob.evaluate("client.getUserChannelDescriptors().then(p => p.items.length)") == 0
    assert rejection(bob, "client.getChannelByUniqueName('club')")["code"] == 50300


def test_only_permitted_members_remove_others(browser, server):
    alice, bob, carol = (connect(browser, server, name) for name in ("alice", "bob", "carol"))
    alice.evaluate("client.createChannel({uniqueName: 'r'}).then(c => { window.room = c; return c.join(); })")
    for page in (bob, carol):
        page.evaluate("client.getChannelByUniqueName('r').then(c => { window.room = c; return c.join(); })")
    assert rejection(bob, "room.removeMember('carol')")["code"] == 20403
    alice.evaluate("room.removeMember('carol')")
    wait_events(carol, "channelLeft")
    wait_events(bob, "memberLeft", identity="carol")


def test_unread_count_and_horizon_sync_across_tabs(browser, server):
    bob = connect(browser, server, "bob")
    tab1, tab2 = connect(browser, server, "alice"), connect(browser, server, "alice")
    bob.evaluate("client.createChannel({uniqueName: 'r'}).then(c => { window.room = c; return c.join(); })")
    for tab in (tab1, tab2):
        tab.evaluate("client.getChannelByUniqueName('r').then(c => { window.room = c; return c.join(); })")
    bob.evaluate("(async () => { for (const t of ['a', 'b', 'c']) await room.sendMessage(t); })()")
    wait_events(tab1, "messageAdded", 3)
    assert tab1.evaluate("room.getUnconsumedMessagesCount()") is None  # no horizon yet
    assert tab1.evaluate("room.lastConsumedMessageIndex") is None
    assert tab1.evaluate("room.advanceLastConsumedMessageIndex(0)") == 2
    tab2.wait_for_function("() => room.lastConsumedMessageIndex === 0")
    assert tab2.evaluate("room.getUnconsumedMessagesCount()") == 2
    assert tab2.evaluate("room.advanceLastConsumedMessageIndex(-0 + 0)") == 2  # never moves backwards
    assert tab2.evaluate("room.setAllMessagesConsumed()") == 0
    tab1.wait_for_function("() => room.lastConsumedMessageIndex === 2")
    assert tab1.evaluate("room.updateLastConsumedMessageIndex(1)") == 1
    assert tab1.evaluate("room.setNoMessagesConsumed()") is None
    assert events(tab2, "channelUpdated")


def test_user_friendly_name_and_reachability(browser, server):
    alice = connect(browser, server, "alice")
    bob = connect(browser, server, "bob")
    assert bob.evaluate("client.getUser('alice').then(u => [u.identity, u.online])") == ["alice", True]
    alice.evaluate("client.user.updateFriendlyName('Alice Liddell')")
    update = wait_events(bob, "userUpdated", identity="alice", friendlyName="Alice Liddell")[0]
    assert "friendlyName" in update["reasons"]
    assert rejection(bob, "client.getUser('alice').then(u => u.updateFriendlyName('Mallory'))")["code"] == 20403
    alice.context.close()
    wait_events(bob, "userUpdated", identity="alice", online=False)


def test_token_refresh_keeps_the_session(browser, server):
    page = connect(browser, server, "alice", token=token(server.settings, "alice", 120))
    wait_events(page, "tokenAboutToExpire")  # less than 3 minutes left
    page.evaluate("t => client.updateToken(t)", server.token("alice"))
    page.evaluate("client.createChannel({uniqueName: 'after'}).then(c => c.join())")
    assert page.evaluate("client.connectionState") == "connected"


def test_expired_token_ends_the_session(browser, server):
    page = connect(browser, server, "alice", token=token(server.settings, "alice", 2))
    wait_events(page, "tokenExpired", timeout=15)
    page.wait_for_function("() => client.connectionState === 'denied'")
    page.evaluate("t => client.updateToken(t)", server.token("alice"))  # a fresh token brings it back
    page.wait_for_function("() => client.connectionState === 'connected'")


def test_push_registration_is_stored_as_a_binding(browser, server):
    alice = connect(browser, server, "alice")
    alice.evaluate("client.setPushRegistrationId('fcm', 'device-token-1')")
    url = f"{server.url}/v2/Services/{server.settings.service_sid}/Bindings"
    auth = (server.settings.account_sid, server.settings.auth_token)
    bindings = requests.get(url, auth=auth, timeout=5).json()["bindings"]
    assert [(b["identity"], b["binding_type"]) for b in bindings] == [("alice", "fcm")]
    assert bindings[0]["endpoint"]  # this browser's endpoint_id
    alice.evaluate("client.unsetPushRegistrationId('fcm')")
    assert requests.get(url, auth=auth, timeout=5).json()["bindings"] == []
