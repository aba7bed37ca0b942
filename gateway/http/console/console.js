// The console page: one WebSocket line channel to this gateway through the
// client library it serves, the replies shown in command order.

import { connect } from '/client.js';

const $ = (id) => document.getElementById(id);
const state = $('state');
const log = $('log');
const reconnect = $('reconnect');
const line = $('line');
const history = [];
let recalled = 0;
let client = null;

function show(text, kind) {
  state.textContent = text;
  state.dataset.state = kind;
  reconnect.hidden = kind !== 'closed';
}

function entry(sent) {
  const item = document.createElement('li');
  item.className = 'sent';
  item.textContent = sent;
  const reply = document.createElement('li');
  reply.className = 'reply pending';
  reply.textContent = '…';
  log.append(item, reply);
  log.scrollTop = log.scrollHeight;
  return (text, kind) => {
    reply.className = `reply ${kind}`;
    reply.textContent = text;
    log.scrollTop = log.scrollHeight;
  };
}

async function open() {
  show('connecting…', 'connecting');
  const url = new URL('/ws', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  try {
    client = await connect(url.href);
  } catch (err) {
    show(`closed: ${err.message}`, 'closed');
    return;
  }
  show(`open (${url.href})`, 'open');
  const current = client;
  current.done.then((why) => {
    if (client === current) show(`closed: ${why.message}`, 'closed');
  });
}

function send(text, run) {
  const settle = entry(text);
  if (client === null || client.closed) {
    settle('not connected', 'error');
    return;
  }
  run(client).then(
    (reply) =>
      settle(
        reply === '' ? '(absent: empty reply)' : reply,
        reply.startsWith('ERROR') ? 'error' : reply === '' ? 'absent' : '',
      ),
    (err) => settle(`${err.code ?? 'error'}: ${err.message}`, 'error'),
  );
}

$('command').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = line.value;
  if (text.trim() === '') return;
  history.push(text);
  recalled = history.length;
  line.value = '';
  send(text, (c) => c.sendLine(text));
});

line.addEventListener('keydown', (event) => {
  if (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') return;
  event.preventDefault();
  recalled = Math.max(0, Math.min(history.length, recalled + (event.key === 'ArrowUp' ? -1 : 1)));
  line.value = history[recalled] ?? '';
});

$('auth').addEventListener('submit', (event) => {
  event.preventDefault();
  const token = $('token');
  const text = token.value;
  token.value = '';
  send('AUTH ********', (c) => c.auth(text).then((ok) => (ok ? 'W00T!' : 'RARGH!')));
});

reconnect.addEventListener('click', open);
open();
