// The chat page. It talks to the server only through the public JS client (Twilio's SDK names)
// and /token for access tokens, as the quickstart did (pictures go through the client too).
// All user text reaches the page through textContent; nothing user-made becomes HTML.
(function () {
  'use strict';

  var PAGE_SIZE = 30;
  var GROUP_GAP_MS = 5 * 60 * 1000;
  var MAX_PICTURE = 5 * 1024 * 1024;
  var PICTURE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
  // Only to greet a returning person: the server decides who this browser is (its cookie).
  var SEEN_KEY = 'chat.seenIdentity';

  function $(id) { return document.getElementById(id); }
  var ui = {
    app: $('app'), sidebar: $('sidebar'), sidebarToggle: $('sidebar-toggle'), scrim: $('scrim'),
    myName: $('my-name'), myDot: $('my-dot'), profileForm: $('profile-form'), displayName: $('display-name'),
    invitesSection: $('invites-section'), invites: $('invites'), myChannels: $('my-channels'),
    browse: $('browse-refresh'), publicChannels: $('public-channels'),
    createDetails: $('create-details'), createForm: $('create-form'), sidebarError: $('sidebar-error'),
    title: $('channel-title'), meta: $('channel-meta'), leave: $('leave-button'),
    membersToggle: $('members-toggle'), membersCount: $('members-count'), membersPanel: $('members-panel'),
    members: $('members'), inviteForm: $('invite-form'), inviteIdentity: $('invite-identity'), inviteStatus: $('invite-status'),
    connection: $('connection'), notices: $('notices'), noticeLines: $('notice-lines'), messages: $('messages'), list: $('message-list'),
    loadOlder: $('load-older'), pill: $('new-pill'), dropZone: $('drop-zone'), timeline: $('timeline'),
    announcer: $('announcer'), typing: $('typing'),
    composer: $('composer'), composerLabel: $('composer-label'), input: $('chat-input'), fileInput: $('file-input'),
    attach: $('attach-button'), send: $('send-button'), composerError: $('composer-error'),
    directChannels: $('direct-channels'), notifyButton: $('notify-button'), notifyStatus: $('notify-status'),
    notifyLevel: $('notify-level'), replyBar: $('reply-bar'), replyText: $('reply-text'), replyCancel: $('reply-cancel'),
    mentionList: $('mention-list'), composerNote: $('composer-note')
  };
  var lastAuthor = {};        // sid -> author of the newest message heard
  var format = window.ChatPage.format;
  var notify = window.ChatPage.notify;
  var COMMON_REACTIONS = ['👍', '❤️', '😂', '🎉', '😮', '😢'];
  var MORE_REACTIONS = ['🙏', '👀', '🔥', '✅', '💯', '🤔', '👏', '🚀', '😊', '🙌', '💡', '⭐'];

  var client = null;
  var token = null;
  var identity = null;
  var channels = {};          // sid -> Channel the user has joined
  var invited = {};           // sid -> Channel the user is invited to
  var unread = {};            // sid -> unread count
  var users = {};             // identity -> {friendlyName, online}
  var mentioned = {};         // sid -> unread mentions of this user
  var view = null;            // the open channel: {channel, messages, paginator, horizon, typing}
  var replyTo = null;         // the message the composer answers, or null
  var lastTyping = 0;

  // ------------------------------------------------------------------ small helpers
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function has(object, method) { return object && typeof object[method] === 'function'; }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function showError(target, err) { target.textContent = err ? (err.message || String(err)) : ''; }
  function directPartner(channel) {
    var pair = channel && channel.attributes && channel.attributes.direct;
    if (!Array.isArray(pair) || pair.length !== 2 || pair.indexOf(identity) < 0) return null;
    return pair[0] === identity ? pair[1] : pair[0];
  }
  function channelName(channel) {
    var partner = directPartner(channel);
    if (partner) return displayName(partner);
    return channel.friendlyName || channel.uniqueName || channel.sid;
  }
  function displayName(who) {
    var known = users[who];
    return (known && known.friendlyName) || who;
  }
  function nameSpan(who, className) {
    var span = el('span', className, displayName(who));
    span.dataset.identity = who;
    return span;
  }
  function refreshNames(who) {
    var spans = document.querySelectorAll('[data-identity="' + CSS.escape(who) + '"]');
    Array.prototype.forEach.call(spans, function (span) { span.textContent = displayName(who); });
    if (who === identity) ui.myName.textContent = displayName(who);
    renderTyping();
    if (Object.keys(channels).some(function (sid) { return directPartner(channels[sid]) === who; })) renderMyChannels();
    if (view && directPartner(view.channel) === who) renderHeader();
  }
  function announce(text) {
    var line = el('span', null, text + '. ');
    ui.announcer.appendChild(line);
    while (ui.announcer.childNodes.length > 5) ui.announcer.removeChild(ui.announcer.firstChild);
  }
  function notice(text, className) {
    var line = el('p', 'info' + (className ? ' ' + className : ''), text);
    ui.noticeLines.appendChild(line);
    ui.notices.hidden = false;
    return line;
  }
  $('dismiss-notices').addEventListener('click', function () {
    ui.notices.hidden = true;
    clear(ui.noticeLines);
    ui.input.focus();
  });

  // ------------------------------------------------------------------ sign-in
  function seenIdentity() {
    try { return localStorage.getItem(SEEN_KEY); } catch (e) { return null; }
  }
  function rememberSeen(value) {
    try { localStorage.setItem(SEEN_KEY, value); } catch (e) { /* storage off: no "welcome back" */ }
  }
  // The identity comes with the browser's cookie (or the site's own sign-in), never from here.
  function fetchToken() {
    return fetch('/token?device=browser', { credentials: 'same-origin' }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.message || 'Could not get a token');
        return data;
      });
    });
  }

  // Opened from the home screen without a network, the shell comes from the service worker:
  // say so and sign in by ourselves once the network is back.
  var retryDelay = 1000;
  function startWhenOnline(loggingIn) {
    loggingIn.remove();
    setConnection('offline');
    var again = function () {
      window.removeEventListener('online', again);
      clearTimeout(timer);
      start();
    };
    var timer = setTimeout(again, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30000);
    window.addEventListener('online', again);
  }

  function start() {
    var seen = seenIdentity();
    var loggingIn = notice('Logging in…');
    fetchToken().catch(function (err) {
      startWhenOnline(loggingIn);
      err.offline = true;
      throw err;
    }).then(function (data) {
      loggingIn.remove();
      identity = data.identity;
      token = data.token;
      document.documentElement.dataset.me = identity;  // who this page is (tests read it); not data-identity, which marks name spans
      rememberSeen(identity);
      if (seen === identity) notice('Welcome back, ' + identity);
      else {
        notice('You have been assigned a random username of ' + identity, 'me');
        notice('Choose a display name in the sidebar: people see it instead of your username.');
      }
      return Twilio.Chat.Client.create(token);
    }).then(function (created) {
      client = created;
      wireClient();
      setConnection(client.connectionState);
      showProfile();
      return Promise.all([loadMyChannels(), openGeneral()]);
    }).then(function () {
      // Only if nobody has started using the keyboard meanwhile: never steal their focus.
      if (!document.activeElement || document.activeElement === document.body) ui.input.focus();
    }).catch(function (err) {
      if (!err.offline) notice('Something went wrong: ' + err.message, 'error');
    });
  }

  function refreshToken() {
    return fetchToken().then(function (data) {
      token = data.token;
      return client.updateToken(token);
    });
  }

  // ------------------------------------------------------------------ profile and users
  function showProfile() {
    var user = client.user;
    var me = users[identity] = users[identity] || {};
    if (user && typeof user === 'object') {
      me.friendlyName = user.friendlyName || user.friendly_name || null;
      me.online = true;
      if (has(user, 'on')) user.on('updated', function () { rememberUser(user); });
    }
    ui.myName.textContent = displayName(identity);
    ui.myDot.className = 'dot online';
    ui.displayName.value = me.friendlyName || '';
    ui.displayName.placeholder = identity;
    ui.displayName.disabled = false;
    ui.profileForm.querySelector('button').disabled = false;
  }

  function rememberUser(user) {
    var who = user.identity;
    users[who] = users[who] || {};
    users[who].friendlyName = user.friendlyName || null;
    users[who].online = user.online === true;
    refreshNames(who);
    renderMemberDot(who);
    var dm = ui.directChannels.querySelector('[data-partner="' + CSS.escape(who) + '"]');
    if (dm) renderMyChannels();
  }

  // A user's name and reachability, fetched once and kept current by `updated` events.
  var userRequests = {};
  function loadUser(who) {
    if (userRequests[who] || !has(client, 'getUser')) return userRequests[who] || Promise.resolve(null);
    userRequests[who] = client.getUser(who).then(function (user) {
      rememberUser(user);
      if (has(user, 'on')) user.on('updated', function () { rememberUser(user); });
      return user;
    }).catch(function () { return null; });
    return userRequests[who];
  }

  ui.profileForm.addEventListener('submit', function (event) {
    event.preventDefault();
    var name = ui.displayName.value.trim();
    var user = client && client.user;
    if (!has(user, 'updateFriendlyName')) return showError(ui.sidebarError, new Error('Display names are not available'));
    user.updateFriendlyName(name).then(function () {
      users[identity].friendlyName = name || null;
      refreshNames(identity);
      showError(ui.sidebarError, null);
    }, function (err) { showError(ui.sidebarError, err); });
  });

  // ------------------------------------------------------------------ connection
  function setConnection(state) {
    ui.connection.dataset.state = state;
    var text = {
      connected: 'Connected', connecting: 'Reconnecting… messages you send will go out once back.',
      disconnected: 'Disconnected', denied: 'Signed out: your session ended. Reload the page to sign in again.',
      error: 'Connection error. Retrying…',
      offline: 'You are offline. Reconnecting by itself when the network is back…'
    }[state] || 'Connecting…';
    ui.connection.textContent = text;
    ui.app.dataset.connection = state;
  }

  // ------------------------------------------------------------------ client events
  function channelSidOf(thing) {
    if (!thing) return null;
    if (thing.channel && thing.channel.sid) return thing.channel.sid;
    return thing.channel_sid || thing.channelSid || null;
  }
  function isOpen(thing) { return view && channelSidOf(thing) === view.channel.sid; }
  function unwrap(arg, key) { return arg && arg[key] && arg.updateReasons ? arg[key] : arg; }

  function wireClient() {
    client.on('connectionStateChanged', setConnection);
    client.on('tokenAboutToExpire', refreshToken);
    client.on('tokenExpired', refreshToken);
    client.on('messageAdded', onMessageAdded);
    client.on('messageUpdated', function (arg) {
      var message = unwrap(arg, 'message');
      if (isOpen(message)) replaceMessage(message);
    });
    client.on('messageRemoved', function (message) {
      if (isOpen(message)) removeMessage(message);
    });
    client.on('typingStarted', function (member) { setTyping(member, true); });
    client.on('typingEnded', function (member) { setTyping(member, false); });
    client.on('memberJoined', function (member) { if (isOpen(member)) loadMembers(); });
    client.on('memberLeft', function (member) { if (isOpen(member)) loadMembers(); });
    // memberUpdated moves read horizons, which the member list does not show: redrawing it then
    // would only pull buttons from under a pointer.
    client.on('userUpdated', function (arg) {
      var user = unwrap(arg, 'user');
      if (user && user.identity) rememberUser(user);
    });
    client.on('channelJoined', function (channel) { addMyChannel(channel); });
    client.on('channelInvited', function (channel) { addInvite(channel); });
    client.on('channelLeft', function (channel) { dropChannel(channel); });
    client.on('channelRemoved', function (channel) { dropChannel(channel); removeInvite(channel); });
    client.on('channelUpdated', function (arg) {
      var channel = unwrap(arg, 'channel');
      if (channel && channels[channel.sid]) renderMyChannels();
      if (view && channel && channel.sid === view.channel.sid) renderHeader();
    });
  }

  // ------------------------------------------------------------------ sidebar
  function loadMyChannels() {
    return client.getSubscribedChannels().then(function (paginator) {
      return collect(paginator);
    }).then(function (list) {
      list.forEach(function (channel) {
        if (channel.status === 'invited') addInvite(channel);
        else if (channel.status === 'joined') addMyChannel(channel, true);
      });
      renderMyChannels();
      return Promise.all(list.filter(function (c) { return c.status === 'joined'; }).map(loadUnread));
    }).then(renderMyChannels);
  }

  function collect(paginator) {
    var items = paginator.items.slice();
    if (!paginator.hasNextPage) return Promise.resolve(items);
    return paginator.nextPage().then(function (next) {
      return collect(next).then(function (rest) { return items.concat(rest); });
    });
  }

  function loadUnread(channel) {
    if (!has(channel, 'getUnconsumedMessagesCount')) return Promise.resolve();
    return channel.getUnconsumedMessagesCount().then(function (count) {
      if (view && view.channel.sid === channel.sid) return;
      unread[channel.sid] = count || 0;
    }).catch(function () { /* not a member any more */ });
  }

  function addMyChannel(channel, quiet) {
    channels[channel.sid] = channel;
    delete invited[channel.sid];
    renderInvites();
    if (!quiet) renderMyChannels();
  }

  function dropChannel(channel) {
    if (!channels[channel.sid]) return;
    delete channels[channel.sid];
    delete unread[channel.sid];
    renderMyChannels();
    if (view && view.channel.sid === channel.sid) openGeneral();
  }

  // Channels and direct conversations are listed apart; each shows unread messages and, apart
  // from them, the mentions of this user.
  function renderMyChannels() {
    clear(ui.myChannels);
    clear(ui.directChannels);
    var total = 0;
    Object.keys(channels).map(function (sid) { return channels[sid]; }).sort(function (a, b) {
      return channelName(a).localeCompare(channelName(b));
    }).forEach(function (channel) {
      var partner = directPartner(channel);
      var item = el('li');
      var button = el('button', 'channel-link');
      button.type = 'button';
      button.dataset.sid = channel.sid;
      if (partner) {
        var dot = el('span', 'dot ' + (isOnline(partner) ? 'online' : 'offline'));
        dot.setAttribute('aria-hidden', 'true');
        button.dataset.partner = partner;
        button.appendChild(dot);
        button.appendChild(el('span', 'channel-name', displayName(partner)));
        button.appendChild(el('span', 'visually-hidden', isOnline(partner) ? ' (online)' : ' (offline)'));
        loadUser(partner);
      } else {
        var prefix = el('span', 'channel-prefix', channel.isPrivate ? '◆' : '#');
        prefix.setAttribute('aria-hidden', 'true');
        button.appendChild(prefix);
        button.appendChild(el('span', 'channel-name', channelName(channel)));
        if (channel.isPrivate) button.appendChild(el('span', 'visually-hidden', ' (private)'));
      }
      var mentions = mentioned[channel.sid] || 0;
      if (mentions > 0) {
        var at = el('span', 'badge mention-badge', '@' + (mentions > 99 ? '99+' : mentions));
        at.setAttribute('aria-label', mentions + (mentions === 1 ? ' mention' : ' mentions'));
        button.appendChild(at);
      }
      var count = unread[channel.sid] || 0;
      total += count;
      if (count > 0) {
        var badge = el('span', 'badge', count > 99 ? '99+' : String(count));
        badge.setAttribute('aria-label', count + ' unread');
        button.appendChild(badge);
        button.classList.add('has-unread');
      }
      if (view && view.channel.sid === channel.sid) button.setAttribute('aria-current', 'page');
      button.addEventListener('click', function () { openChannel(channel); });
      item.appendChild(button);
      (partner ? ui.directChannels : ui.myChannels).appendChild(item);
    });
    if (!ui.myChannels.firstChild) ui.myChannels.appendChild(el('li', 'hint', 'No channels yet'));
    if (!ui.directChannels.firstChild) ui.directChannels.appendChild(el('li', 'hint', 'Message someone from the member list'));
    notify.setUnread(total);
  }
  function isOnline(who) { return who === identity || (users[who] && users[who].online === true); }

  // A one-to-one conversation: the same private channel every time, for both people.
  function openDirect(who) {
    if (!who || who === identity) return;
    if (!has(client, 'openDirectChannel')) return showError(ui.sidebarError, new Error('Direct messages are not available'));
    client.openDirectChannel(who).then(function (channel) {
      addMyChannel(channel);
      openChannel(channel);
      ui.input.focus();
    }, function (err) { showError(ui.sidebarError, err); });
  }

  function addInvite(channel) {
    if (channels[channel.sid]) return;
    invited[channel.sid] = channel;
    renderInvites();
    announce('You were invited to ' + channelName(channel));
  }
  function removeInvite(channel) {
    delete invited[channel.sid];
    renderInvites();
  }

  function renderInvites() {
    clear(ui.invites);
    var sids = Object.keys(invited);
    ui.invitesSection.hidden = sids.length === 0;
    sids.forEach(function (sid) {
      var channel = invited[sid];
      var item = el('li', 'invite');
      item.appendChild(el('span', 'channel-name', channelName(channel)));
      var accept = el('button', 'small-button', 'Accept');
      accept.type = 'button';
      accept.setAttribute('aria-label', 'Accept invitation to ' + channelName(channel));
      accept.addEventListener('click', function () {
        channel.join().then(function () {
          addMyChannel(channel);
          openChannel(channel);
        }, function (err) { showError(ui.sidebarError, err); });
      });
      var decline = el('button', 'small-button secondary', 'Decline');
      decline.type = 'button';
      decline.setAttribute('aria-label', 'Decline invitation to ' + channelName(channel));
      decline.addEventListener('click', function () {
        if (!has(channel, 'decline')) return showError(ui.sidebarError, new Error('Declining is not available'));
        channel.decline().then(function () { removeInvite(channel); }, function (err) { showError(ui.sidebarError, err); });
      });
      item.appendChild(accept);
      item.appendChild(decline);
      ui.invites.appendChild(item);
    });
  }

  ui.browse.addEventListener('click', function () {
    if (!has(client, 'getPublicChannelDescriptors')) return showError(ui.sidebarError, new Error('Browsing is not available'));
    client.getPublicChannelDescriptors().then(collect).then(function (descriptors) {
      clear(ui.publicChannels);
      var others = descriptors.filter(function (d) { return !channels[d.sid]; });
      if (!others.length) ui.publicChannels.appendChild(el('li', 'hint', 'You are in every public channel'));
      others.forEach(function (descriptor) {
        var item = el('li', 'public-channel');
        item.appendChild(el('span', 'channel-name', '# ' + channelName(descriptor)));
        if (descriptor.membersCount !== undefined) item.appendChild(el('span', 'hint', descriptor.membersCount + ' members'));
        var join = el('button', 'small-button', 'Join');
        join.type = 'button';
        join.setAttribute('aria-label', 'Join ' + channelName(descriptor));
        join.addEventListener('click', function () {
          var getting = has(descriptor, 'getChannel') ? descriptor.getChannel() : client.getChannelBySid(descriptor.sid);
          getting.then(function (channel) {
            return channel.join().then(function () { return channel; });
          }).then(function (channel) {
            item.remove();
            addMyChannel(channel);
            openChannel(channel);
          }, function (err) { showError(ui.sidebarError, err); });
        });
        item.appendChild(join);
        ui.publicChannels.appendChild(item);
      });
    }, function (err) { showError(ui.sidebarError, err); });
  });

  ui.createForm.addEventListener('submit', function (event) {
    event.preventDefault();
    var friendlyName = $('create-name').value.trim();
    var uniqueName = $('create-unique').value.trim();
    if (!friendlyName) return;
    var options = { friendlyName: friendlyName, isPrivate: $('create-private').checked };
    if (uniqueName) options.uniqueName = uniqueName;
    client.createChannel(options).then(function (channel) {
      return channel.status === 'joined' ? channel : channel.join().then(function () { return channel; });
    }).then(function (channel) {
      ui.createForm.reset();
      ui.createDetails.open = false;
      showError(ui.sidebarError, null);
      addMyChannel(channel);
      openChannel(channel);
    }, function (err) { showError(ui.sidebarError, err); });
  });

  ui.leave.addEventListener('click', function () {
    var channel = view && view.channel;
    if (!channel || !has(channel, 'leave')) return;
    channel.leave().then(function () { dropChannel(channel); }, function (err) { showError(ui.composerError, err); });
  });

  // Narrow screens: the sidebar and the member list slide over the conversation.
  function setPanel(name, open) {
    ui.app.dataset[name] = open ? 'open' : 'closed';
    var toggle = name === 'sidebar' ? ui.sidebarToggle : ui.membersToggle;
    toggle.setAttribute('aria-expanded', String(open));
    ui.scrim.hidden = ui.app.dataset.sidebar !== 'open' && ui.app.dataset.members !== 'open';
  }
  ui.sidebarToggle.addEventListener('click', function () {
    setPanel('sidebar', ui.app.dataset.sidebar !== 'open');
    if (ui.app.dataset.sidebar === 'open') ui.sidebar.querySelector('button, input').focus();
  });
  ui.membersToggle.addEventListener('click', function () { setPanel('members', ui.app.dataset.members !== 'open'); });
  ui.scrim.addEventListener('click', function () { setPanel('sidebar', false); setPanel('members', false); });
  document.addEventListener('keydown', function (event) {
    if (event.key !== 'Escape') return;
    if (ui.app.dataset.sidebar === 'open') { setPanel('sidebar', false); ui.sidebarToggle.focus(); }
    if (ui.app.dataset.members === 'open') { setPanel('members', false); ui.membersToggle.focus(); }
  });

  // ------------------------------------------------------------------ opening a channel
  function openGeneral() {
    return client.getChannelByUniqueName('general').catch(function () {
      return client.createChannel({ uniqueName: 'general', friendlyName: 'General Chat Channel' })
        .catch(function () { return client.getChannelByUniqueName('general'); });
    }).then(function (channel) {
      if (channel.status === 'joined') return channel;
      return channel.join().then(function () {
        notice('Joined channel as ' + identity, 'me');
        return channel;
      });
    }).then(function (channel) {
      addMyChannel(channel);
      return openChannel(channel);
    });
  }

  // `at`: a message index to open the channel at (a search result), with the messages around
  // it; scrolling then loads older and newer history. Without it: the newest page.
  function openChannel(channel, at) {
    view = { channel: channel, messages: [], paginator: null, newer: null, horizon: null, typing: {}, loading: false };
    var current = view;
    setPanel('sidebar', false);
    clear(ui.list);
    clear(ui.members);
    ui.typing.textContent = '';
    ui.pill.hidden = true;
    ui.loadOlder.hidden = true;
    renderHeader();
    unread[channel.sid] = 0;
    mentioned[channel.sid] = 0;
    setReply(null);
    renderMyChannels();
    setComposerEnabled(true);
    var horizon = channel.lastConsumedMessageIndex;
    view.horizon = horizon === undefined ? null : horizon;
    loadMembers();
    var anchored = at !== undefined && at !== null;
    var loading = anchored ? Promise.all([
      channel.getMessages(PAGE_SIZE / 2, at, 'backwards'),
      channel.getMessages(PAGE_SIZE / 2, at + 1, 'forward')
    ]) : channel.getMessages(PAGE_SIZE).then(function (paginator) { return [paginator, null]; });
    return loading.then(function (pages) {
      if (view !== current) return;
      view.paginator = pages[0];
      view.newer = pages[1] && pages[1].hasNextPage ? pages[1] : null;
      view.messages = pages[0].items.concat(pages[1] ? pages[1].items : []);
      renderAll();
      if (anchored) showFound(at); else scrollToHorizonOrBottom();
      ui.loadOlder.hidden = !pages[0].hasPrevPage;
      markRead();
    }, function (err) { notice('Could not load messages: ' + err.message, 'error'); });
  }

  // The message a search result points at: in the middle of the view, briefly highlighted.
  function showFound(index) {
    var node = ui.list.querySelector('.message[data-index="' + index + '"]');
    if (!node) return;
    node.scrollIntoView({ block: 'center' });
    node.classList.add('found');
    node.tabIndex = -1;
    node.focus({ preventScroll: true });
    setTimeout(function () { node.classList.remove('found'); }, 2500);
  }

  function renderHeader() {
    var channel = view.channel;
    ui.title.textContent = (channel.isPrivate ? '◆ ' : '#') + channelName(channel);
    ui.meta.textContent = channel.uniqueName && channel.uniqueName !== channelName(channel) ? channel.uniqueName : '';
    ui.composerLabel.textContent = 'Message ' + channelName(channel);
    ui.input.placeholder = 'Message ' + channelName(channel);
    ui.leave.hidden = !has(channel, 'leave') || channel.uniqueName === 'general';
    var partner = directPartner(channel);
    ui.title.textContent = partner ? '@ ' + displayName(partner) : ui.title.textContent;
    notify.setTitle(channelName(channel) + ' · Chat');
    ui.notifyLevel.value = notify.levelOf(client && client.user, channel.sid, !!partner);
  }

  function setComposerEnabled(enabled) {
    ui.input.disabled = !enabled;
    ui.send.disabled = !enabled;
    ui.attach.disabled = !enabled;
  }

  // ------------------------------------------------------------------ members, presence, typing
  function loadMembers() {
    var current = view;
    if (!has(current.channel, 'getMembers')) {
      ui.membersCount.textContent = current.channel.membersCount || '';
      return Promise.resolve();
    }
    return current.channel.getMembers().then(function (members) {
      if (view !== current) return;
      ui.membersCount.textContent = String(members.length);
      current.members = members.map(function (m) { return m.identity; });
      clear(ui.members);
      members.slice().sort(function (a, b) { return a.identity.localeCompare(b.identity); }).forEach(function (member) {
        var item = el('li', 'member');
        item.dataset.member = member.identity;
        var dot = el('span', 'dot');
        dot.setAttribute('aria-hidden', 'true');
        item.appendChild(dot);
        item.appendChild(nameSpan(member.identity, 'member-name'));
        if (member.identity === identity) item.appendChild(el('span', 'hint', '(you)'));
        item.appendChild(el('span', 'visually-hidden presence', ''));
        if (member.identity !== identity && !directPartner(current.channel)) {
          var write = el('button', 'small-button secondary dm-button', 'Message');
          write.type = 'button';
          write.setAttribute('aria-label', 'Message ' + displayName(member.identity) + ' directly');
          write.addEventListener('click', function () { setPanel('members', false); openDirect(member.identity); });
          item.appendChild(write);
        }
        ui.members.appendChild(item);
        renderMemberDot(member.identity);
        loadUser(member.identity);
      });
    }, function () { /* the channel went away meanwhile */ });
  }

  function renderMemberDot(who) {
    var item = ui.members.querySelector('[data-member="' + CSS.escape(who) + '"]');
    if (!item) return;
    var known = users[who] || {};
    var online = who === identity ? true : known.online === true;
    item.querySelector('.dot').className = 'dot ' + (online ? 'online' : 'offline');
    item.querySelector('.presence').textContent = online ? ', online' : ', offline';
    item.dataset.online = String(online);
  }

  function setTyping(member, on) {
    if (!member || !isOpen(member) || member.identity === identity) return;
    if (on) view.typing[member.identity] = true; else delete view.typing[member.identity];
    renderTyping();
  }

  function renderTyping() {
    if (!view) return;
    var names = Object.keys(view.typing).map(displayName);
    var text = '';
    if (names.length === 1) text = names[0] + ' is typing…';
    else if (names.length === 2) text = names[0] + ' and ' + names[1] + ' are typing…';
    else if (names.length > 2) text = 'Several people are typing…';
    ui.typing.textContent = text;
  }

  // ------------------------------------------------------------------ the timeline
  function atBottom() {
    return ui.messages.scrollHeight - ui.messages.scrollTop - ui.messages.clientHeight < 48;
  }
  function scrollToBottom() {
    ui.messages.scrollTop = ui.messages.scrollHeight;
    ui.pill.hidden = true;
  }
  function scrollToHorizonOrBottom() {
    var marker = ui.list.querySelector('.unread-marker');
    if (marker && marker.offsetTop > ui.messages.clientHeight / 2) ui.messages.scrollTop = marker.offsetTop - 24;
    else scrollToBottom();
  }

  function onMessageAdded(message) {
    var sid = channelSidOf(message);
    lastAuthor[sid] = message.author;
    var forMe = message.author !== identity && mentionsOf(message).indexOf(identity) >= 0;
    if (channels[sid] && message.author !== identity) maybeNotify(channels[sid], message, forMe);
    if (!view || sid !== view.channel.sid || document.hidden) {
      if (channels[sid] && message.author !== identity) {
        unread[sid] = (unread[sid] || 0) + 1;
        if (forMe) mentioned[sid] = (mentioned[sid] || 0) + 1;
        renderMyChannels();
        if (!view || sid !== view.channel.sid) announce((forMe ? 'You were mentioned in ' : 'New message in ') + channelName(channels[sid]));
      }
      if (!view || sid !== view.channel.sid) return;
    }
    if (view.messages.some(function (m) { return m.sid === message.sid; })) return;
    if (view.newer) { ui.pill.hidden = false; return; }  // history between: it loads by scrolling down
    var stick = atBottom() || message.author === identity;
    var previous = view.messages[view.messages.length - 1];
    view.messages.push(message);
    appendNodes(ui.list, nodesFor(message, previous));
    delete view.typing[message.author];
    renderTyping();
    if (message.author !== identity) announce(displayName(message.author) + ': ' + (message.body || 'sent a picture'));
    if (stick) {
      scrollToBottom();
      markRead();
    } else {
      ui.pill.hidden = false;
    }
  }

  function markRead() {
    if (!view || !view.messages.length || document.hidden) return;
    var last = view.messages[view.messages.length - 1].index;
    var channel = view.channel;
    if (has(channel, 'advanceLastConsumedMessageIndex')) channel.advanceLastConsumedMessageIndex(last).catch(function () {});
    if (unread[channel.sid] || mentioned[channel.sid]) {
      unread[channel.sid] = 0;
      mentioned[channel.sid] = 0;
      renderMyChannels();
    }
  }

  // ------------------------------------------------------------------ notifications
  function maybeNotify(channel, message, forMe) {
    var level = notify.levelOf(client.user, channel.sid, !!directPartner(channel));
    if (!notify.wanted(level, forMe)) return;
    var who = displayName(message.author);
    var title = directPartner(channel) ? who : (forMe ? who + ' mentioned you in ' : who + ' in ') + channelName(channel);
    notify.show(title, message.body || 'sent a picture', message.sid, function () {
      openChannel(channel);
    });
  }
  function renderNotifyButton() {
    var state = notify.permission();
    ui.notifyButton.hidden = state !== 'default';
    ui.notifyStatus.textContent = {
      granted: 'Desktop notifications are on for direct messages and mentions.',
      denied: 'Desktop notifications are blocked in this browser’s site settings.',
      unsupported: 'This browser cannot show desktop notifications.'
    }[state] || '';
  }
  ui.notifyButton.addEventListener('click', function () {
    notify.ask().then(renderNotifyButton);
  });
  renderNotifyButton();
  ui.notifyLevel.addEventListener('change', function () {
    if (!view) return;
    notify.setLevel(client && client.user, view.channel.sid, ui.notifyLevel.value).catch(function (err) {
      showError(ui.composerError, err);
    });
  });
  document.addEventListener('visibilitychange', function () { if (!document.hidden && atBottom()) markRead(); });

  function replaceMessage(message) {
    var found = view.messages.findIndex(function (m) { return m.sid === message.sid; });
    if (found < 0) return;
    view.messages[found] = message;
    var old = ui.list.querySelector('.message[data-sid="' + CSS.escape(message.sid) + '"]');
    if (!old) return rerenderKeepingScroll();
    // Only this message is redrawn, so a reaction picker someone has open on it (or on another
    // message) stays open when somebody else reacts or edits meanwhile.
    var fresh = messageNode(message, old.classList.contains('continued'));
    if (old.classList.contains('selected')) fresh.classList.add('selected');
    var picker = old.querySelector(':scope > .reaction-picker');
    if (picker) {
      fresh.appendChild(picker);
      fresh.querySelector('.react-button').setAttribute('aria-expanded', 'true');
    }
    var stay = atBottom();
    old.replaceWith(fresh);
    if (stay) scrollToBottom();
  }
  function removeMessage(message) {
    view.messages = view.messages.filter(function (m) { return m.sid !== message.sid; });
    rerenderKeepingScroll();
  }
  function rerenderKeepingScroll() {
    if (atBottom()) { renderAll(); scrollToBottom(); } else keepingPosition(renderAll);
  }

  // Re-render without moving what the reader looks at: the first message in view stays put.
  function offsetOf(item) { return item.getBoundingClientRect().top - ui.messages.getBoundingClientRect().top; }
  function keepingPosition(render) {
    var anchor = null;
    var items = ui.list.querySelectorAll('.message');
    for (var i = 0; i < items.length; i++) {
      if (offsetOf(items[i]) + items[i].offsetHeight > 0) { anchor = items[i]; break; }
    }
    var sid = anchor && anchor.dataset.sid;
    var before = anchor ? offsetOf(anchor) : 0;
    render();
    var again = sid && ui.list.querySelector('[data-sid="' + CSS.escape(sid) + '"]');
    if (again) ui.messages.scrollTop += offsetOf(again) - before;
  }

  function renderAll() {
    clear(ui.list);
    var previous = null;
    view.messages.forEach(function (message) {
      appendNodes(ui.list, nodesFor(message, previous));
      previous = message;
    });
  }
  function appendNodes(parent, nodes) { nodes.forEach(function (node) { parent.appendChild(node); }); }

  function dayKey(date) { return date.getFullYear() + '-' + date.getMonth() + '-' + date.getDate(); }
  function dayLabel(date) {
    var today = new Date();
    var yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
    if (dayKey(date) === dayKey(today)) return 'Today';
    if (dayKey(date) === dayKey(yesterday)) return 'Yesterday';
    return date.toLocaleDateString(undefined, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });
  }
  function dateOf(message) { return message.dateCreated || message.timestamp || new Date(); }

  // The nodes one message adds after `previous`: a day separator, the unread marker, the message.
  function nodesFor(message, previous) {
    var nodes = [];
    var date = dateOf(message);
    var newDay = !previous || dayKey(dateOf(previous)) !== dayKey(date);
    if (newDay) {
      var separator = el('li', 'day-separator');
      separator.appendChild(el('span', null, dayLabel(date)));
      nodes.push(separator);
    }
    var horizon = view.horizon;
    var firstUnread = horizon !== null && message.index > horizon && (!previous || previous.index <= horizon);
    if (firstUnread && message.author !== identity) {
      var marker = el('li', 'unread-marker');
      marker.appendChild(el('span', null, 'New since you last read'));
      nodes.push(marker);
    }
    var continued = !newDay && !firstUnread && previous && previous.author === message.author &&
      date - dateOf(previous) < GROUP_GAP_MS;
    nodes.push(messageNode(message, continued));
    return nodes;
  }

  function attrs(message) { return message.attributes && typeof message.attributes === 'object' ? message.attributes : {}; }
  function mentionsOf(message) {
    var list = attrs(message).mentions;
    return Array.isArray(list) ? list.filter(function (who) { return typeof who === 'string'; }) : [];
  }

  function messageNode(message, continued) {
    var mine = message.author === identity;
    var mentions = mentionsOf(message);
    var forMe = !mine && mentions.indexOf(identity) >= 0;
    var item = el('li', 'message' + (continued ? ' continued' : '') + (mine ? ' me' : '') + (forMe ? ' mentions-me' : ''));
    item.dataset.sid = message.sid;
    item.dataset.index = String(message.index);
    var meta = el('div', 'meta' + (continued ? ' visually-hidden' : ''));
    if (mine || !message.author || message.author === 'system') meta.appendChild(nameSpan(message.author, 'author'));
    else {
      var author = el('button', 'author author-button', displayName(message.author));
      author.type = 'button';
      author.dataset.identity = message.author;
      author.title = 'Message directly';
      author.addEventListener('click', function () { openDirect(message.author); });
      meta.appendChild(author);
    }
    loadUser(message.author);
    var date = dateOf(message);
    var time = el('time', 'time', date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
    time.dateTime = date.toISOString();
    time.title = date.toLocaleString();
    meta.appendChild(time);
    item.appendChild(meta);
    var quote = replyQuote(message);
    if (quote) item.appendChild(quote);
    var body = el('div', 'body');
    if (message.type === 'media' && message.media) body.appendChild(pictureNode(message));
    if (message.body) {
      format(body, message.body, { me: identity, isMember: function (who) { return mentions.indexOf(who) >= 0; } });
    }
    if (message.wasEdited) body.appendChild(el('span', 'edited', ' (edited)'));
    item.appendChild(body);
    var bar = reactionsBar(message);
    if (bar) item.appendChild(bar);
    item.appendChild(actionsNode(message));
    // Touch screens have no hover: a tap on the message shows its buttons.
    item.addEventListener('click', function (event) {
      if (event.target.closest('a, button, form')) return;
      item.classList.toggle('selected');
    });
    return item;
  }

  // ---- replies: a quoted snippet of the original that jumps to it (loading history if needed)
  function snippetOf(message) {
    var text = (message.body || (message.type === 'media' ? 'a picture' : '')).replace(/\s+/g, ' ').trim();
    return text.length > 120 ? text.slice(0, 119) + '…' : text;
  }
  function replyQuote(message) {
    var to = attrs(message).reply_to;
    if (!to || typeof to !== 'object' || typeof to.index !== 'number') return null;
    var quote = el('button', 'reply-quote');
    quote.type = 'button';
    quote.setAttribute('aria-label', 'Reply to ' + displayName(String(to.author || '')) + ': ' +
      String(to.snippet || '') + '. Show the original');
    quote.appendChild(el('span', 'reply-author', displayName(String(to.author || ''))));
    quote.appendChild(el('span', 'reply-snippet', String(to.snippet || '')));
    quote.addEventListener('click', function () { jumpTo(to.index); });
    return quote;
  }
  function jumpTo(index) {
    var current = view;
    function look() {
      if (view !== current) return;
      var target = ui.list.querySelector('.message[data-index="' + index + '"]');
      if (target) {
        target.scrollIntoView({ block: 'center' });
        target.classList.remove('flash');
        void target.offsetWidth;  // restart the highlight
        target.classList.add('flash');
        target.setAttribute('tabindex', '-1');
        target.focus({ preventScroll: true });
        return;
      }
      var oldest = current.messages.length ? current.messages[0].index : -1;
      if (oldest < index || !current.paginator || !current.paginator.hasPrevPage) {
        notice('The original message was deleted.');
        return;
      }
      var before = current.paginator;
      loadOlder().then(function () { if (current.paginator !== before) look(); });
    }
    look();
  }
  function setReply(message) {
    replyTo = message;
    ui.replyBar.hidden = !message;
    clear(ui.replyText);
    if (!message) return;
    ui.replyText.appendChild(el('span', 'reply-author', 'Replying to ' + displayName(message.author)));
    ui.replyText.appendChild(el('span', 'reply-snippet', snippetOf(message)));
    ui.input.focus();
  }
  ui.replyCancel.addEventListener('click', function () { setReply(null); ui.input.focus(); });

  // ---- reactions: counts with who reacted; a second click takes one's own back
  function reactionsBar(message) {
    var reactions = attrs(message).reactions;
    if (!reactions || typeof reactions !== 'object') return null;
    var keys = Object.keys(reactions).filter(function (key) {
      return Array.isArray(reactions[key]) && reactions[key].length > 0;
    });
    if (!keys.length) return null;
    var bar = el('div', 'reactions');
    bar.setAttribute('role', 'group');
    bar.setAttribute('aria-label', 'Reactions');
    keys.forEach(function (reaction) {
      var who = reactions[reaction].filter(function (name) { return typeof name === 'string'; });
      var names = who.map(displayName);
      var button = el('button', 'reaction');
      button.type = 'button';
      button.dataset.reaction = reaction;
      button.setAttribute('aria-pressed', String(who.indexOf(identity) >= 0));
      button.title = 'Reacted by ' + names.join(', ');
      button.setAttribute('aria-label', reaction + ' ' + who.length + ', reacted by ' + names.join(', '));
      button.appendChild(el('span', 'reaction-emoji', reaction));
      button.appendChild(el('span', 'reaction-count', String(who.length)));
      button.addEventListener('click', function () { react(message, reaction); });
      bar.appendChild(button);
    });
    return bar;
  }
  function react(message, reaction) {
    if (!has(message, 'react')) return showError(ui.composerError, new Error('Reactions are not available'));
    message.react(reaction).catch(function (err) { showError(ui.composerError, err); });
  }
  function reactionPicker(message, opener) {
    var existing = document.querySelector('.reaction-picker');
    if (existing) {
      var same = existing.dataset.sid === message.sid;
      closePicker();
      if (same) return;
    }
    var picker = el('div', 'reaction-picker');
    picker.dataset.sid = message.sid;
    picker.setAttribute('role', 'group');
    picker.setAttribute('aria-label', 'Pick a reaction');
    COMMON_REACTIONS.concat(MORE_REACTIONS).forEach(function (reaction, i) {
      var choice = el('button', 'reaction-choice' + (i >= COMMON_REACTIONS.length ? ' more' : ''), reaction);
      choice.type = 'button';
      choice.setAttribute('aria-label', 'React with ' + reaction);
      choice.addEventListener('click', function () {
        var button = openerOf(picker) || opener;  // the message may have been redrawn meanwhile
        closePicker();
        react(message, reaction);
        button.focus();
      });
      picker.appendChild(choice);
    });
    picker.addEventListener('keydown', function (event) {
      if (event.key !== 'Escape') return;
      var button = openerOf(picker) || opener;
      event.stopPropagation();
      closePicker();
      button.focus();
    });
    opener.setAttribute('aria-expanded', 'true');
    opener.closest('.message').appendChild(picker);
    picker.firstChild.focus();
  }
  function openerOf(picker) { return picker.parentNode && picker.parentNode.querySelector('.react-button'); }
  function closePicker() {
    var picker = document.querySelector('.reaction-picker');
    if (!picker) return;
    var opener = openerOf(picker);
    if (opener) opener.setAttribute('aria-expanded', 'false');
    picker.remove();
  }
  document.addEventListener('click', function (event) {
    if (!event.target.closest('.reaction-picker, .react-button')) closePicker();
  });

  // Pictures are shown from the short-lived URL the client hands out for them.
  var pictures = {};
  function pictureNode(message) {
    var media = message.media;
    var figure = el('figure', 'picture');
    var img = el('img');
    img.alt = media.filename ? 'Picture: ' + media.filename : 'Picture';
    img.loading = 'lazy';
    figure.appendChild(img);
    if (!pictures[media.sid]) {
      pictures[media.sid] = media.getContentTemporaryUrl().catch(function () {
        delete pictures[media.sid];
        throw new Error('Picture not available');
      });
    }
    pictures[media.sid].then(function (url) {
      var stick = atBottom();
      img.src = url;
      img.addEventListener('load', function () { if (stick) scrollToBottom(); });
    }, function (err) { figure.replaceChild(el('span', 'hint', err.message), img); });
    return figure;
  }

  function canModify(message) {
    if (message.author === identity) return true;
    // Channel creators hold the channel admin role, which may edit and delete anyone's messages.
    return !!(view && view.channel.createdBy === identity && !directPartner(view.channel));
  }

  function actionsNode(message) {
    var box = el('div', 'actions');
    var reply = el('button', 'small-button secondary', 'Reply');
    reply.type = 'button';
    reply.setAttribute('aria-label', 'Reply to ' + displayName(message.author));
    reply.addEventListener('click', function () { setReply(message); });
    box.appendChild(reply);
    var reactButton = el('button', 'small-button secondary react-button', '☺+');
    reactButton.type = 'button';
    reactButton.setAttribute('aria-label', 'Add a reaction');
    reactButton.setAttribute('aria-expanded', 'false');
    reactButton.addEventListener('click', function () { reactionPicker(message, reactButton); });
    box.appendChild(reactButton);
    if (!canModify(message)) return box;
    if (message.type !== 'media' || message.body) {
      var edit = el('button', 'small-button secondary', 'Edit');
      edit.type = 'button';
      edit.setAttribute('aria-label', 'Edit message');
      edit.addEventListener('click', function () { startEdit(message); });
      box.appendChild(edit);
    }
    var remove = el('button', 'small-button secondary', 'Delete');
    remove.type = 'button';
    remove.setAttribute('aria-label', 'Delete message');
    remove.addEventListener('click', function () {
      if (!window.confirm('Delete this message?')) return;
      if (!has(message, 'remove')) return showError(ui.composerError, new Error('Deleting is not available'));
      message.remove().catch(function (err) { showError(ui.composerError, err); });
    });
    box.appendChild(remove);
    return box;
  }

  function startEdit(message) {
    var item = ui.list.querySelector('[data-sid="' + CSS.escape(message.sid) + '"]');
    if (!item || item.querySelector('.edit-form')) return;
    var body = item.querySelector('.body');
    var form = el('form', 'edit-form');
    var label = el('label', 'visually-hidden', 'Edit message');
    var area = el('textarea');
    area.id = 'edit-' + message.sid;
    label.htmlFor = area.id;
    area.value = message.body || '';
    area.rows = Math.min(6, (message.body || '').split('\n').length + 1);
    var save = el('button', 'small-button', 'Save');
    save.type = 'submit';
    var cancel = el('button', 'small-button secondary', 'Cancel');
    cancel.type = 'button';
    form.appendChild(label);
    form.appendChild(area);
    form.appendChild(save);
    form.appendChild(cancel);
    body.hidden = true;
    item.insertBefore(form, body.nextSibling);
    area.focus();
    function done() { form.remove(); body.hidden = false; ui.input.focus(); }
    function submit() {
      var text = area.value;
      if (!text.trim() || text === message.body) return done();
      if (!has(message, 'updateBody')) { done(); return showError(ui.composerError, new Error('Editing is not available')); }
      message.updateBody(text).then(done, function (err) { showError(ui.composerError, err); });
    }
    form.addEventListener('submit', function (event) { event.preventDefault(); submit(); });
    cancel.addEventListener('click', done);
    area.addEventListener('keydown', function (event) {
      if (event.key === 'Escape') { event.preventDefault(); done(); }
      if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); submit(); }
    });
  }

  // History: scrolling to the top loads the previous page and keeps the view where it was.
  function loadOlder() {
    if (!view || !view.paginator || !view.paginator.hasPrevPage) return Promise.resolve();
    if (view.loading) return view.loading;
    var current = view;
    current.loading = current.paginator.prevPage().then(function (paginator) {
      if (view !== current) return;
      var known = {};
      current.messages.forEach(function (m) { known[m.sid] = true; });
      var older = paginator.items.filter(function (m) { return !known[m.sid]; });
      current.paginator = paginator;
      current.messages = older.concat(current.messages);
      ui.loadOlder.hidden = !paginator.hasPrevPage;
      keepingPosition(renderAll);
    }).catch(function (err) {
      notice('Could not load older messages: ' + err.message, 'error');
    }).then(function () { current.loading = null; });
    return current.loading;
  }
  // Opened at a search result: scrolling down loads the newer pages until the newest.
  function loadNewer() {
    if (!view || view.loading || !view.newer) return;
    var current = view;
    current.loading = current.newer.nextPage().then(function (paginator) {
      if (view !== current) return;
      var known = {};
      current.messages.forEach(function (m) { known[m.sid] = true; });
      current.messages = current.messages.concat(paginator.items.filter(function (m) { return !known[m.sid]; }));
      current.newer = paginator.hasNextPage ? paginator : null;
      keepingPosition(renderAll);
    }).catch(function (err) {
      notice('Could not load newer messages: ' + err.message, 'error');
    }).then(function () { current.loading = null; });
  }
  ui.loadOlder.addEventListener('click', loadOlder);
  ui.messages.addEventListener('scroll', function () {
    if (ui.messages.scrollTop < 80) loadOlder();
    if (atBottom()) { loadNewer(); if (!view || !view.newer) ui.pill.hidden = true; markRead(); }
    closePicker();
  });
  ui.pill.addEventListener('click', function () {
    if (view && view.newer) { openChannel(view.channel); return; }  // jump over the history between
    scrollToBottom(); markRead(); ui.input.focus();
  });

  // ------------------------------------------------------------------ composer
  function lastOwnMessage() {
    for (var i = view.messages.length - 1; i >= 0; i--) {
      var message = view.messages[i];
      if (message.author === identity && (message.type !== 'media' || message.body)) return message;
    }
    return null;
  }

  function autosize() {
    ui.input.style.height = 'auto';
    ui.input.style.height = Math.min(ui.input.scrollHeight, 200) + 'px';
  }

  var picker = window.ChatPage.mentionPicker(ui.input, ui.mentionList, function () {
    return ((view && view.members) || []).filter(function (who) { return who !== identity; }).map(function (who) {
      return { identity: who, name: displayName(who) };
    });
  });

  ui.input.addEventListener('keydown', function (event) {
    if (picker.handleKey(event)) return;
    if (event.key === 'Escape' && replyTo) {
      event.preventDefault();
      event.stopPropagation();
      setReply(null);
    } else if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ui.composer.requestSubmit();
    } else if (event.key === 'ArrowUp' && ui.input.value === '' && view) {
      var own = lastOwnMessage();
      if (own) { event.preventDefault(); startEdit(own); }
    }
  });
  ui.input.addEventListener('input', function () {
    autosize();
    showError(ui.composerError, null);
    var now = Date.now();
    if (view && ui.input.value && now - lastTyping > 2000 && has(view.channel, 'typing')) {
      lastTyping = now;
      view.channel.typing().catch(function () {});
    }
  });

  ui.composer.addEventListener('submit', function (event) {
    event.preventDefault();
    var text = ui.input.value;
    if (!view || !text.trim()) return;
    var members = (view && view.members) || [];
    var attributes = {};
    var mentions = window.ChatPage.mentionsIn(text, function (who) { return who !== identity && members.indexOf(who) >= 0; });
    if (mentions.length) attributes.mentions = mentions;
    if (replyTo) {
      attributes.reply_to = { sid: replyTo.sid, index: replyTo.index, author: replyTo.author, snippet: snippetOf(replyTo) };
    }
    ui.input.value = '';
    autosize();
    lastTyping = 0;
    setReply(null);
    picker.close();
    var channel = view.channel;
    var sentAfter = channel.lastMessage ? channel.lastMessage.index : -1;
    view.channel.sendMessage(text, Object.keys(attributes).length ? attributes : undefined).catch(function (err) {
      // A refusal (a permission, or a bot's pre-event hook that may have sent its own version)
      // would be refused again: only other failures put the text back for another try.
      if (err.code !== 20403) {
        ui.input.value = ui.input.value || text;
        return showError(ui.composerError, new Error('Not sent: ' + err.message));
      }
      whenReplaced(channel, sentAfter).then(function (replaced) {
        if (replaced) noteReplaced();
        else showError(ui.composerError, new Error('Not sent: ' + err.message));
      });
    });
  });

  // A bot (the translate bot) may refuse a message in its pre-event hook and send its own
  // version as the sender: that is no error, so the sender gets a quiet note instead.
  var REPLACEMENT_WAIT_MS = 4000;
  function ownMessageSince(channel, after) {
    var found = (view && view.channel.sid === channel.sid ? view.messages : []).some(function (m) {
      return m.author === identity && m.index > after;
    });
    return found || (channel.lastMessage && channel.lastMessage.index > after && lastAuthor[channel.sid] === identity);
  }
  function whenReplaced(channel, after) {
    return new Promise(function (resolve) {
      if (ownMessageSince(channel, after)) return resolve(true);
      var timer = setTimeout(function () { client.removeListener('messageAdded', heard); resolve(false); }, REPLACEMENT_WAIT_MS);
      function heard(message) {
        if (channelSidOf(message) !== channel.sid || message.author !== identity || message.index <= after) return;
        clearTimeout(timer);
        client.removeListener('messageAdded', heard);
        resolve(true);
      }
      client.on('messageAdded', heard);
    });
  }
  function noteReplaced() {
    showError(ui.composerError, null);
    ui.composerNote.textContent = 'A bot replaced your message with its own version.';
    setTimeout(function () { ui.composerNote.textContent = ''; }, 8000);
  }

  // Pictures: the button, drag and drop, or paste.
  function sendPicture(file) {
    if (!view || !file) return;
    if (PICTURE_TYPES.indexOf(file.type) < 0) {
      return showError(ui.composerError, new Error('Only pictures can be sent: PNG, JPEG, GIF or WebP.'));
    }
    if (file.size > MAX_PICTURE) {
      return showError(ui.composerError, new Error('That picture is larger than 5 MB. Please pick a smaller one.'));
    }
    var form = new FormData();
    form.append('media', file, file.name || 'picture');
    showError(ui.composerError, null);
    ui.composerError.textContent = 'Sending picture…';
    view.channel.sendMessage(form)
      .then(function () { showError(ui.composerError, null); })
      .catch(function (err) { showError(ui.composerError, new Error('Picture not sent: ' + err.message)); });
  }
  ui.attach.addEventListener('click', function () { ui.fileInput.click(); });
  ui.fileInput.addEventListener('change', function () {
    sendPicture(ui.fileInput.files[0]);
    ui.fileInput.value = '';
  });
  var dragDepth = 0;
  ui.timeline.parentNode.addEventListener('dragenter', function (event) {
    if (!view || !event.dataTransfer || Array.prototype.indexOf.call(event.dataTransfer.types, 'Files') < 0) return;
    dragDepth++;
    ui.dropZone.hidden = false;
  });
  ui.timeline.parentNode.addEventListener('dragleave', function () {
    dragDepth = Math.max(0, dragDepth - 1);
    if (!dragDepth) ui.dropZone.hidden = true;
  });
  ui.timeline.parentNode.addEventListener('dragover', function (event) { event.preventDefault(); });
  ui.timeline.parentNode.addEventListener('drop', function (event) {
    event.preventDefault();
    dragDepth = 0;
    ui.dropZone.hidden = true;
    var files = event.dataTransfer && event.dataTransfer.files;
    if (files && files.length) sendPicture(files[0]);
  });
  ui.input.addEventListener('paste', function (event) {
    var files = event.clipboardData && event.clipboardData.files;
    if (files && files.length) { event.preventDefault(); sendPicture(files[0]); }
  });

  // ------------------------------------------------------------------ invite
  ui.inviteForm.addEventListener('submit', function (event) {
    event.preventDefault();
    var who = ui.inviteIdentity.value.trim();
    if (!who || !view) return;
    if (!has(view.channel, 'invite')) return showError(ui.inviteStatus, new Error('Inviting is not available'));
    view.channel.invite(who).then(function () {
      ui.inviteIdentity.value = '';
      ui.inviteStatus.textContent = 'Invited ' + who;
    }, function (err) { showError(ui.inviteStatus, err); });
  });

  // Installable: the service worker keeps the page's shell for offline starts (static/sw.js).
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(function () { /* an old browser: no offline start */ });
  }

  // ------------------------------------------------------------------ for static/js/search.js
  Object.assign(window.ChatPage, {
    client: function () { return client; },
    current: function () { return view && view.channel; },
    channelName: channelName,
    displayName: displayName,
    openAt: function (channel, index) { return openChannel(channel, index); }
  });

  start();
})();
