"""No event lost or doubled: a client that drops its socket, or whose server restarts, while
someone else sends 200 messages ends up with all 200 exactly once, in index order."""

from sdk_harness import connect

COUNT = 200


def join_room(page) -> None:
    page.evaluate(
        "client.getChannelByUniqueName('room').catch(() => client.createChannel({uniqueName: 'room'}))"
        ".then(c => { window.room = c; window.seen = []; c.on('messageAdded', m => seen.push(m.index)); return c.join(); })"
    )


def send_many(ws_factory, server) -> None:
    bob = ws_factory("bob", live=server)
    bob.call("channel.join", channel="room")
    for number in range(COUNT):
        bob.call("message.send", channel="room", body=f"message {number}")


def assert_all_seen_once(page) -> None:
    page.wait_for_function(f"() => window.seen.length >= {COUNT}", timeout=20_000)
    assert page.evaluate("window.seen") == list(range(COUNT))
    page.wait_for_function("() => client.connectionState === 'connected'")


def test_resume_after_the_socket_drops(browser, server, ws_factory):
    alice = connect(browser, server, "alice")
    join_room(alice)
    alice.context.set_offline(True)  # the reconnect attempts fail until we come back
    alice.evaluate("client._transport.ws.close()")
    alice.wait_for_function("() => client.connectionState === 'connecting'")
    send_many(ws_factory, server)
    assert alice.evaluate("window.seen.length") < COUNT
    alice.context.set_offline(False)
    assert_all_seen_once(alice)


def test_resume_across_a_server_restart(browser, server, ws_factory):
    alice = connect(browser, server, "alice")
    join_room(alice)
    alice.evaluate("room.sendMessage('before the restart')")
    alice.wait_for_function("() => window.seen.length === 1")
    alice.evaluate("window.seen = []")
    server.restart()
    send_many(ws_factory, server)
    alice.wait_for_function(f"() => window.seen.length >= {COUNT}", timeout=20_000)
    assert alice.evaluate("window.seen") == list(range(1, COUNT + 1))


LEGACY_PAGE = """
window.output = [];
function print(text) { window.output.push(text); }
var accessManager = new Twilio.AccessManager(arg.token);
var chatClient = new Twilio.IPMessaging.Client(accessManager);
var generalChannel;
function setupChannel() {
  generalChannel.join().then(function (channel) { print('Joined channel as ' + accessManager.identity); });
  generalChannel.on('messageAdded', function (message) { print(message.author + ': ' + message.body); });
}
chatClient.getChannelByUniqueName('general').then(function (channel) {
  if (channel) { generalChannel = channel; setupChannel(); }
  else {
    chatClient.createChannel({ uniqueName: 'general', friendlyName: 'General Chat Channel' })
      .then(function (channel) { generalChannel = channel; setupChannel(); });
  }
});
window.send = function (text) { generalChannel.sendMessage(text); };
"""


def test_a_2015_quickstart_page_runs_unchanged(browser, server):
    """The original quickstart's calls: AccessManager, IPMessaging.Client, a lookup that
    resolves null when #general does not exist yet, createChannel, join, messageAdded."""
    from sdk_harness import open_blank

    pages = []
    for name in ("alice", "bob"):
        page = open_blank(browser, server)
        page.evaluate(f"arg => {{ {LEGACY_PAGE} }}", {"token": server.token(name)})
        page.wait_for_function("() => window.output.length > 0")
        pages.append(page)
    assert pages[0].evaluate("window.output[0]") == "Joined channel as alice"
    pages[0].evaluate("send('hello from 2015')")
    for page in pages:
        page.wait_for_function("() => window.output.includes('alice: hello from 2015')")
    assert server.chat.store.db().execute("SELECT count(*) FROM channels").fetchone()[0] == 1


def test_a_socket_that_never_answers_hello_is_replaced(browser, server):
    """The first socket is accepted but silent; the client gives up on it and connects again."""
    from sdk_harness import RECORD

    page = browser.new_context().new_page()
    attempts = []

    def route(ws):
        attempts.append(ws)
        if len(attempts) > 1:
            ws.connect_to_server()  # later sockets reach the real server; the first one hears nothing

    page.route_web_socket(server.ws_url, route)
    page.goto(server.url + "/static/css/app.css")
    page.add_script_tag(url="/static/js/twilio-chat.js")
    page.evaluate(RECORD)
    identity = page.evaluate(
        "t => Twilio.Chat.Client.create(t).then(c => { window.client = record(c); return c.user.identity; })",
        server.token("alice"),
    )
    assert identity == "alice" and len(attempts) == 2
