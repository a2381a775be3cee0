// The search box (issue 15). Ctrl+K (⌘K) or "/" opens it; it searches every channel the person
// may read, or only the open one, through client.searchMessages: newest first, more as the list
// scrolls. A result opens its channel at that message (app.js, ChatPage.openAt). Result text is
// built from text nodes, the match wrapped in <mark>: user text never becomes HTML.
(function () {
  'use strict';

  var PAGE_SIZE = 20;
  var WAIT_MS = 250;      // after the last keystroke
  var CONTEXT = 60;       // characters shown before a match in a long message
  var page = window.ChatPage;
  function $(id) { return document.getElementById(id); }
  var ui = {
    open: $('search-open'), dialog: $('search-dialog'), form: $('search-form'), input: $('search-input'),
    scope: $('search-scope'), close: $('search-close'), status: $('search-status'), results: $('search-results')
  };
  var search = { query: '', paginator: null, loading: false, turn: 0, timer: null };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function open() {
    if (!page.client()) return;
    ui.scope.disabled = !page.current();
    if (!ui.dialog.open) ui.dialog.showModal();
    ui.input.focus();
    ui.input.select();
  }
  function close() { if (ui.dialog.open) ui.dialog.close(); }

  document.addEventListener('keydown', function (event) {
    var inField = event.target.closest && event.target.closest('input, textarea, select, [contenteditable="true"]');
    if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === 'k' || event.key === 'K')) {
      event.preventDefault();
      open();
    } else if (event.key === '/' && !inField && !ui.dialog.open && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      open();
    }
  });
  ui.open.addEventListener('click', open);
  ui.close.addEventListener('click', close);
  ui.dialog.addEventListener('keydown', function (event) {  // not first clearing the search field
    if (event.key === 'Escape') { event.preventDefault(); close(); }
  });
  ui.dialog.addEventListener('click', function (event) { if (event.target === ui.dialog) close(); });  // the backdrop
  ui.form.addEventListener('submit', function (event) { event.preventDefault(); run(); });
  ui.input.addEventListener('input', function () { clearTimeout(search.timer); search.timer = setTimeout(run, WAIT_MS); });
  ui.scope.addEventListener('change', run);
  ui.input.addEventListener('keydown', function (event) {
    if (event.key !== 'ArrowDown') return;
    var first = ui.results.querySelector('button');
    if (first) { event.preventDefault(); first.focus(); }
  });
  ui.results.addEventListener('keydown', function (event) {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    var buttons = Array.prototype.slice.call(ui.results.querySelectorAll('button'));
    var at = buttons.indexOf(document.activeElement);
    if (at < 0) return;
    event.preventDefault();
    if (event.key === 'ArrowUp' && at === 0) { ui.input.focus(); return; }
    var next = buttons[at + (event.key === 'ArrowDown' ? 1 : -1)];
    if (next) next.focus();
  });
  ui.results.addEventListener('scroll', function () {
    if (ui.results.scrollHeight - ui.results.scrollTop - ui.results.clientHeight < 120) more();
  });

  function run() {
    clearTimeout(search.timer);
    var query = ui.input.value.trim();
    var turn = ++search.turn;  // an answer to an older query is dropped
    search.query = query;
    search.paginator = null;
    while (ui.results.firstChild) ui.results.removeChild(ui.results.firstChild);
    if (!query) { ui.status.textContent = ''; return; }
    var options = { pageSize: PAGE_SIZE };
    var current = page.current();
    if (ui.scope.value === 'channel' && current) options.channel = current.sid;
    ui.status.textContent = 'Searching…';
    page.client().searchMessages(query, options).then(function (paginator) {
      if (turn === search.turn) add(paginator);
    }, function (err) {
      if (turn === search.turn) ui.status.textContent = err.message || String(err);
    });
  }

  function more() {
    var paginator = search.paginator;
    if (search.loading || !paginator || !paginator.hasNextPage) return;
    var turn = search.turn;
    search.loading = true;
    paginator.nextPage().then(function (next) {
      if (turn === search.turn) add(next);
    }, function (err) {
      if (turn === search.turn) ui.status.textContent = err.message || String(err);
    }).then(function () { search.loading = false; });
  }

  function add(paginator) {
    search.paginator = paginator;
    paginator.items.forEach(function (message) { ui.results.appendChild(resultNode(message)); });
    var count = ui.results.children.length;
    ui.status.textContent = count === 0 ? 'No messages contain “' + search.query + '”'
      : count + (paginator.hasNextPage ? '+' : '') + (count === 1 ? ' message' : ' messages');
    if (paginator.hasNextPage && ui.results.scrollHeight <= ui.results.clientHeight) more();  // fill the list
  }

  function resultNode(message) {
    var item = el('li');
    var button = el('button', 'search-result');
    button.type = 'button';
    var meta = el('span', 'result-meta');
    meta.appendChild(el('span', 'result-channel', '#' + page.channelName(message.channel)));
    meta.appendChild(el('span', 'result-author', page.displayName(message.author)));
    var date = message.dateCreated || new Date();
    var time = el('time', 'result-time', date.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' }));
    time.dateTime = date.toISOString();
    meta.appendChild(time);
    button.appendChild(meta);
    var filename = message.media && message.media.filename;
    var text = [message.body, filename].filter(Boolean).join(' · ');
    button.appendChild(highlighted(text, search.query));
    button.addEventListener('click', function () {
      close();
      page.openAt(message.channel, message.index);
    });
    item.appendChild(button);
    return item;
  }

  // `text` with the first occurrence of `query` (ignoring case) in <mark>, cut to show it.
  function highlighted(text, query) {
    var line = el('span', 'result-text');
    var lower = text.toLowerCase();
    var at = lower.length === text.length ? lower.indexOf(query.toLowerCase()) : -1;
    if (at < 0) { line.textContent = text; return line; }
    var start = Math.max(0, at - CONTEXT);
    line.appendChild(document.createTextNode((start > 0 ? '…' : '') + text.slice(start, at)));
    line.appendChild(el('mark', null, text.slice(at, at + query.length)));
    line.appendChild(document.createTextNode(text.slice(at + query.length)));
    return line;
  }
})();
