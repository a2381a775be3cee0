"""`client.searchMessages` (our extension) in a real browser: a paginator of Message objects,
each in its Channel, from the channels the user may read now."""

from sdk_harness import connect, rejection

from chat.actions import channels, members, messages
from chat.context import Actor

ACCOUNT = Actor(None, "rest")


def test_search_pages_messages_of_readable_channels_newest_first(browser, server):
    chat, service = server.chat, server.settings.service_sid
    channels.create(chat, ACCOUNT, service, unique_name="lobby", friendly_name="Lobby")
    channels.create(chat, ACCOUNT, service, unique_name="secret", type="private")
    for number in range(3):
        messages.send(chat, ACCOUNT, service, "lobby", body=f"東京タワー {number}", author="carol")
    messages.send(chat, ACCOUNT, service, "secret", body="東京タワー secret", author="carol")
    alice = connect(browser, server, "alice")
    found = alice.evaluate(
        """async () => {
            let page = await client.searchMessages('京タワ', {pageSize: 2});
            const seen = page.items.map(m => [m.body, m.channel.uniqueName, m.author, m.index]);
            const more = page.hasNextPage;
            page = await page.nextPage();
            return {seen: seen.concat(page.items.map(m => [m.body, m.channel.uniqueName, m.author, m.index])),
                    more: more, last: page.hasNextPage};
        }"""
    )
    assert found["seen"] == [
        ["東京タワー 2", "lobby", "carol", 2],
        ["東京タワー 1", "lobby", "carol", 1],
        ["東京タワー 0", "lobby", "carol", 0],
    ]
    assert found["more"] is True and found["last"] is False

    members.add(chat, ACCOUNT, service, "secret", "alice")  # readable from now on
    bodies = alice.evaluate("client.searchMessages('secret').then(p => p.items.map(m => m.body))")
    assert bodies == ["東京タワー secret"]
    scoped = alice.evaluate("client.searchMessages('タワ', {channel: 'secret'}).then(p => p.items.map(m => m.body))")
    assert scoped == ["東京タワー secret"]
    assert rejection(alice, "client.searchMessages('')")["code"] == 20001
