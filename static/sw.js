// The chat page's service worker: keeps the page's shell (the HTML, its scripts, styles and
// icons) so the installed app opens without a network and shows that it is offline; the page
// then reconnects by itself. Tokens, the API, media and the WebSocket always go to the network.
'use strict';
var CACHE = 'chat-shell-v1';
var SHELL = [
  '/',
  '/static/css/app.css',
  '/static/js/twilio-chat.js',
  '/static/js/page/format.js',
  '/static/js/page/notify.js',
  '/static/js/page/mentions.js',
  '/static/js/app.js',
  '/static/js/search.js',
  '/static/icons/favicon.svg',
  '/static/icons/favicon-unread.svg',
  '/static/icons/icon-192.png',
  '/manifest.webmanifest'
];

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name !== CACHE; }).map(function (name) {
      return caches.delete(name);
    }));
  }).then(function () { return self.clients.claim(); }));
});

function isShell(url) {
  return url.origin === self.location.origin && (url.pathname === '/' || SHELL.indexOf(url.pathname) >= 0);
}

// Network first, so a new version is picked up at once; the cached copy when the network fails.
self.addEventListener('fetch', function (event) {
  var request = event.request;
  if (request.method !== 'GET') return;
  var url = new URL(request.url);
  var page = request.mode === 'navigate' && url.origin === self.location.origin && url.pathname === '/';
  if (!page && !isShell(url)) return;
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(page ? '/' : request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(page ? '/' : request, { ignoreSearch: page }).then(function (cached) {
      return cached || Response.error();
    });
  }));
});

// A click on a notification shown through the worker (Android) brings the page forward.
self.addEventListener('notificationclick', function (event) {
  event.notification.close();
  event.waitUntil(self.clients.matchAll({ type: 'window' }).then(function (windows) {
    if (windows.length) return windows[0].focus();
    return self.clients.openWindow('/');
  }));
});
