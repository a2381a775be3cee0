"""Drive the JS client in a real browser: a document of the server's origin that loads only
static/js/twilio-chat.js, with every client event recorded in `window.events`."""

from playwright.sync_api import Page

RECORD = """() => {
window.events = [];
window.record = function (client) {
  var emit = client.emit;
  client.emit = function (name, arg) {
    var item = { name: name };
    if (arg && arg.sid !== undefined) item.sid = arg.sid;
    if (arg && arg.body !== undefined) { item.body = arg.body; item.index = arg.index; item.author = arg.author; }
    if (arg && arg.identity !== undefined) item.identity = arg.identity;
    if (arg && arg.updateReasons) item.reasons = arg.updateReasons;
    if (arg && arg.message) { item.body = arg.message.body; item.index = arg.message.index; }
    if (arg && arg.user) { item.identity = arg.user.identity; item.friendlyName = arg.user.friendlyName;
      item.online = arg.user.online; }
    if (typeof arg === 'string') item.value = arg;
    window.events.push(item);
    return emit.apply(this, arguments);
  };
  return client;
};
}"""


def open_blank(browser, server) -> Page:
    context = browser.new_context()
    page = context.new_page()
    # Any document the server itself serves will do (the browser's local-network checks refuse
    # sockets from documents that did not come from the server); the stylesheet is the smallest.
    page.goto(server.url + "/static/css/app.css")
    page.add_script_tag(url="/static/js/twilio-chat.js")
    page.evaluate(RECORD)
    return page


def connect(browser, server, identity: str, token: str | None = None) -> Page:
    """A page whose `window.client` is a connected Twilio.Chat.Client for `identity`."""
    page = open_blank(browser, server)
    page.evaluate(
        "t => Twilio.Chat.Client.create(t).then(c => { window.client = record(c); return c.user.identity; })",
        token or server.token(identity),
    )
    return page


def events(page: Page, name: str) -> list[dict]:
    return page.evaluate("n => window.events.filter(e => e.name === n)", name)


MATCHING = "([n, m]) => window.events.filter(e => e.name === n && Object.keys(m).every(k => e[k] === m[k]))"


def wait_events(page: Page, name: str, count: int = 1, timeout: float = 10, **match) -> list[dict]:
    """Wait until `count` events called `name` (with the `match` items) were recorded."""
    page.wait_for_function(f"a => ({MATCHING})(a).length >= {count}", arg=[name, match], timeout=timeout * 1000)
    return page.evaluate(MATCHING, [name, match])


def rejection(page: Page, script: str, arg=None) -> dict:
    """Run a script that returns a promise expected to reject; return {code, message}."""
    return page.evaluate(
        f"arg => ({script}).then(() => null, e => ({{code: e.code, status: e.status, message: e.message}}))", arg
    )
