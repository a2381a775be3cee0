/*
 * A Twilio Chat client for this server: Twilio.Chat.Client with the SDK's names, plus the 2015
 * names (Twilio.AccessManager, Twilio.IPMessaging.Client). No build step, no dependencies.
 * The wire protocol is described in docs/protocol.md.
 */
(function (global) {
  'use strict';

  var VERSION = '0.1.0';

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
    if (this.closed) return;
    this.onState('connecting');
    var ws = this.ws = new WebSocket(this.url);
    ws.onopen = function () {
      self.rawCall('hello', { token: self.token, since: self.lastSeq }).then(function (result) {
        self.attempt = 0;
        // A fresh session starts from now; a resumed one gets the missed events replayed next.
        if (result.since === null) self.lastSeq = Math.max(self.lastSeq || 0, result.seq);
        self.ready = true;
        self.onState('connected', result);
        var pending = self.outbox; self.outbox = [];
        pending.forEach(function (item) { self.transmit(item); });
      }, function (err) {
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
      if (ev.code === 4001) return self.onState('denied');
      self.onState('connecting');
      var delay = Math.min(30000, 500 * Math.pow(2, self.attempt++));
      setTimeout(function () { self.connect(); }, delay / 2 + Math.random() * delay / 2);
    };
  };
  Transport.prototype.receive = function (text) {
    var frame;
    try { frame = JSON.parse(text); } catch (e) { return; }
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

  // ---------------------------------------------------------------- message
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
    this.author = data.from;
    this.body = data.type === 'media' && !data.body ? null : data.body;
    this.attributes = parseJson(data.attributes, {});
    this.type = data.type;
    this.media = data.media ? {
      sid: data.media.sid, filename: data.media.filename,
      contentType: data.media.content_type, size: data.media.size
    } : null;
    this.lastUpdatedBy = data.last_updated_by;
    this.wasEdited = data.was_edited;
    this.dateCreated = toDate(data.date_created);
    this.dateUpdated = toDate(data.date_updated);
    this.timestamp = this.dateCreated;  // the 2015 name
  };

  // ---------------------------------------------------------------- channel
  function Channel(client, data) {
    EventEmitter.call(this);
    this._client = client;
    this._update(data);
  }
  inherit(Channel, EventEmitter);
  Channel.prototype._update = function (data) {
    this.state = data;
    this.sid = data.sid;
    this.uniqueName = data.unique_name;
    this.friendlyName = data.friendly_name;
    this.attributes = parseJson(data.attributes, {});
    this.createdBy = data.created_by;
    this.dateCreated = toDate(data.date_created);
    this.dateUpdated = toDate(data.date_updated);
    this.type = data.type;
    this.isPrivate = data.type === 'private';
    this.membersCount = data.members_count;
    this.messagesCount = data.messages_count;
    if (data.status !== undefined) this.status = data.status;
    if (data.last_consumed_message_index !== undefined) this.lastConsumedMessageIndex = data.last_consumed_message_index;
  };
  Channel.prototype._call = function (cmd, args) {
    args = args || {};
    args.channel = this.sid;
    return this._client._transport.call(cmd, args);
  };
  Channel.prototype.join = function () {
    var self = this;
    return this._call('channel.join').then(function () {
      self.status = 'joined';
      return self;
    });
  };
  Channel.prototype.sendMessage = function (body, attributes) {
    return this._call('message.send', { body: body, attributes: attributes })
      .then(function (message) { return message.index; });
  };
  Channel.prototype.getMessages = function (pageSize, anchor, direction) {
    var self = this;
    pageSize = pageSize || 30;
    direction = direction || 'backwards';
    return this._call('messages.page', { pageSize: pageSize, anchor: anchor === undefined ? null : anchor, direction: direction })
      .then(function (page) {
        var items = page.items.map(function (data) { return new Message(self, data); });
        var first = items.length ? items[0].index : null;
        var last = items.length ? items[items.length - 1].index : null;
        var older = direction === 'backwards' ? page.more : anchor !== undefined && anchor !== null && first > 0;
        var newer = direction === 'forward' ? page.more : anchor !== undefined && anchor !== null && items.length > 0;
        return new Paginator(
          items,
          older && first !== null ? function () { return self.getMessages(pageSize, first - 1, 'backwards'); } : null,
          newer && last !== null ? function () { return self.getMessages(pageSize, last + 1, 'forward'); } : null
        );
      });
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
    this._channels = {};
    this._options = options || {};
    this._initialized = new Promise(function (resolve, reject) { self._resolveInit = resolve; self._rejectInit = reject; });
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
      this.user = detail.user;
      this.identity = detail.identity;
      this._setState('connected');
      this._resolveInit(this);
      this.emit('stateChanged', 'initialized');
    } else if (state === 'denied' || state === 'expired') {
      this._setState('denied');
      if (state === 'expired') this.emit('tokenExpired');
      this._rejectInit(detail || new Error('Access denied'));
    } else {
      this._setState(state);
    }
  };
  Client.prototype._channel = function (data) {
    var channel = this._channels[data.sid];
    if (channel) channel._update(data); else channel = this._channels[data.sid] = new Channel(this, data);
    return channel;
  };
  Client.prototype._onEvent = function (frame) {
    var data = frame.data, channel;
    switch (frame.event) {
      case 'messageAdded':
        channel = this._channels[data.channel_sid];
        if (!channel) return;
        var message = new Message(channel, data);
        channel.emit('messageAdded', message);
        this.emit('messageAdded', message);
        break;
      case 'memberJoined':
        channel = this._channels[data.channel_sid];
        if (channel) channel.emit('memberJoined', data);
        this.emit('memberJoined', data);
        break;
      case 'channelAdded':
        this.emit('channelAdded', this._channel(data));
        break;
      case 'channelJoined':
        channel = this._channel(data);
        channel.status = 'joined';
        this.emit('channelJoined', channel);
        break;
      case 'tokenAboutToExpire':
        this.emit('tokenAboutToExpire', data.ttl);
        break;
      case 'tokenExpired':
        this.emit('tokenExpired');
        break;
      default:
        this.emit(frame.event, data);
    }
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
  Client.prototype.getSubscribedChannels = function () {
    var self = this;
    return this._call('channels.subscribed').then(function (list) {
      return new Paginator(list.map(function (data) { return self._channel(data); }), null, null);
    });
  };
  Client.prototype.updateToken = function (token) {
    var self = this;
    this.token = this._transport.token = token;
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
