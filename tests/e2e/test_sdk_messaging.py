"""The JS client's channel and message surface in a real browser, two and three users."""

import json

import requests
from sdk_harness import connect, events, rejection, wait_events


def setup_room(browser, server, *names, unique="room", private=False):
    pages = [connect(browser, server, name) for name in names]
    pages[0].evaluate(
        "([u, p]) => client.createChannel({uniqueName: u, friendlyName: 'Room', isPrivate: p})"
        ".then(c => { window.room = c; return c.join(); })",
        [unique, private],
    )
    for page in pages[1:]:
        if not private:
            page.evaluate(
                "u => client.getChannelByUniqueName(u).then(c => { window.room = c; return c.join(); })", unique
            )
    return pages


def test_messages_flow_to_every_member_with_twilio_fields(browser, server):
    alice, bob, carol = setup_room(browser, server, "alice", "bob", "carol")
    index = alice.evaluate("room.sendMessage('hello there', {mood: 'happy'})")
    assert index == 0
    for page in (alice, bob, carol):
        added = wait_events(page, "messageAdded", body="hello there")[0]
        assert added["author"] == "alice" and added["index"] == 0
    fields = bob.evaluate(
        "room.getMessages().then(p => { var m = p.items[0]; return {sid: m.sid, index: m.index, author: m.author,"
        " body: m.body, attributes: m.attributes, created: m.dateCreated instanceof Date, legacy: m.timestamp"
        " === m.dateCreated, type: m.type}; })"
    )
    assert fields["sid"].startswith("IM") and fields["attributes"] == {"mood": "happy"}
    assert fields["created"] and fields["legacy"] and fields["type"] == "text"
    assert bob.evaluate("room.lastMessage.index") == 0


def test_messages_from_lean_frames_carry_twilios_full_resource(browser, server):
    """The client asks for protocol 2's lean frames and rebuilds every field REST gives."""
    alice, bob = setup_room(browser, server, "alice", "bob")
    bob.evaluate(
        "() => { window.states = []; var keep = m => window.states.push(JSON.parse(JSON.stringify(m.state)));"
        " client.on('messageAdded', keep); client.on('messageUpdated', a => keep(a.message)); }"
    )
    alice.evaluate("room.sendMessage('plain')")
    alice.evaluate("room.sendMessage('tagged', {mood: 'happy'}).then(() => room.getMessages())"
                   ".then(p => p.items[1].updateBody('tagged, edited'))")  # fmt: skip
    wait_events(bob, "messageUpdated", body="tagged, edited")
    states = bob.evaluate("window.states")
    assert [state["body"] for state in states] == ["plain", "tagged", "tagged, edited"]
    auth = (server.settings.account_sid, server.settings.auth_token)
    for state in (states[0], states[2]):
        rest = requests.get(state["url"], auth=auth, timeout=5)  # the url is REST's, absolute
        assert rest.status_code == 200
        assert state == rest.json()
    assert states[2]["was_edited"] and json.loads(states[2]["attributes"]) == {"mood": "happy"}


def test_edit_and_remove_reach_everyone_with_reasons(browser, server):
    alice, bob = setup_room(browser, server, "alice", "bob")
    alice.evaluate("room.sendMessage('frist')")
    wait_events(bob, "messageAdded", body="frist")
    alice.evaluate("room.getMessages().then(p => p.items[0].updateBody('first'))")
    updated = wait_events(bob, "messageUpdated", body="first")[0]
    assert "body" in updated["reasons"]
    assert bob.evaluate("room.getMessages().then(p => [p.items[0].body, p.items[0].lastUpdatedBy])") == [
        "first",
        "alice",
    ]
    alice.evaluate("room.getMessages().then(p => p.items[0].remove())")
    wait_events(bob, "messageRemoved", body="first")
    assert bob.evaluate("room.getMessages().then(p => p.items.length)") == 0


def test_history_pages_backwards_and_forwards(browser, server):
    (alice,) = setup_room(browser, server, "alice")
    alice.evaluate("(async () => { for (let i = 0; i < 25; i++) await room.sendMessage('m' + i); })()")
    newest = alice.evaluate(
        "room.getMessages(10).then(p => ({idx: p.items.map(m => m.index), prev: p.hasPrevPage, next: p.hasNextPage}))"
    )
    assert newest == {"idx": list(range(15, 25)), "prev": True, "next": False}
    walk = alice.evaluate(
        "room.getMessages(10).then(p => p.prevPage()).then(p => p.prevPage()).then(p =>"
        " ({idx: p.items.map(m => m.index), prev: p.hasPrevPage, next: p.hasNextPage}))"
    )
    assert walk == {"idx": list(range(0, 5)), "prev": False, "next": True}
    forward = alice.evaluate(
        "room.getMessages(10, 0, 'forward').then(p => p.nextPage()).then(p => p.items.map(m => m.index))"
    )
    assert forward == list(range(10, 20))


def test_members_join_and_leave_events(browser, server):
    alice, bob = setup_room(browser, server, "alice", "bob")
    wait_events(alice, "memberJoined", identity="bob")
    assert sorted(alice.evaluate("room.getMembers().then(ms => ms.map(m => m.identity))")) == ["alice", "bob"]
    assert alice.evaluate("room.getMembersCount()") == 2
    bob.evaluate("room.leave()")
    wait_events(alice, "memberLeft", identity="bob")
    wait_events(bob, "channelLeft")
    assert bob.evaluate("room.status") == "notParticipating"


def test_channel_updates_and_delete(browser, server):
    alice, bob = setup_room(browser, server, "alice", "bob")
    alice.evaluate("room.updateFriendlyName('Renamed').then(() => room.updateAttributes({topic: 'x'}))")
    wait_events(bob, "channelUpdated")
    bob.wait_for_function("() => room.friendlyName === 'Renamed' && room.attributes.topic === 'x'")
    # bob is a plain member: no destroyChannel permission
    refused = rejection(bob, "room.delete()")
    assert refused["code"] == 20403
    alice.evaluate("room.delete()")
    wait_events(bob, "channelRemoved")
    assert rejection(bob, "client.getChannelByUniqueName('room')")["code"] == 50300


def test_editing_someone_elses_message_is_refused(browser, server):
    alice, bob = setup_room(browser, server, "alice", "bob")
    alice.evaluate("room.sendMessage('mine')")
    wait_events(bob, "messageAdded", body="mine")
    refused = rejection(bob, "room.getMessages().then(p => p.items[0].updateBody('yours now'))")
    assert refused["code"] == 20403 and "editAnyMessage" in refused["message"]
    assert rejection(bob, "room.getMessages().then(p => p.items[0].remove())")["code"] == 20403
    assert alice.evaluate("room.getMessages().then(p => p.items[0].body)") == "mine"


def test_public_and_user_channel_descriptors(browser, server):
    alice, bob = setup_room(browser, server, "alice", "bob")
    alice.evaluate("client.createChannel({uniqueName: 'other', friendlyName: 'Other'})")
    wait_events(bob, "channelAdded")
    public = bob.evaluate("client.getPublicChannelDescriptors().then(p => p.items.map(d => [d.uniqueName, d.status]))")
    assert ["room", "joined"] in public and ["other", "notParticipating"] in public
    mine = bob.evaluate("client.getUserChannelDescriptors().then(p => p.items.map(d => d.uniqueName))")
    assert mine == ["room"]
    joined = bob.evaluate(
        "client.getPublicChannelDescriptors().then(p => p.items.find(d => d.uniqueName === 'other')"
        ".getChannel()).then(c => c.join()).then(c => c.status)"
    )
    assert joined == "joined"
    assert [e["sid"] for e in events(bob, "channelJoined")]


def test_typing_starts_and_ends(browser, server):
    server.chat.store.db().execute("UPDATE services SET typing_indicator_timeout = 1")
    alice, bob = setup_room(browser, server, "alice", "bob")
    bob.evaluate("room.typing()")
    started = wait_events(alice, "typingStarted", identity="bob")[0]
    assert started["identity"] == "bob"
    wait_events(alice, "typingEnded", identity="bob", timeout=5)
    assert events(bob, "typingStarted") == []  # no echo of one's own typing


def test_attributes_counts_lookups_and_listener_removal(browser, server):
    alice, bob = setup_room(browser, server, "alice", "bob")
    alice.evaluate("room.sendMessage('tag me')")
    wait_events(bob, "messageAdded", body="tag me")
    alice.evaluate("room.getMessages().then(p => p.items[0].updateAttributes({pinned: true}))")
    updated = wait_events(bob, "messageUpdated", body="tag me")[0]
    assert "attributes" in updated["reasons"] and "body" not in updated["reasons"]
    assert bob.evaluate("room.getMessages().then(p => p.items[0].attributes)") == {"pinned": True}

    bob.evaluate("client.getUser('alice')")  # userUpdated comes for subscribed users, as in Twilio
    alice.evaluate("client.user.updateAttributes({team: 'blue'})")
    bob.wait_for_function("() => window.events.some(e => e.name === 'userUpdated' && e.identity === 'alice')")
    assert bob.evaluate("client.getUser('alice').then(u => u.attributes)") == {"team": "blue"}

    alice.evaluate("room.updateUniqueName('renamed-room')")
    assert bob.evaluate("client.getChannelByUniqueName('renamed-room').then(c => c.sid)") == alice.evaluate("room.sid")
    assert alice.evaluate("room.getMessagesCount()") == 1
    assert alice.evaluate("room.getAttributes()") == {}
    member_sid = alice.evaluate("room.getMemberByIdentity('bob').then(m => m.sid)")
    assert alice.evaluate("s => room.getMemberBySid(s).then(m => m.identity)", member_sid) == "bob"
    assert alice.evaluate("client.getLocalChannels({criteria: 'uniqueName'}).then(l => l.map(c => c.uniqueName))") == [
        "renamed-room"
    ]

    # once() fires one time; off() stops a listener
    counts = bob.evaluate(
        """async () => {
          const seen = {once: 0, kept: 0, removed: 0};
          const removed = () => seen.removed++;
          room.once('messageAdded', () => seen.once++);
          room.on('messageAdded', () => seen.kept++);
          room.on('messageAdded', removed);
          room.off('messageAdded', removed);
          const arrived = new Promise(resolve => { let n = 0; room.on('messageAdded', () => ++n === 2 && resolve()); });
          await room.sendMessage('one');
          await room.sendMessage('two');
          await arrived;
          return seen;
        }"""
    )
    assert counts == {"once": 1, "kept": 2, "removed": 0}
