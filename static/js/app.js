// The chat page: the quickstart's flow on top of the public JS client only.
(function () {
  'use strict';

  var messages = document.getElementById('messages');
  var form = document.getElementById('composer');
  var input = document.getElementById('chat-input');
  var connection = document.getElementById('connection');
  var identity = null;
  var channel = null;

  // Every line is built from text nodes: user text never becomes HTML.
  function print(text, className) {
    var line = document.createElement('p');
    line.className = 'info' + (className ? ' ' + className : '');
    line.textContent = text;
    append(line);
  }

  function printMessage(author, body) {
    var line = document.createElement('div');
    line.className = 'message' + (author === identity ? ' me' : '');
    var who = document.createElement('span');
    who.className = 'author';
    who.textContent = author;
    var text = document.createElement('span');
    text.className = 'body';
    text.textContent = body;
    line.appendChild(who);
    line.appendChild(text);
    append(line);
  }

  function append(node) {
    var atBottom = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 40;
    messages.appendChild(node);
    if (atBottom) messages.scrollTop = messages.scrollHeight;
  }

  function fetchToken() {
    return fetch('/token?device=browser').then(function (response) {
      if (!response.ok) throw new Error('Could not get a token');
      return response.json();
    });
  }

  function setupChannel(found) {
    channel = found;
    return channel.join().then(function () {
      print('Joined channel as ' + identity, 'me');
      channel.on('messageAdded', function (message) { printMessage(message.author, message.body); });
      input.disabled = false;
    });
  }

  print('Logging in…');
  fetchToken().then(function (data) {
    identity = data.identity;
    print('You have been assigned a random username of ' + identity);
    return Twilio.Chat.Client.create(data.token);
  }).then(function (client) {
    client.on('connectionStateChanged', function (state) {
      connection.textContent = state === 'connected' ? 'Connected' : 'Reconnecting…';
      connection.dataset.state = state;
    });
    client.on('tokenAboutToExpire', function () {
      fetch('/token?device=browser&identity=' + encodeURIComponent(identity))
        .then(function (r) { return r.json(); })
        .then(function (data) { client.updateToken(data.token); });
    });
    connection.textContent = 'Connected';
    connection.dataset.state = 'connected';
    return client.getChannelByUniqueName('general').catch(function () {
      return client.createChannel({ uniqueName: 'general', friendlyName: 'General Chat Channel' })
        .catch(function () { return client.getChannelByUniqueName('general'); });
    });
  }).then(setupChannel).catch(function (err) {
    print('Something went wrong: ' + err.message, 'error');
  });

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var text = input.value;
    if (!channel || !text.trim()) return;
    input.value = '';
    channel.sendMessage(text).catch(function (err) { print('Not sent: ' + err.message, 'error'); });
  });
  input.disabled = true;
})();
