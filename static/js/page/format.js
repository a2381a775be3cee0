// Message formatting: *bold*, _italic_, `code`, ```fenced blocks```, http(s) links and @mentions,
// parsed into DOM nodes. Owns nothing else. Every piece of user text ends up in a text node or a
// textContent; no string is ever parsed as HTML, so a message cannot inject markup or script.
(function () {
  'use strict';
  var ChatPage = window.ChatPage = window.ChatPage || {};

  var FENCE = /```(?:[A-Za-z0-9_+-]*\n)?([\s\S]*?)```/g;
  // Inline forms, tried at each position; the earliest match wins, then the order below.
  var INLINE = [
    { kind: 'code', pattern: /`([^`\n]+)`/g },
    { kind: 'link', pattern: /\bhttps?:\/\/[^\s<>"'`]+/gi },
    { kind: 'mention', pattern: /(^|[^\w@])@([\w.\-]+)/g },
    { kind: 'bold', pattern: /(^|[^\w*])\*(\S(?:[^*\n]*?\S)?)\*(?![\w*])/g },
    { kind: 'italic', pattern: /(^|[^\w_])_(\S(?:[^_\n]*?\S)?)_(?![\w_])/g }
  ];

  function text(parent, value) { if (value) parent.appendChild(document.createTextNode(value)); }

  // The next inline match at or after `from`: {kind, start, end, inner, lead}.
  function nextMatch(value, from, options) {
    var best = null;
    INLINE.forEach(function (form) {
      form.pattern.lastIndex = from;
      var match;
      while ((match = form.pattern.exec(value)) !== null) {
        var lead = form.kind === 'mention' || form.kind === 'bold' || form.kind === 'italic' ? match[1] : '';
        var start = match.index + lead.length;
        var candidate = { kind: form.kind, start: start, end: match.index + match[0].length, match: match, lead: lead };
        if (form.kind === 'link') {
          var trimmed = match[0].replace(/[.,;:!?)\]}]+$/, '');
          candidate.end = start + trimmed.length;
          candidate.inner = trimmed;
        } else if (form.kind === 'mention') {
          var who = match[2].replace(/[.\-]+$/, '');
          if (!options.isMember || !options.isMember(who)) { form.pattern.lastIndex = match.index + match[0].length; continue; }
          candidate.inner = who;
          candidate.end = start + 1 + who.length;
        } else {
          candidate.inner = form.kind === 'code' ? match[1] : match[2];
        }
        if (!best || candidate.start < best.start) best = candidate;
        break;
      }
    });
    return best;
  }

  function safeUrl(value) {
    try {
      var url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
    } catch (e) { return null; }
  }

  function inline(parent, value, options, depth) {
    var at = 0;
    while (at < value.length) {
      var found = nextMatch(value, at, options);
      if (!found) break;
      text(parent, value.slice(at, found.start));
      var node = null;
      if (found.kind === 'code') {
        node = document.createElement('code');
        node.textContent = found.inner;
      } else if (found.kind === 'link') {
        var url = safeUrl(found.inner);
        if (url) {
          node = document.createElement('a');
          node.textContent = found.inner;
          node.href = url.href;
          node.rel = 'noopener noreferrer';
          node.target = '_blank';
        }
      } else if (found.kind === 'mention') {
        node = document.createElement('span');
        node.className = 'mention' + (found.inner === options.me ? ' mention-me' : '');
        node.dataset.mention = found.inner;
        node.textContent = '@' + found.inner;
      } else if (depth < 3) {
        node = document.createElement(found.kind === 'bold' ? 'strong' : 'em');
        inline(node, found.inner, options, depth + 1);
      }
      if (node) parent.appendChild(node);
      else text(parent, value.slice(found.start, found.end));
      at = found.end;
    }
    text(parent, value.slice(at));
  }

  // Render `value` into `parent`. options: {me: identity, isMember: identity -> bool}.
  ChatPage.format = function (parent, value, options) {
    options = options || {};
    var at = 0;
    var match;
    FENCE.lastIndex = 0;
    while ((match = FENCE.exec(value)) !== null) {
      inline(parent, value.slice(at, match.index), options, 0);
      var pre = document.createElement('pre');
      var code = document.createElement('code');
      code.textContent = match[1].replace(/\n$/, '');
      pre.appendChild(code);
      parent.appendChild(pre);
      at = match.index + match[0].length;
      if (value.charAt(at) === '\n') at++;
    }
    inline(parent, value.slice(at), options, 0);
  };

  // The identities that `value` mentions, among those `isMember` knows (stored with the message).
  ChatPage.mentionsIn = function (value, isMember) {
    var found = [];
    var pattern = /(^|[^\w@])@([\w.\-]+)/g;
    var match;
    var plain = value.replace(FENCE, ' ').replace(/`[^`\n]+`/g, ' ');
    while ((match = pattern.exec(plain)) !== null) {
      var who = match[2].replace(/[.\-]+$/, '');
      if (isMember(who) && found.indexOf(who) < 0) found.push(who);
    }
    return found;
  };
})();
