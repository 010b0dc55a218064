#!/usr/bin/env node
// A Node.js WebSocket broadcast server on the `ws` package, written the way its users write one:
// the reference that Chorus's WebSocket fan-out is compared with (docs/BENCHMARKS.md).
//
//   node benchmarks/node/ws-broadcast.js --ws-port 18080 --tcp-port 18081
//
// WebSocket clients on ws://127.0.0.1:WS/ws are subscribers: a text frame "/join ROOM" is answered with
// {"type":"join","room":"ROOM"} (what `chorus-bench load fanout --ws-port` waits for). Every line a
// publisher sends on the plain TCP port goes to every subscriber as one text frame.
'use strict';
const net = require('net');
let WebSocketServer;
try {
  ({ WebSocketServer } = require('ws'));
} catch (e) {
  ({ WebSocketServer } = require('/usr/share/nodejs/ws'));   // Debian's node-ws
}

const args = process.argv.slice(2);
function option(name, fallback) {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
}
const host = option('--host', '127.0.0.1');
const wsPort = Number(option('--ws-port', '18080'));
const tcpPort = Number(option('--tcp-port', '18081'));

const wss = new WebSocketServer({ host, port: wsPort, path: '/ws' });
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    const text = data.toString();
    if (text.startsWith('/join ')) {
      ws.send(JSON.stringify({ type: 'join', room: text.slice(6).trim() }));
    }
  });
});

const publishers = net.createServer((socket) => {
  let pending = '';
  socket.on('data', (chunk) => {
    pending += chunk.toString();
    let lf;
    while ((lf = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, lf);
      pending = pending.slice(lf + 1);
      if (line.startsWith('/')) {
        socket.write('*** joined #' + line.split(' ')[1] + '\n');
        continue;
      }
      for (const client of wss.clients) {
        client.send(line);
      }
    }
  });
  socket.on('error', () => {});
});
publishers.listen(tcpPort, host, () => {
  console.log(`ws-broadcast: ws://${host}:${wsPort}/ws, publishers on ${host}:${tcpPort}`);
});
