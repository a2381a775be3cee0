/*
 * A Twilio Chat client for this server: Twilio.Chat.Client with the SDK's names, plus the 2015
 * names (Twilio.AccessManager, Twilio.IPMessaging.Client). No build step, no dependencies.
 * The wire protocol is described in docs/protocol.md.
 */
(function (global) {
  'use strict';

  var VERSION = '0.1.0';
  var HELLO_TIMEOUT = 10000;  // ms to wait for the reply to hello before reconnecting

  // ---------------------------------------------------------------- events
  function EventEmitter() { this._listeners = {}; }
  EventEmitter.prototype.on = function (name, fn) {
    (this._listeners[name] = this._listeners[name] || []).push(fn);
    return this;
  };
  EventEmitter.prototype.addListener = EventEmitter.prototype.on;
  EventEmitter.prototype.once = function (name, fn) {
    var self = this;
    function wrapper() { self.off(name, wrapper); fn.apply(self, arguments); }
    wrapper.listener = fn;
    return this.on(name, wrapper);
  };
  EventEmitter.prototype.off = function (name, fn) {
    var list = this._listeners[name];
    if (!list) return this;
    this._listeners[name] = list.filter(function (l) { return l !== fn && l.listener !== fn; });
    return this;
  };
  EventEmitter.prototype.removeListener = EventEmitter.prototype.off;
  EventEmitter.prototype.removeAllListeners = function (name) {
    if (name === undefined) this._listeners = {}; else delete this._listeners[name];
    return this;
  };
  EventEmitter.prototype.emit = function (name) {
    var args = Array.prototype.slice.call(arguments, 1);
    (this._listeners[name] || []).slice().forEach(function (fn) {
      try { fn.apply(null, args); } catch (err) { setTimeout(function () { throw err; }); }
    });
    return this;
  };
  function inherit(Child, Parent) {
    Child.prototype = Object.create(Parent.prototype);
    Child.prototype.constructor = Child;
  }

  // ---------------------------------------------------------------- errors
  function ChatError(error) {
    var err = new Error(error.message);
    err.name = 'ChatError';
    err.code = error.code;
    err.status = error.status;
    err.moreInfo = error.more_info;
    return err;
  }

  function parseJson(text, fallback) {
    if (text === null || text === undefined || text === '') return fallback;
    try { return JSON.parse(text); } catch (e) { return fallback; }
  }
  function toDate(text) { return text ? new Date(text) : null; }

  function decodeToken(token) {
    try {
      var part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      return JSON.parse(decodeURIComponent(escape(atob(part))));
    } catch (e) { return {}; }
  }

  // ---------------------------------------------------------------- transport
  // One WebSocket, reconnected with backoff and jitter; resumes from the last event seq seen,
  // so events missed while away are replayed and duplicates are dropped by seq.
  function Transport(url, token, onEvent, onState) {
    this.url = url;
    this.token = token;
    this.onEvent = onEvent;
    this.onState = onState;
    this.lastSeq = null;
    this.nextId = 1;
    this.waiting = {};       // id -> {resolve, reject}
    this.outbox = [];        // commands sent before the socket was ready
    this.ready = false;
    this.closed = false;
    this.attempt = 0;
    this.ws = null;
    this.connect();
  }
  Transport.prototype.connect = function () {
    var self = this;
    if (this.closed || this.ws) return;
    this.onState('connecting');
    var ws = this.ws = new WebSocket(this.url);
    ws.onopen = function () {
      // A server that accepts the socket but never answers hello must not leave us 'connecting'.
      var silent = setTimeout(function () { if (self.ws === ws) ws.close(4000); }, HELLO_TIMEOUT);
      self.rawCall('hello', { token: self.token, since: self.lastSeq, protocol: 2 }).then(function (result) {
        clearTimeout(silent);
        self.attempt = 0;
        self.resource = { account_sid: result.account_sid, service_sid: result.service_sid, url: result.service_url };
        // A fresh session starts from now; a resumed one gets the missed events replayed next.
        if (result.since === null) self.lastSeq = Math.max(self.lastSeq || 0, result.seq);
        self.ready = true;
        self.onState('connected', result);
        var pending = self.outbox; self.outbox = [];
        pending.forEach(function (item) { self.transmit(item); });
      }, function (err) {
        clearTimeout(silent);
        if (err.code === 53000) return;  // the socket closed first; onclose reconnects
        self.denied = true;  // the token was refused: reconnect only after updateToken
        self.onState(err.code === 20104 ? 'expired' : 'denied', err);
      });
    };
    ws.onmessage = function (msg) { self.receive(msg.data); };
    ws.onclose = function (ev) {
      self.ready = false;
      self.ws = null;
      Object.keys(self.waiting).forEach(function (id) {
        self.waiting[id].reject(ChatError({ code: 53000, status: 0, message: 'Connection lost before a reply' }));
      });
      self.waiting = {};
      if (self.closed) return self.onState('disconnected');
      if (ev.code === 4001 || self.denied) return self.onState('denied');
      self.onState('connecting');
      var delay = Math.min(30000, 500 * Math.pow(2, self.attempt++));
      setTimeout(function () { self.connect(); }, delay / 2 + Math.random() * delay / 2);
    };
  };
  Transport.prototype.receive = function (text) {
    var frame;
    try { frame = JSON.parse(text); } catch (e) { return; }
    if (Array.isArray(frame)) frame = this.unpack(frame);
    if ('reply' in frame) {
      var waiter = this.waiting[frame.reply];
      if (!waiter) return;
      delete this.waiting[frame.reply];
      if (frame.error) waiter.reject(ChatError(frame.error)); else waiter.resolve(frame.result);
      return;
    }
    if (frame.seq !== null && frame.seq !== undefined) {
      if (this.lastSeq !== null && frame.seq <= this.lastSeq) return;  // already seen
      this.lastSeq = frame.seq;
    }
    this.onEvent(frame);
  };
  // Protocol 2's event frame is [event, seq, data]; a message in it is
  // [sid, channel_sid, index, from, body, date_created, {the other fields, when not the usual}],
  // rebuilt here into Twilio's message resource, as REST gives it (docs/protocol.md).
  var MESSAGE_EVENTS = { messageAdded: true, messageUpdated: true, messageRemoved: true };
  Transport.prototype.unpack = function (frame) {
    var data = frame[2];
    if (MESSAGE_EVENTS[frame[0]]) {
      var more = data[6] || {};
      var message = {
        sid: data[0], account_sid: this.resource.account_sid, service_sid: this.resource.service_sid,
        to: data[1], channel_sid: data[1], from: data[3], body: data[4], attributes: '{}', index: data[2],
        type: 'text', media: null, last_updated_by: null, was_edited: false,
        date_created: data[5], date_updated: data[5],
        url: this.resource.url + '/Channels/' + data[1] + '/Messages/' + data[0]
      };
      Object.keys(more).forEach(function (name) { message[name] = more[name]; });
      data = message;
    }
    return { event: frame[0], seq: frame[1], data: data };
  };
  Transport.prototype.rawCall = function (cmd, args) {
    var self = this;
    return new Promise(function (resolve, reject) {
      var id = self.nextId++;
      self.waiting[id] = { resolve: resolve, reject: reject };
      self.ws.send(JSON.stringify({ id: id, cmd: cmd, args: args || {} }));
    });
  };
  Transport.prototype.transmit = function (item) {
    this.rawCall(item.cmd, item.args).then(item.resolve, item.reject);
  };
  Transport.prototype.call = function (cmd, args) {
    var self = this;
    if (this.closed) return Promise.reject(ChatError({ code: 53000, status: 0, message: 'Client is shut down' }));
    return new Promise(function (resolve, reject) {
      var item = { cmd: cmd, args: args, resolve: resolve, reject: reject };
      if (self.ready) self.transmit(item); else self.outbox.push(item);
    });
  };
  Transport.prototype.close = function () {
    this.closed = true;
    if (this.ws) this.ws.close(1000); else this.onState('disconnected');
  };

  // ---------------------------------------------------------------- paginator
  function Paginator(items, prev, next) {
    this.items = items;
    this.hasPrevPage = !!prev;
    this.hasNextPage = !!next;
    this._prev = prev;
    this._next = next;
  }
  Paginator.prototype.prevPage = function () {
    return this._prev ? this._prev() : Promise.reject(new Error('No previous page'));
  };
  Paginator.prototype.nextPage = function () {
    return this._next ? this._next() : Promise.reject(new Error('No next page'));
  };

  // Copy the listed fields from `fresh` onto `target`; return the names that changed.
  function assign(target, fresh, names) {
    var changed = [];
    names.forEach(function (name) {
      var before = target[name], after = fresh[name];
      var same = before instanceof Date && after instanceof Date ? before.getTime() === after.getTime()
        : JSON.stringify(before) === JSON.stringify(after);
      if (!same) changed.push(name);
      target[name] = after;
    });
    return changed;
  }

  // ---------------------------------------------------------------- user
  var USER_FIELDS = ['friendlyName', 'attributes', 'online', 'notifiable'];

  function User(client, data) {
    EventEmitter.call(this);
    this._client = client;
    this.identity = data.identity;
    this.isSubscribed = true;
    this._update(data);
  }
  inherit(User, EventEmitter);
  User.prototype._update = function (data) {
    this.state = data;
    this.sid = data.sid;
    return assign(this, {
      friendlyName: data.friendly_name,
      attributes: parseJson(data.attributes, {}),
      online: data.is_online,
      notifiable: data.is_notifiable
    }, USER_FIELDS);
  };
  User.prototype._call = function (args) {
    var self = this;
    args.identity = this.identity;
    return this._client._call('user.update', args).then(function (data) {
      self._client._userUpdated(data);
      return self;
    });
  };
  User.prototype.updateFriendlyName = function (name) { return this._call({ friendlyName: name }); };
  User.prototype.updateAttributes = function (attributes) { return this._call({ attributes: attributes }); };
  User.prototype.unsubscribe = function () {
    var self = this;
    this.isSubscribed = false;
    delete this._client._users[this.identity];
    return this._client._call('user.unsubscribe', { identity: this.identity }).then(function () {
      self._client.emit('userUnsubscribed', self);
    });
  };

  // ---------------------------------------------------------------- member
  var MEMBER_FIELDS = ['attributes', 'dateCreated', 'dateUpdated', 'roleSid', 'lastConsumedMessageIndex',
    'lastConsumptionTimestamp'];

  function Member(channel, data) {
    EventEmitter.call(this);
    this.channel = channel;
    this.isTyping = false;
    this.type = 'chat';
    this._update(data);
  }
  inherit(Member, EventEmitter);
  Member.prototype._update = function (data) {
    this.state = data;
    this.sid = data.sid || data.member_sid || this.sid;
    this.identity = data.identity;
    if (data.role_sid === undefined) return [];  // a typing notice carries no member fields
    return assign(this, {
      attributes: parseJson(data.attributes, {}),
      dateCreated: toDate(data.date_created),
      dateUpdated: toDate(data.date_updated),
      roleSid: data.role_sid,
      lastConsumedMessageIndex: data.last_consumed_message_index,
      lastConsumptionTimestamp: toDate(data.last_consumption_timestamp)
    }, MEMBER_FIELDS);
  };
  Member.prototype.getUser = function () { return this.channel._client.getUser(this.identity); };
  Member.prototype.getUserDescriptor = Member.prototype.getUser;
  Member.prototype.remove = function () { return this.channel.removeMember(this); };
  Member.prototype._typing = function (seconds) {
    var self = this;
    clearTimeout(this._typingTimer);
    var started = !this.isTyping;
    this.isTyping = true;
    this._typingTimer = setTimeout(function () { self._typingEnded(); }, seconds * 1000);
    return started;
  };
  Member.prototype._typingEnded = function () {
    clearTimeout(this._typingTimer);
    if (!this.isTyping) return;
    this.isTyping = false;
    this.emit('typingEnded', this);
    this.channel.emit('typingEnded', this);
    this.channel._client.emit('typingEnded', this);
  };

  // ---------------------------------------------------------------- message
  var MESSAGE_FIELDS = ['body', 'attributes', 'author', 'lastUpdatedBy', 'dateCreated', 'dateUpdated'];

  function Message(channel, data) {
    EventEmitter.call(this);
    this.channel = channel;
    this._update(data);
  }
  inherit(Message, EventEmitter);
  Message.prototype._update = function (data) {
    this.state = data;
    this.sid = data.sid;
    this.index = data.index;
    this.type = data.type;
    this.wasEdited = data.was_edited;
    this.memberSid = this.channel._memberSidOf(data.from);
    this.media = data.media ? new Media(this, data.media) : null;
    var changed = assign(this, {
      body: data.type === 'media' && !data.body ? null : data.body,
      attributes: parseJson(data.attributes, {}),
      author: data.from,
      lastUpdatedBy: data.last_updated_by,
      dateCreated: toDate(data.date_created),
      dateUpdated: toDate(data.date_updated)
    }, MESSAGE_FIELDS);
    this.timestamp = this.dateCreated;  // the 2015 name
    return changed;
  };
  Message.prototype._call = function (cmd, args) {
    args = args || {};
    args.message = this.sid;
    return this.channel._call(cmd, args);
  };
  Message.prototype.updateBody = function (body) {
    var self = this;
    return this._call('message.update', { body: body }).then(function (data) { self._update(data); return self; });
  };
  Message.prototype.updateAttributes = function (attributes) {
    var self = this;
    return this._call('message.update', { attributes: attributes }).then(function (data) { self._update(data); return self; });
  };
  // Our extension: the server merges the reaction, so people reacting at once all count.
  Message.prototype.react = function (reaction, action) {
    var self = this;
    return this._call('message.react', { reaction: reaction, action: action || 'toggle' })
      .then(function (data) { self._update(data); return self; });
  };
  Message.prototype.remove = function () {
    var self = this;
    return this._call('message.remove').then(function () { return self; });
  };
  Message.prototype.getMember = function () { return this.channel.getMemberByIdentity(this.author); };

  function Media(message, data) {
    this._message = message;
    this.sid = data.sid;
    this.filename = data.filename;
    this.contentType = data.content_type;
    this.size = data.size;
  }
  // A URL that serves the picture without a token for a few minutes (for <img src>).
  Media.prototype.getContentTemporaryUrl = function () {
    var client = this._message.channel._client;
    return client._http('GET', '/media/' + encodeURIComponent(this.sid) + '/url').then(function (result) {
      return result.url;
    });
  };

  // ---------------------------------------------------------------- channel
  var CHANNEL_FIELDS = ['friendlyName', 'uniqueName', 'attributes', 'createdBy', 'dateCreated', 'dateUpdated',
    'lastConsumedMessageIndex', 'status', 'lastMessage'];

  function Channel(client, data) {
    EventEmitter.call(this);
    this._client = client;
    this._members = {};    // sid -> Member
    this._messages = {};   // sid -> Message, so edits update the objects the app holds
    this.status = 'notParticipating';
    this.lastConsumedMessageIndex = null;
    this.notificationLevel = 'default';
    this._update(data);
  }
  inherit(Channel, EventEmitter);
  Channel.prototype._update = function (data) {
    this.state = Object.assign({}, this.state, data);
    this.sid = data.sid;
    this.type = data.type;
    this.isPrivate = data.type === 'private';
    this.membersCount = data.members_count;
    this.messagesCount = data.messages_count;
    var fresh = {
      friendlyName: data.friendly_name,
      uniqueName: data.unique_name,
      attributes: parseJson(data.attributes, {}),
      createdBy: data.created_by,
      dateCreated: toDate(data.date_created),
      dateUpdated: toDate(data.date_updated),
      lastConsumedMessageIndex: data.last_consumed_message_index !== undefined
        ? data.last_consumed_message_index : this.lastConsumedMessageIndex,
      status: data.status || this.status,
      lastMessage: data.last_message_index !== undefined
        ? (data.last_message_index === null ? undefined
          : { index: data.last_message_index, dateCreated: toDate(data.last_message_date) })
        : this.lastMessage
    };
    return assign(this, fresh, CHANNEL_FIELDS);
  };
  Channel.prototype._call = function (cmd, args) {
    args = args || {};
    args.channel = this.sid;
    return this._client._transport.call(cmd, args);
  };
  Channel.prototype._memberSidOf = function (identity) {
    for (var sid in this._members) if (this._members[sid].identity === identity) return sid;
    return undefined;
  };
  Channel.prototype._member = function (data) {
    var sid = data.sid || data.member_sid || this._memberSidOf(data.identity);
    var member = sid && this._members[sid];
    if (member) { member._update(data); return member; }
    member = new Member(this, data);
    if (member.sid) this._members[member.sid] = member;
    return member;
  };
  Channel.prototype._message = function (data) {
    var message = this._messages[data.sid];
    if (message) message._update(data); else message = this._messages[data.sid] = new Message(this, data);
    return message;
  };
  Channel.prototype._refresh = function (data) {
    var reasons = this._update(data);
    if (reasons.length) {
      var change = { channel: this, updateReasons: reasons };
      this.emit('updated', change);
      this._client.emit('channelUpdated', change);
    }
    return this;
  };
  Channel.prototype._setStatus = function (status) {
    return this._refresh(Object.assign({}, this.state, { status: status }));
  };
  Channel.prototype.join = function () {
    var self = this;
    return this._call('channel.join').then(function (member) {
      self._member(member);
      return self._setStatus('joined');
    });
  };
  Channel.prototype.leave = function () {
    var self = this;
    return this._call('channel.leave').then(function () { return self._setStatus('notParticipating'); });
  };
  Channel.prototype.decline = function () {
    var self = this;
    return this._call('channel.decline').then(function () { return self._setStatus('notParticipating'); });
  };
  Channel.prototype.delete = function () {
    var self = this;
    return this._call('channel.delete').then(function () { return self; });
  };
  Channel.prototype.invite = function (identity) {
    return this._call('channel.invite', { identity: identity }).then(function () {});
  };
  Channel.prototype.add = function (identity) {
    return this._call('channel.add', { identity: identity }).then(function () {});
  };
  Channel.prototype.removeMember = function (member) {
    var key = typeof member === 'string' ? member : member.sid || member.identity;
    return this._call('channel.removeMember', { member: key }).then(function () {});
  };
  // Tell the others we are typing; sent at most once a second however often it is called.
  Channel.prototype.typing = function () {
    var now = Date.now();
    if (this._lastTyping && now - this._lastTyping < 1000) return Promise.resolve();
    this._lastTyping = now;
    return this._call('channel.typing').then(function () {});
  };
  Channel.prototype.sendMessage = function (body, attributes) {
    var client = this._client;
    if (body && typeof body === 'object' && (body instanceof FormData || body.media !== undefined)) {
      return client._upload(this.sid, body).then(function (message) { return message.index; });
    }
    return this._call('message.send', { body: body, attributes: attributes })
      .then(function (message) { return message.index; });
  };
  Channel.prototype.getMessages = function (pageSize, anchor, direction) {
    var self = this;
    pageSize = pageSize || 30;
    direction = direction || 'backwards';
    var hasAnchor = anchor !== undefined && anchor !== null;
    return this._call('messages.page', { pageSize: pageSize, anchor: hasAnchor ? anchor : null, direction: direction })
      .then(function (page) {
        var items = page.items.map(function (data) { return self._message(data); });
        var first = items.length ? items[0].index : null;
        var last = items.length ? items[items.length - 1].index : null;
        var older = direction === 'backwards' ? page.more : hasAnchor && first > 0;
        var newer = direction === 'forward' ? page.more : hasAnchor && page.newer;
        return new Paginator(
          items,
          older && first !== null ? function () { return self.getMessages(pageSize, first - 1, 'backwards'); } : null,
          newer && last !== null ? function () { return self.getMessages(pageSize, last + 1, 'forward'); } : null
        );
      });
  };
  Channel.prototype.getMembers = function () {
    var self = this;
    return this._call('channel.members').then(function (list) {
      return list.map(function (data) { return self._member(data); });
    });
  };
  Channel.prototype.getMemberByIdentity = function (identity) {
    return this.getMembers().then(function (members) {
      var found = members.filter(function (m) { return m.identity === identity; })[0];
      if (!found) throw ChatError({ code: 50400, status: 404, message: 'Member ' + identity + ' not found' });
      return found;
    });
  };
  Channel.prototype.getMemberBySid = function (sid) {
    return this.getMembers().then(function (members) {
      var found = members.filter(function (m) { return m.sid === sid; })[0];
      if (!found) throw ChatError({ code: 50400, status: 404, message: 'Member ' + sid + ' not found' });
      return found;
    });
  };
  Channel.prototype._fetch = function () {
    var self = this;
    return this._call('channel.get').then(function (data) { return self._refresh(data); });
  };
  Channel.prototype.getMembersCount = function () { return this._fetch().then(function (c) { return c.membersCount; }); };
  Channel.prototype.getMessagesCount = function () { return this._fetch().then(function (c) { return c.messagesCount; }); };
  Channel.prototype.getAttributes = function () { return this._fetch().then(function (c) { return c.attributes; }); };
  Channel.prototype.getUnconsumedMessagesCount = function () { return this._call('channel.unreadCount'); };
  Channel.prototype._horizon = function (args) { return this._call('channel.readHorizon', args); };
  Channel.prototype.advanceLastConsumedMessageIndex = function (index) {
    return this._horizon({ index: index, advance: true });
  };
  Channel.prototype.updateLastConsumedMessageIndex = function (index) { return this._horizon({ index: index }); };
  Channel.prototype.setAllMessagesConsumed = function () { return this._horizon({ all: true }); };
  Channel.prototype.setNoMessagesConsumed = function () { return this._horizon({ index: null }); };
  Channel.prototype._edit = function (args) {
    var self = this;
    return this._call('channel.update', args).then(function (data) { return self._refresh(data); });
  };
  Channel.prototype.updateFriendlyName = function (name) { return this._edit({ friendlyName: name }); };
  Channel.prototype.updateUniqueName = function (name) { return this._edit({ uniqueName: name }); };
  Channel.prototype.updateAttributes = function (attributes) { return this._edit({ attributes: attributes }); };

  // A snapshot of a channel from a directory listing; getChannel() gives the live object.
  function ChannelDescriptor(client, data) {
    this._client = client;
    this.sid = data.sid;
    this.uniqueName = data.unique_name;
    this.friendlyName = data.friendly_name;
    this.attributes = parseJson(data.attributes, {});
    this.createdBy = data.created_by;
    this.dateCreated = toDate(data.date_created);
    this.dateUpdated = toDate(data.date_updated);
    this.messagesCount = data.messages_count;
    this.membersCount = data.members_count;
    this.lastConsumedMessageIndex = data.last_consumed_message_index;
    this.status = data.status;
    this.type = data.type;
    this.isPrivate = data.type === 'private';
    this.notificationLevel = 'default';
    this._data = data;
  }
  ChannelDescriptor.prototype.getChannel = function () {
    return Promise.resolve(this._client._channel(this._data));
  };

  // ---------------------------------------------------------------- client
  function wsUrl(options) {
    if (options && options.wsUrl) return options.wsUrl;
    var loc = global.location;
    return (loc.protocol === 'https:' ? 'wss://' : 'ws://') + loc.host + '/ws';
  }

  function Client(token, options) {
    EventEmitter.call(this);
    var self = this;
    this.version = VERSION;
    this.token = token;
    this.connectionState = 'unknown';
    this.user = null;
    this.reachabilityEnabled = false;
    this._channels = {};
    this._users = {};
    this._options = options || {};
    this._initialized = new Promise(function (resolve, reject) { self._resolveInit = resolve; self._rejectInit = reject; });
    this._initialized.catch(function () {});  // reported through stateChanged('failed') too
    this._transport = new Transport(wsUrl(this._options), token,
      function (frame) { self._onEvent(frame); },
      function (state, detail) { self._onState(state, detail); });
  }
  inherit(Client, EventEmitter);

  Client.create = function (token, options) {
    var client = new Client(token, options);
    return client._initialized.then(function () { return client; });
  };

  Client.prototype._setState = function (state) {
    if (this.connectionState === state) return;
    this.connectionState = state;
    this.emit('connectionStateChanged', state);
  };
  Client.prototype._onState = function (state, detail) {
    if (state === 'connected') {
      this.identity = detail.identity;
      this.user = this._user(detail.user);
      this.reachabilityEnabled = detail.user.is_online !== null;
      this._setState('connected');
      if (!this._ready) {
        this._ready = true;
        this._resolveInit(this);
        this.emit('stateChanged', 'initialized');
      }
    } else if (state === 'denied' || state === 'expired') {
      this._setState('denied');
      if (state === 'expired') this.emit('tokenExpired');
      this.emit('connectionError', { terminal: true, message: detail ? detail.message : 'Access denied',
        errorCode: detail ? detail.code : undefined });
      if (!this._ready) { this.emit('stateChanged', 'failed'); this._rejectInit(detail || new Error('Access denied')); }
    } else {
      this._setState(state);
    }
  };
  Client.prototype._channel = function (data) {
    var channel = this._channels[data.sid];
    if (channel) channel._update(data); else channel = this._channels[data.sid] = new Channel(this, data);
    return channel;
  };
  Client.prototype._user = function (data) {
    var user = this._users[data.identity];
    if (user) user._update(data); else user = this._users[data.identity] = new User(this, data);
    return user;
  };
  Client.prototype._userUpdated = function (data) {
    var user = this._users[data.identity];
    if (!user) { user = this._user(data); return; }
    var reasons = user._update(data);
    if (!reasons.length) return;
    var change = { user: user, updateReasons: reasons };
    user.emit('updated', change);
    this.emit('userUpdated', change);
    this.emit('userInfoUpdated', change);  // the 2015 name
  };

  // Server events, by name: each updates the objects the app holds, then emits Twilio's events.
  var EVENTS = {
    messageAdded: function (client, data) {
      var channel = client._channels[data.channel_sid];
      if (!channel) return;
      var message = channel._message(data);
      channel.lastMessage = { index: message.index, dateCreated: message.dateCreated };
      channel.messagesCount = (channel.messagesCount || 0) + 1;
      var typist = channel._members[channel._memberSidOf(message.author)];
      if (typist) typist._typingEnded();
      channel.emit('messageAdded', message);
      client.emit('messageAdded', message);
    },
    messageUpdated: function (client, data) {
      var channel = client._channels[data.channel_sid];
      if (!channel) return;
      var known = channel._messages[data.sid];
      var message = known || channel._message(data);
      var change = { message: message, updateReasons: known ? known._update(data) : ['body', 'attributes'] };
      message.emit('updated', change);
      channel.emit('messageUpdated', change);
      client.emit('messageUpdated', change);
    },
    messageRemoved: function (client, data) {
      var channel = client._channels[data.channel_sid];
      if (!channel) return;
      var message = channel._message(data);
      delete channel._messages[data.sid];
      channel.messagesCount = Math.max(0, (channel.messagesCount || 1) - 1);
      channel.emit('messageRemoved', message);
      client.emit('messageRemoved', message);
    },
    memberJoined: function (client, data) {
      var channel = client._channels[data.channel_sid];
      if (!channel) return;
      var member = channel._member(data);
      channel.emit('memberJoined', member);
      client.emit('memberJoined', member);
    },
    memberLeft: function (client, data) {
      var channel = client._channels[data.channel_sid];
      if (!channel) return;
      var member = channel._member(data);
      member._typingEnded();
      delete channel._members[member.sid];
      channel.emit('memberLeft', member);
      client.emit('memberLeft', member);
    },
    memberUpdated: function (client, data) {
      var channel = client._channels[data.channel_sid];
      if (!channel) return;
      var known = channel._members[data.sid];
      var member = known || channel._member(data);
      var change = { member: member, updateReasons: known ? known._update(data) : MEMBER_FIELDS.slice() };
      member.emit('updated', change);
      channel.emit('memberUpdated', change);
      client.emit('memberUpdated', change);
      if (data.identity === client.identity) {  // our own horizon, perhaps moved in another tab
        channel._refresh(Object.assign({}, channel.state, { last_consumed_message_index: data.last_consumed_message_index }));
      }
    },
    typingStarted: function (client, data) {
      var channel = client._channels[data.channel_sid];
      if (!channel || data.identity === client.identity) return;
      var member = channel._member(data);
      if (!member._typing(data.timeout)) return;
      member.emit('typingStarted', member);
      channel.emit('typingStarted', member);
      client.emit('typingStarted', member);
    },
    channelAdded: function (client, data) { client.emit('channelAdded', client._channel(data)); },
    channelUpdated: function (client, data) {
      var known = client._channels[data.sid];
      if (known) known._refresh(data); else client._channel(data);
    },
    channelRemoved: function (client, data) {
      var channel = client._channel(data);
      delete client._channels[data.sid];
      channel.status = 'notParticipating';
      channel.emit('removed', channel);
      client.emit('channelRemoved', channel);
    },
    channelJoined: function (client, data) {
      client.emit('channelJoined', client._channel(data)._setStatus('joined'));
    },
    channelLeft: function (client, data) {
      var channel = client._channel(data);
      channel.lastConsumedMessageIndex = null;
      client.emit('channelLeft', channel._setStatus('notParticipating'));
    },
    channelInvited: function (client, data) {
      client.emit('channelInvited', client._channel(data)._setStatus('invited'));
    },
    userUpdated: function (client, data) { client._userUpdated(data); },
    tokenAboutToExpire: function (client, data) { client.emit('tokenAboutToExpire', data.ttl); },
    tokenExpired: function (client) {
      client._transport.denied = true;  // no reconnecting with this token: wait for updateToken
      client.emit('tokenExpired');
    }
  };

  Client.prototype._onEvent = function (frame) {
    var handler = EVENTS[frame.event];
    if (handler) handler(this, frame.data); else this.emit(frame.event, frame.data);
  };
  Client.prototype._call = function (cmd, args) { return this._transport.call(cmd, args); };

  Client.prototype.getChannelBySid = function (sid) {
    var self = this;
    return this._call('channel.get', { channel: sid }).then(function (data) { return self._channel(data); });
  };
  Client.prototype.getChannelByUniqueName = function (name) {
    var self = this;
    return this._call('channel.get', { channel: name }).then(function (data) { return self._channel(data); });
  };
  Client.prototype.createChannel = function (options) {
    var self = this;
    options = options || {};
    return this._call('channel.create', {
      friendlyName: options.friendlyName, uniqueName: options.uniqueName,
      isPrivate: !!options.isPrivate, attributes: options.attributes
    }).then(function (data) { return self._channel(data); });
  };
  // Our extension: the private channel of this user and another, made once per pair.
  Client.prototype.openDirectChannel = function (identity) {
    var self = this;
    return this._call('channel.direct', { identity: identity }).then(function (data) { return self._channel(data); });
  };
  Client.prototype.getSubscribedChannels = function () {
    var self = this;
    return this._call('channels.subscribed').then(function (list) {
      return new Paginator(list.map(function (data) { return self._channel(data); }), null, null);
    });
  };
  Client.prototype.getLocalChannels = function (sort) {
    var list = Object.keys(this._channels).map(function (sid) { return this._channels[sid]; }, this);
    var criteria = sort && sort.criteria, descending = sort && sort.order === 'descending';
    if (criteria) {
      list.sort(function (a, b) {
        var x = criteria === 'lastMessage' ? (a.lastMessage ? a.lastMessage.index : -1) : (a[criteria] || '');
        var y = criteria === 'lastMessage' ? (b.lastMessage ? b.lastMessage.index : -1) : (b[criteria] || '');
        return (x < y ? -1 : x > y ? 1 : 0) * (descending ? -1 : 1);
      });
    }
    return Promise.resolve(list);
  };
  Client.prototype.getPublicChannelDescriptors = function (after) {
    var self = this;
    return this._call('channels.public', { after: after || 0 }).then(function (page) {
      var items = page.items.map(function (data) { return new ChannelDescriptor(self, data); });
      return new Paginator(items, null, page.next ? function () { return self.getPublicChannelDescriptors(page.next); } : null);
    });
  };
  // Our extension, not in Twilio's SDK: messages containing `query` in the channels this user
  // may read, newest first. options: channel (SID, unique name or Channel), author, pageSize.
  Client.prototype.searchMessages = function (query, options, before) {
    var self = this;
    options = options || {};
    var channel = options.channel && options.channel.sid ? options.channel.sid : options.channel;
    return this._call('messages.search', {
      query: query, channel: channel || null, author: options.author || null,
      pageSize: options.pageSize || 20, before: before === undefined ? null : before
    }).then(function (page) {
      var items = page.items.map(function (data) { return self._channel(page.channels[data.channel_sid])._message(data); });
      return new Paginator(items, null, page.next !== null ? function () { return self.searchMessages(query, options, page.next); } : null);
    });
  };
  Client.prototype.getUserChannelDescriptors = function () {
    var self = this;
    return this._call('channels.user').then(function (list) {
      return new Paginator(list.map(function (data) { return new ChannelDescriptor(self, data); }), null, null);
    });
  };
  Client.prototype.getUser = function (identity) {
    var self = this;
    return this._call('user.get', { identity: identity }).then(function (data) {
      var user = self._user(data);
      self.emit('userSubscribed', user);
      return user;
    });
  };
  Client.prototype.getUserDescriptor = Client.prototype.getUser;
  Client.prototype.getSubscribedUsers = function () {
    var users = this._users;
    return Promise.resolve(Object.keys(users).map(function (identity) { return users[identity]; }));
  };
  // Push registration as in Twilio's SDK: the binding is stored (REST Bindings); delivering
  // pushes is up to the application.
  Client.prototype.setPushRegistrationId = function (channelType, registrationId) {
    return this._call('push.register', { type: channelType, address: registrationId }).then(function () {});
  };
  Client.prototype.unsetPushRegistrationId = function (channelType) {
    return this._call('push.unregister', { type: channelType }).then(function () {});
  };
  // Pictures go over HTTP (POST /media, as Twilio's SDK uploads to its media service), then
  // the server sends the media message.
  Client.prototype._upload = function (channelSid, media) {
    var body = media, headers = {};
    var query = '?channel=' + encodeURIComponent(channelSid);
    if (!(media instanceof FormData)) {
      body = media.media;
      headers['Content-Type'] = media.contentType;
      if (media.filename) query += '&filename=' + encodeURIComponent(media.filename);
    }
    return this._http('POST', '/media' + query, body, headers);
  };
  // The media routes are plain HTTP with the access token (docs/media.md).
  Client.prototype._http = function (method, path, body, headers) {
    headers = Object.assign({ Authorization: 'Bearer ' + this.token }, headers || {});
    return fetch((this._options.httpBase || '') + path, { method: method, headers: headers, body: body })
      .then(function (response) {
        return response.json().then(function (json) {
          if (!response.ok) throw ChatError(json);
          return json;
        });
      });
  };
  Client.prototype.updateToken = function (token) {
    var self = this;
    this.token = this._transport.token = token;
    this._transport.denied = false;
    if (!this._transport.ready) {  // the next hello uses it; after a denial, that is now
      this._transport.connect();
      return Promise.resolve(this);
    }
    return this._call('token.update', { token: token }).then(function () { return self; });
  };
  Client.prototype.shutdown = function () {
    this._transport.close();
    return Promise.resolve();
  };

  // ---------------------------------------------------------------- 2015 names
  function AccessManager(token) {
    EventEmitter.call(this);
    this._setToken(token);
  }
  inherit(AccessManager, EventEmitter);
  AccessManager.prototype._setToken = function (token) {
    var claims = decodeToken(token);
    this.token = token;
    this.identity = claims.grants ? claims.grants.identity : undefined;
    this.expires = claims.exp ? new Date(claims.exp * 1000) : null;
    this.isExpired = this.expires ? this.expires.getTime() <= Date.now() : false;
  };
  AccessManager.prototype.updateToken = function (token) {
    this._setToken(token);
    this.emit('tokenUpdated', this);
    return Promise.resolve(this);
  };

  function LegacyClient(accessManager, options) {
    var self = this;
    Client.call(this, accessManager.token, options);
    this.accessManager = accessManager;
    this.identity = accessManager.identity;
    accessManager.on('tokenUpdated', function (am) { self.updateToken(am.token); });
  }
  inherit(LegacyClient, Client);
  LegacyClient.prototype.initialize = function () {
    var self = this;
    return this._initialized.then(function () { return self; });
  };
  // The 2015 SDK resolved null for a channel it could not find, where the modern one rejects.
  LegacyClient.prototype.getChannelByUniqueName = function (name) {
    return Client.prototype.getChannelByUniqueName.call(this, name).catch(function (err) {
      if (err.code === 50300) return null;
      throw err;
    });
  };
  LegacyClient.prototype.getChannelBySid = function (sid) {
    return Client.prototype.getChannelBySid.call(this, sid).catch(function (err) {
      if (err.code === 50300) return null;
      throw err;
    });
  };

  var Twilio = global.Twilio = global.Twilio || {};
  Twilio.Chat = { Client: Client, Channel: Channel, Message: Message, Paginator: Paginator, version: VERSION };
  Twilio.AccessManager = AccessManager;
  Twilio.IPMessaging = { Client: LegacyClient };
})(typeof window !== 'undefined' ? window : this);
