// The @ picker of the message box: typing `@` and some letters offers the channel's members;
// arrows and Enter or Tab pick one (or a click), Escape closes. Owns the #mention-list listbox.
(function () {
  'use strict';
  var ChatPage = window.ChatPage = window.ChatPage || {};
  var MAX = 6;

  // input: the textarea; list: an empty <ul>; candidates(): [{identity, name}] of the channel.
  ChatPage.mentionPicker = function (input, list, candidates) {
    var options = [];
    var active = -1;
    var range = null;  // [start, end) of the "@word" being typed

    list.setAttribute('role', 'listbox');
    list.setAttribute('aria-label', 'People to mention');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-controls', list.id);

    function close() {
      options = [];
      active = -1;
      range = null;
      while (list.firstChild) list.removeChild(list.firstChild);
      list.hidden = true;
      input.removeAttribute('aria-activedescendant');
    }

    function query() {
      var caret = input.selectionStart;
      var before = input.value.slice(0, caret);
      var match = /(^|[^\w@])@([\w.\-]*)$/.exec(before);
      if (!match) return null;
      return { start: caret - match[2].length - 1, end: caret, text: match[2].toLowerCase() };
    }

    function render() {
      while (list.firstChild) list.removeChild(list.firstChild);
      options.forEach(function (person, i) {
        var item = document.createElement('li');
        item.id = list.id + '-' + i;
        item.className = 'mention-option';
        item.setAttribute('role', 'option');
        item.setAttribute('aria-selected', String(i === active));
        var name = document.createElement('span');
        name.textContent = person.name;
        item.appendChild(name);
        if (person.name !== person.identity) {
          var handle = document.createElement('span');
          handle.className = 'hint';
          handle.textContent = ' @' + person.identity;
          item.appendChild(handle);
        }
        // mousedown, not click: the textarea keeps its focus and caret.
        item.addEventListener('mousedown', function (event) { event.preventDefault(); pick(i); });
        list.appendChild(item);
      });
      list.hidden = options.length === 0;
      if (active >= 0) input.setAttribute('aria-activedescendant', list.id + '-' + active);
      else input.removeAttribute('aria-activedescendant');
    }

    function update() {
      range = query();
      if (!range) return close();
      options = candidates().filter(function (person) {
        return person.identity.toLowerCase().indexOf(range.text) === 0 ||
          person.name.toLowerCase().indexOf(range.text) === 0;
      }).slice(0, MAX);
      active = options.length ? 0 : -1;
      render();
    }

    function pick(i) {
      var person = options[i];
      if (!person || !range) return;
      var value = input.value;
      var insert = '@' + person.identity + ' ';
      input.value = value.slice(0, range.start) + insert + value.slice(range.end);
      var caret = range.start + insert.length;
      input.setSelectionRange(caret, caret);
      close();
      input.focus();
      input.dispatchEvent(new Event('input'));
    }

    // Returns true when the key was the picker's (the composer must not act on it).
    function handleKey(event) {
      if (list.hidden || !options.length) return false;
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        active = (active + (event.key === 'ArrowDown' ? 1 : options.length - 1)) % options.length;
        render();
      } else if (event.key === 'Enter' || event.key === 'Tab') {
        pick(active < 0 ? 0 : active);
      } else if (event.key === 'Escape') {
        close();
      } else {
        return false;
      }
      event.preventDefault();
      event.stopPropagation();
      return true;
    }

    input.addEventListener('input', update);
    input.addEventListener('click', update);
    input.addEventListener('blur', function () { setTimeout(close, 150); });
    close();
    return { handleKey: handleKey, close: close };
  };
})();
