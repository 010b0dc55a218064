'use strict';
// Unit tests of chorus-ws-chat.js against a scripted stand-in for the server's /ws, on the ws package's
// own server. The real server is exercised by server/.../WebSocketPeersIT (mvn verify).
const test = require('node:test');
const assert = require('node:assert');
const { Writable } = require('node:stream');
const { WebSocketServer } = require('ws');
const { run } = require('../chorus-ws-chat.js');

function sink() {
  const chunks = [];
  const stream = new Writable({ write(chunk, _enc, done) { chunks.push(chunk.toString()); done(); } });
  stream.text = () => chunks.join('');
  return stream;
}

/** A server that greets, answers /nick, /join and /who like Chorus, and calls onLine for other frames. */
function scripted(onLine, maxPayload) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', maxPayload });
  wss.on('connection', (ws) => {
    let nick = 'guest-1';
    // An oversized frame is an error on the server's side of the socket; ws then closes with 1009.
    ws.on('error', () => {});
    const send = (e) => ws.send(JSON.stringify(e));
    send({ type: 'welcome', nick, room: 'lobby', server: 'Chorus' });
    ws.on('message', (data) => {
      const line = data.toString();
      let m;
      if ((m = /^\/nick (\S+)$/.exec(line))) { send({ type: 'nick', old: nick, new: m[1] }); nick = m[1]; }
      else if ((m = /^\/join (\S+)$/.exec(line))) send({ type: 'join', room: m[1], nick });
      else if ((m = /^\/who (\S+)$/.exec(line))) send({ type: 'who', room: m[1], nicks: [nick, 'bob'] });
      else onLine(line, send);
    });
  });
  return new Promise((resolve) => wss.on('listening', () => resolve(wss)));
}

const baseOptions = (port) => ({
  url: `ws://127.0.0.1:${port}/ws`, 'wait-for': [], send: [], json: false, timeout: '10'
});

test('takes the nick, joins, waits for bob, sends, and exits after the expected message', async () => {
  const sent = [];
  const wss = await scripted((line, send) => {
    sent.push(line);
    send({ type: 'message', room: 'dev', from: 'bob', text: 'hi alice', id: 1, ts: '2026-12-01T08:00:00.000Z' });
  });
  const out = sink();
  const err = sink();
  const code = await run({ ...baseOptions(wss.address().port), nick: 'alice', room: 'dev', 'wait-for': ['bob'],
    send: ['hello bob'], expect: '1' }, out, err, null);
  wss.close();
  assert.strictEqual(code, 0, err.text());
  assert.deepStrictEqual(sent, ['hello bob']);
  assert.match(out.text(), /^#dev <bob> hi alice$/m);
  assert.match(err.text(), /ready as alice in #dev/);
});

test('--big reports the close code and exits 0 on 1009', async () => {
  const wss = await scripted(() => {}, 1024);
  const err = sink();
  const code = await run({ ...baseOptions(wss.address().port), big: '5000' }, sink(), err, null);
  wss.close();
  assert.strictEqual(code, 0, err.text());
  assert.match(err.text(), /closed 1009/);
});
