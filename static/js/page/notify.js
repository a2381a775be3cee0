// Notifications: the desktop notification permission (asked for only from a button), whether a
// message should notify (per channel: all, mentions or nothing, remembered in the user's
// attributes as `notify: {CH...: level}`), showing one, the unread count in the tab title and
// the favicon's dot. Owns nothing of the timeline or the sidebar.
(function () {
  'use strict';
  var ChatPage = window.ChatPage = window.ChatPage || {};
  var LEVELS = ['all', 'mentions', 'nothing'];

  function supported() { return typeof window.Notification === 'function'; }

  function permission() { return supported() ? Notification.permission : 'unsupported'; }

  // Called from a click only: browsers ignore (or penalise) a prompt nobody asked for.
  function ask() {
    if (!supported()) return Promise.resolve('unsupported');
    var answer = Notification.requestPermission();
    return answer && answer.then ? answer : Promise.resolve(Notification.permission);
  }

  // Direct messages notify for every message by default; other channels for mentions only.
  function levelOf(user, channelSid, isDirect) {
    var prefs = user && user.attributes && user.attributes.notify;
    var chosen = prefs && typeof prefs === 'object' ? prefs[channelSid] : null;
    if (LEVELS.indexOf(chosen) >= 0) return chosen;
    return isDirect ? 'all' : 'mentions';
  }

  function setLevel(user, channelSid, level) {
    if (LEVELS.indexOf(level) < 0 || !user || typeof user.updateAttributes !== 'function') {
      return Promise.reject(new Error('Notification settings are not available'));
    }
    var attributes = Object.assign({}, user.attributes || {});
    attributes.notify = Object.assign({}, attributes.notify || {});
    attributes.notify[channelSid] = level;
    return user.updateAttributes(attributes);
  }

  function wanted(level, mentionsMe) {
    return level === 'all' || (level === 'mentions' && mentionsMe);
  }

  // Shown only while the page is hidden; a click brings the conversation back.
  function show(title, body, tag, onClick) {
    if (!document.hidden || permission() !== 'granted') return false;
    var options = { body: body, tag: tag, icon: '/static/icons/icon-192.png' };
    try {
      var note = new Notification(title, options);
      note.onclick = function () { window.focus(); onClick(); note.close(); };
      return true;
    } catch (e) {
      // Android's Chrome allows notifications only through the service worker.
      if (navigator.serviceWorker && navigator.serviceWorker.ready) {
        navigator.serviceWorker.ready.then(function (registration) { registration.showNotification(title, options); });
        return true;
      }
      return false;
    }
  }

  // "(3) General · Chat" while there is something unread, and a dot on the favicon.
  var baseTitle = document.title;
  function setTitle(title) { baseTitle = title; renderTitle(); }
  var total = 0;
  function setUnread(count) { total = count; renderTitle(); }
  function renderTitle() {
    document.title = (total > 0 ? '(' + (total > 99 ? '99+' : total) + ') ' : '') + baseTitle;
    var icon = document.getElementById('favicon');
    if (icon) icon.href = total > 0 ? icon.dataset.unread : icon.dataset.plain;
  }

  ChatPage.notify = {
    LEVELS: LEVELS, supported: supported, permission: permission, ask: ask, levelOf: levelOf,
    setLevel: setLevel, wanted: wanted, show: show, setTitle: setTitle, setUnread: setUnread
  };
})();
