#!/usr/bin/env node
'use strict';
/**
 * The client of the classic Node.js echo example, pointed at Chorus's echo port.
 *
 * It connects, writes `Hello, server!` once with no newline and without ending its side of the
 * connection, prints what comes back, and closes. Against the default (raw) echo mode started with
 * `--echo-prefix "Echo: "` it prints `Received: Echo: Hello, server!`.
 *
 *   node echo-client.js [PORT] [HOST]        defaults: 7007, 127.0.0.1
 */

const net = require('net');

const port = Number(process.argv[2] || 7007);
const host = process.argv[3] || '127.0.0.1';

const client = new net.Socket();

client.connect(port, host, () => {
  console.log('Connected to server');
  client.write('Hello, server!');
});

client.on('data', (data) => {
  console.log('Received: ' + data);
  client.destroy();
});

client.on('close', () => {
  console.log('Connection closed');
});

client.on('error', (err) => {
  console.error('Error: ' + err.message);
  process.exitCode = 1;
});
