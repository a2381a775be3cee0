"""Read an export (chat/transfer/format.py) into a database, keeping SIDs, indexes, dates and
read horizons.

What is already there is left as it is: a row whose SID is stored already is skipped (so a second
run changes nothing), and a SID or name that is stored for something else refuses the line's
channel. Each channel is written in one transaction with everything in it, so a channel is
either all there or not at all; a file cut short loses only the channel it was cut in.

Nothing here calls webhooks or publishes messages. A new channel and its members are recorded
in the event log (`channelAdded`, `channelJoined`), which is how connected clients learn of it."""

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from .. import serializers
from ..events import SERVICE, USER, dumps
from ..store import ERRORS, Store
from ..store import events as event_log
from ..store import transfer as rows
from . import format
from .format import BadLine

BATCH = 500  # messages per INSERT in a new channel
AHEAD = 50_000  # lines of a channel read before its transaction starts (the rest are read inside it)
SERVICE_KINDS = ("service", "role", "user", "media")
CHANNEL_KINDS = ("webhook", "member", "invite", "media", "message")
TABLES = {"webhook": "channel_webhooks", "member": "members", "invite": "invites", "message": "messages"}


class ImportFailed(Exception):
    """The file cannot be read on from `line`: nothing of the channel being read was written."""

    def __init__(self, line: int, reason: str):
        super().__init__(f"line {line}: {reason}")
        self.line, self.reason = line, reason


class Refused(Exception):
    """One channel (or row of a service) that clashes with what is stored: left out, the rest goes on."""

    def __init__(self, line: int, reason: str):
        super().__init__(f"line {line}: {reason}")
        self.line, self.reason = line, reason


@dataclass
class Report:
    created: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)  # already stored
    refused: list[str] = field(default_factory=list)  # "line N: why"
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        def listing(counts: Counter) -> str:
            return (
                ", ".join(f"{count} {kind}{'s' if count != 1 else ''}" for kind, count in counts.items()) or "nothing"
            )

        text = [f"Created {listing(self.created)}.", f"Skipped (already there) {listing(self.skipped)}."]
        text += [f"Note: {note}" for note in self.notes]
        text += [f"Refused {refusal}" for refusal in self.refused]
        return "\n".join(text)


class Reader:
    """The file's lines as (number, parsed object), with one line of look-ahead."""

    def __init__(self, texts: Iterable[str]):
        self._texts = iter(texts)
        self.number = 0
        self._ahead: tuple[int, dict] | None = None
        self.ended = False

    def peek(self) -> tuple[int, dict] | None:
        if self._ahead is None:
            self._ahead = self._read()
        return self._ahead

    def next(self) -> tuple[int, dict] | None:
        line = self.peek()
        self._ahead = None
        return line

    def _read(self) -> tuple[int, dict] | None:
        for text in self._texts:
            self.number += 1
            if not text.strip():
                continue
            try:
                line = json.loads(text)
            except ValueError as error:
                raise ImportFailed(
                    self.number, f"not JSON ({error.msg}): the file is damaged or was cut short"
                ) from None
            if self.number == 1:
                return self.number, line
            if not isinstance(line, dict) or not isinstance(line.get("type"), str):
                raise ImportFailed(self.number, 'each line must be an object with a "type"')
            kind = line["type"]
            if kind not in (*format.KINDS, "end"):
                raise ImportFailed(self.number, f"unknown type {kind[:40]!r}")
            if kind != "end" and not isinstance(line.get("data"), dict):
                raise ImportFailed(self.number, f'a {kind} line needs a "data" object')
            if not isinstance(line.get("extra", {}), dict):
                raise ImportFailed(self.number, '"extra" must be an object')
            return self.number, line
        return None


def load(
    store: Store,
    texts: Iterable[str],
    read_file: Callable[[str], bytes] = lambda name: b"",
    on_message: Callable[[], None] = lambda: None,
) -> Report:
    """Import every line of `texts` (the file's lines). Raises ImportFailed on a line that cannot
    be read; what was committed before it (whole channels) stays."""
    reader = Reader(texts)
    importer = _Importer(store, reader, read_file, on_message)
    first = reader.next()
    if first is None:
        raise ImportFailed(1, "the file is empty")
    try:
        format.check_header(first[1])
    except BadLine as error:
        raise ImportFailed(1, str(error)) from None
    importer.run()
    return importer.report


class _Importer:
    def __init__(self, store: Store, reader: Reader, read_file, on_message):
        self.store, self.reader, self.read_file, self.on_message = store, reader, read_file, on_message
        self.report = Report()
        self.roles: dict[str, str] = {}  # the file's role SID -> the stored one (same name and type)

    def run(self) -> None:
        while True:
            ahead = self.reader.peek()
            if ahead is None:
                raise ImportFailed(self.reader.number, "the file ends without its end line: it was cut short")
            number, line = ahead
            if line["type"] == "end":
                self.reader.next()
                self._end(number, line)
                return
            if line["type"] == "channel":
                self._channel()
            elif line["type"] == "service":
                self._service_block()
            else:
                raise ImportFailed(number, f"a {line['type']} line must follow its service or channel line")

    def _end(self, number: int, line: dict) -> None:
        if line.get("lines") != number - 1:
            raise ImportFailed(
                number, f"the end line counts {line.get('lines')} lines before it, the file has {number - 1}"
            )
        if self.reader.peek() is not None:
            raise ImportFailed(self.reader.number, "a line after the end line")

    def _parse(self, number: int, parse: Callable, *args):
        try:
            return parse(*args)
        except BadLine as error:
            raise ImportFailed(number, str(error)) from None

    # A service's settings, roles, users and unsent pictures: one transaction.
    def _service_block(self) -> None:
        block = [self.reader.next()]
        while (ahead := self.reader.peek()) is not None and ahead[1]["type"] in SERVICE_KINDS[1:]:
            block.append(self.reader.next())
        with self.store.write() as tx:
            service_sid = None
            for number, line in block:
                data, kind = line["data"], line["type"]
                try:
                    if kind == "service":
                        service_sid = self._service(tx.db, self._parse(number, format.service_row, data))
                    else:
                        row = self._row(number, line)
                        if row["service_sid"] != service_sid:
                            raise ImportFailed(number, f"service_sid {row['service_sid']} is not the service above it")
                        getattr(self, f"_{kind}")(tx.db, number, row)
                except Refused as refusal:
                    self.report.refused.append(str(refusal))

    def _row(self, number: int, line: dict) -> dict:
        kind, data = line["type"], line["data"]
        if kind == "media":
            if line.get("missing"):
                self.report.notes.append(f"line {number}: the source gave no bytes for picture {data.get('sid')}")
            content = self._parse(number, format.media_content, line, self.read_file)
            return self._parse(number, format.media_row, data, content)
        if kind in ("channel", "member"):
            return self._parse(number, getattr(format, f"{kind}_row"), data, line.get("extra", {}))
        return self._parse(number, getattr(format, f"{kind}_row"), data)

    def _service(self, db, row: dict) -> str:
        if rows.find(db, "services", row["sid"]) is not None:
            self.report.skipped["service"] += 1
        else:
            rows.insert(db, "services", row)
            self.report.created["service"] += 1
        return row["sid"]

    def _role(self, db, number: int, row: dict) -> None:
        stored = rows.find(db, "roles", row["sid"])
        if stored is not None:
            if stored["service_sid"] != row["service_sid"]:
                raise Refused(number, f"role {row['sid']} is stored in another service")
            self.report.skipped["role"] += 1
            return
        same = rows.find_by(
            db, "roles", service_sid=row["service_sid"], type=row["type"], friendly_name=row["friendly_name"]
        )
        if same is not None:  # the service's own default roles, made when a server started on it
            self.roles[row["sid"]] = same["sid"]
            self.report.notes.append(
                f"line {number}: role {row['friendly_name']!r} is {same['sid']} here, used in its place"
            )
            self.report.skipped["role"] += 1
            return
        rows.insert(db, "roles", row)
        self.report.created["role"] += 1

    def _role_of(self, row: dict) -> dict:
        if row.get("role_sid") in self.roles:
            row["role_sid"] = self.roles[row["role_sid"]]
        return row

    def _user(self, db, number: int, row: dict) -> None:
        stored = rows.find(db, "users", row["sid"])
        if stored is not None:
            if (stored["service_sid"], stored["identity"]) != (row["service_sid"], row["identity"]):
                raise Refused(number, f"user {row['sid']} is stored as another user")
            self.report.skipped["user"] += 1
            return
        same = rows.find_by(db, "users", service_sid=row["service_sid"], identity=row["identity"])
        if same is not None:
            self.report.notes.append(f"line {number}: {row['identity']!r} is already user {same['sid']}, kept")
            self.report.skipped["user"] += 1
            return
        rows.insert(db, "users", self._role_of(row))
        self.report.created["user"] += 1

    def _media(self, db, number: int, row: dict) -> None:
        stored = rows.find(db, "media", row["sid"])
        if stored is not None:
            if stored["service_sid"] != row["service_sid"]:
                raise Refused(number, f"picture {row['sid']} is stored in another service")
            self.report.skipped["media"] += 1
            return
        rows.insert(db, "media", row)
        self.report.created["media"] += 1

    # A channel and everything in it: one transaction.
    def _channel(self) -> None:
        number, line = self.reader.next()
        channel = self._row(number, line)
        # Read ahead so that the transaction waits as little as possible on the file (or the network).
        ahead = []
        while len(ahead) < AHEAD and (peeked := self.reader.peek()) is not None and peeked[1]["type"] in CHANNEL_KINDS:
            ahead.append(self.reader.next())
        try:
            with self.store.write() as tx:
                created = self._channel_body(tx.db, number, channel, self._block(ahead))
        except Refused as refusal:
            self.report.refused.append(f"{refusal} (channel {channel['sid']} left out)")
            while (ahead := self.reader.peek()) is not None and ahead[1]["type"] in CHANNEL_KINDS:
                self.reader.next()
            return
        except ERRORS as error:
            raise ImportFailed(
                number, f"channel {channel['sid']} could not be written ({error}); nothing of it was"
            ) from None
        self.report.created.update(created)
        self.report.skipped.update(self._skipped)

    def _block(self, ahead: list) -> Iterator[tuple[int, dict]]:
        yield from ahead
        while (peeked := self.reader.peek()) is not None and peeked[1]["type"] in CHANNEL_KINDS:
            yield self.reader.next()

    def _channel_body(self, db, number: int, channel: dict, block: Iterator) -> Counter:
        created, self._skipped = Counter(), Counter()
        service = rows.find(db, "services", channel["service_sid"])
        if service is None:
            raise Refused(number, f"service {channel['service_sid']} is neither in the file nor stored")
        stored = rows.find(db, "channels", channel["sid"])
        merging = stored is not None
        if merging:
            if stored["service_sid"] != channel["service_sid"]:
                raise Refused(number, f"channel {channel['sid']} is stored in another service")
            self._skipped["channel"] += 1
        else:
            if channel["unique_name"] and rows.find_by(
                db, "channels", service_sid=channel["service_sid"], unique_name=channel["unique_name"]
            ):
                raise Refused(number, f"another channel is named {channel['unique_name']!r} here")
            rows.insert(db, "channels", {**channel, "next_index": channel["next_index"] or 0})
            created["channel"] += 1
        members, batch, first = [], [], number
        for number, line in block:
            row = self._row(number, line)
            if row["service_sid"] != channel["service_sid"] or (
                line["type"] != "media" and row["channel_sid"] != channel["sid"]
            ):
                raise ImportFailed(
                    number, f"this {line['type']} is not in channel {channel['sid']}, the channel above it"
                )
            kind = line["type"]
            if kind == "media":
                self._media_in_channel(db, number, row, created)
                continue
            if kind == "message":
                self.on_message()
            if merging and self._stored(db, number, kind, row):
                self._skipped[kind] += 1
                continue
            if kind in ("member", "invite"):
                self._role_of(row)
            if kind == "message" and not merging:
                first = number if not batch else first
                batch.append(row)
                if len(batch) == BATCH:
                    self._flush(db, batch, first, number)
                    batch = []
            else:
                rows.insert(db, TABLES[kind], row)
            if kind == "member":
                members.append(row["identity"])
            created[kind] += 1
        self._flush(db, batch, first, number)
        self._counters(db, channel, merging, created)
        self._announce(db, channel, members, merging)
        return created

    def _media_in_channel(self, db, number: int, row: dict, created: Counter) -> None:
        stored = rows.find(db, "media", row["sid"])
        if stored is None:
            rows.insert(db, "media", row)
            created["media"] += 1
        elif stored["service_sid"] != row["service_sid"]:
            raise Refused(number, f"picture {row['sid']} is stored in another service")
        else:
            self._skipped["media"] += 1

    def _flush(self, db, batch: list[dict], first: int, last: int) -> None:
        try:
            rows.insert_many(db, "messages", batch)
        except ERRORS as error:
            # A message SID stored in another channel, or an index twice: the channel is rolled back.
            lines = f"line {first}" if first == last else f"lines {first}-{last}"
            raise Refused(first, f"a message of {lines} clashes with one stored already ({error})") from None

    def _stored(self, db, number: int, kind: str, row: dict) -> bool:
        """True when the row is there already; Refused when its SID or its place is taken by another."""
        table = TABLES[kind]
        stored = rows.find(db, table, row["sid"])
        if stored is not None:
            place = ("channel_sid", "idx") if kind == "message" else ("channel_sid", "identity")
            if kind == "webhook":
                place = ("channel_sid",)
            if any(stored[key] != row[key] for key in place):
                raise Refused(number, f"{kind} {row['sid']} is stored as another {kind}")
            return True
        if kind == "message":
            taken = rows.find_by(db, table, channel_sid=row["channel_sid"], idx=row["idx"])
            if taken is not None:
                raise Refused(number, f"index {row['idx']} is message {taken['sid']} here")
        elif kind in ("member", "invite"):
            taken = rows.find_by(db, table, channel_sid=row["channel_sid"], identity=row["identity"])
            if taken is not None:
                raise Refused(number, f"{row['identity']!r} is {kind} {taken['sid']} here")
        return False

    def _counters(self, db, channel: dict, merging: bool, created: Counter) -> None:
        """A new channel keeps the file's counters; what the file leaves out (Twilio's JSON has no
        next index) and a channel that rows were merged into get them from the stored rows."""
        if not merging and channel["next_index"] is not None:
            return
        if merging and not (created["member"] or created["message"]):
            return
        totals = rows.channel_totals(db, channel["sid"])
        if merging:
            stored = rows.find(db, "channels", channel["sid"])
            totals["next_index"] = max(totals["next_index"], stored["next_index"], channel["next_index"] or 0)
        else:
            totals["members_count"], totals["messages_count"] = channel["members_count"], channel["messages_count"]
        rows.set_counters(db, channel["sid"], totals)

    def _announce(self, db, channel: dict, members: list[str], merging: bool) -> None:
        """Connected clients see the channel and their place in it; its history is not replayed."""
        account_sid = rows.find(db, "services", channel["service_sid"])["account_sid"]
        stored = rows.find(db, "channels", channel["sid"])
        payload = dumps(serializers.channel(stored, format.BASE, account_sid))
        if not merging:
            if channel["type"] == "public":
                event_log.append(db, channel["service_sid"], SERVICE, None, "channelAdded", payload)
            else:
                event_log.append(db, channel["service_sid"], USER, channel["created_by"], "channelAdded", payload)
        for identity in members:
            event_log.append(db, channel["service_sid"], USER, identity, "channelJoined", payload)


def texts_of(file) -> Iterator[str]:
    """Lines of a text file, without their ends."""
    for text in file:
        yield text.rstrip("\n")
