#!/usr/bin/env node
'use strict';
/**
 * A Chorus chat client over WebSocket (`/ws` on the HTTP port), on the `ws` package
 * (`npm install --no-audit --no-fund` in this directory).
 *
 * On `/ws` each text frame we send is one command line in the TCP grammar, and each frame we
 * receive is one JSON event, the same JSON as the TCP `/format json` lines (docs/PROTOCOL.md).
 * Echo is off, as on TCP: our own room messages do not come back.
 *
 *   node chorus-ws-chat.js --url ws://127.0.0.1:8080/ws --nick alice --room dev
 *   node chorus-ws-chat.js --nick bot --room dev --wait-for alice --send hi --expect 1
 *   node chorus-ws-chat.js --big 5000000          # sends one 5 MB frame, prints the close code
 *
 * The program sends every line of stdin once it is in its room (and the --wait-for users are
 * there), prints every event rendered like the server's text lines (or, with --json, as the JSON
 * itself), and exits 0 after --expect messages from others, or when the server closes the
 * connection. A refused frame shows as `closed 1009 ...` on stderr.
 */

const readline = require('node:readline');
const { parseArgs } = require('node:util');
const WebSocket = require('ws');
const { render, canonicalRoom } = require('./chorus-chat.js');

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
const EXIT_TIMEOUT = 3;
/** Events that carry what a person said; --expect counts these. */
const MESSAGE_TYPES = new Set(['message', 'action', 'private']);

const HELP = `usage: node chorus-ws-chat.js [options]
  --url URL          the server's /ws endpoint (default ws://127.0.0.1:8080/ws)
  --origin ORIGIN    Origin header to send (default: none, as a non-browser client)
  --nick NICK        take this nick
  --room ROOM        join this room (and make it current)
  --wait-for NICK    before sending, wait until NICK is in the room (repeatable)
  --send TEXT        a line to send once ready (repeatable), before stdin's lines
  --expect N         exit 0 after N messages from others
  --big BYTES        send one text frame of BYTES bytes once ready, and expect the server to close
  --json             print events as JSON instead of text lines
  --timeout SECONDS  give up (exit 3) after this long (default 60)
  --help`;

function options(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string', default: 'ws://127.0.0.1:8080/ws' },
      origin: { type: 'string' },
      nick: { type: 'string' },
      room: { type: 'string' },
      'wait-for': { type: 'string', multiple: true, default: [] },
      send: { type: 'string', multiple: true, default: [] },
      expect: { type: 'string' },
      big: { type: 'string' },
      json: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '60' },
      help: { type: 'boolean', default: false }
    }
  });
  return values;
}

/** Runs the program; resolves with its exit code. {@code input}: the lines to send, or null for none. */
function run(opts, out = process.stdout, err = process.stderr, input = process.stdin) {
  return new Promise((resolve) => {
    const expect = opts.expect === undefined ? Infinity : Number(opts.expect);
    const room = opts.room ? canonicalRoom(opts.room) : null;
    const waitFor = new Set(opts['wait-for'].map((n) => n.toLowerCase()));
    const present = new Set();
    const stdinLines = [];
    let me = null;
    let ready = false;
    let rl = null;
    let seen = 0;
    let done = false;

    const ws = new WebSocket(opts.url, opts.origin ? { origin: opts.origin, maxPayload: 64 << 20 } : { maxPayload: 64 << 20 });
    const timer = setTimeout(() => finish(EXIT_TIMEOUT, `timed out after ${opts.timeout} s`), Number(opts.timeout) * 1000);

    function finish(code, why) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (rl) rl.close();
      if (why) err.write(why + '\n');
      if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'bye');
      else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      resolve(code);
    }

    function send(line) {
      if (ws.readyState === WebSocket.OPEN) ws.send(line);
    }

    /** In the room with everyone we wait for: send what we were given. */
    function maybeReady() {
      if (ready || me === null) return;
      if (room !== null && !present.has(me.toLowerCase())) return;
      for (const n of waitFor) if (!present.has(n)) return;
      ready = true;
      err.write(`ready as ${me}${room ? ' in #' + room : ''}\n`);
      if (opts.big !== undefined) {
        // One frame of the given size: the server refuses frames longer than --max-line with 1009.
        ws.send('x'.repeat(Number(opts.big)));
        return;
      }
      for (const line of opts.send) send(line);
      for (const line of stdinLines.splice(0)) send(line);
    }

    function onEvent(e) {
      out.write((opts.json ? JSON.stringify(e) : render(e)) + '\n');
      switch (e.type) {
        case 'welcome':
          me = e.nick;
          if (opts.nick && opts.nick !== me) send('/nick ' + opts.nick);
          else if (room) send('/join ' + room);
          break;
        case 'nick':
          if (!e.room && e.old === me) {
            me = e.new;
            if (room) send('/join ' + room);
          }
          break;
        case 'error':
          if (!ready && (e.code === 'nick-taken' || e.code === 'invalid-nick' || e.code === 'invalid-room')) {
            finish(EXIT_FAILED, `refused: ${e.code}: ${e.message}`);
          }
          break;
        case 'join':
          if (e.room === room) {
            present.add(e.nick.toLowerCase());
            if (e.nick === me) send('/who ' + room);
          }
          break;
        case 'leave':
          if (e.room === room) present.delete(e.nick.toLowerCase());
          break;
        case 'who':
          if (e.room === room) for (const n of e.nicks) present.add(n.toLowerCase());
          break;
        default:
          if (MESSAGE_TYPES.has(e.type) && e.from !== me && ++seen >= expect) {
            finish(EXIT_OK);
          }
      }
      maybeReady();
    }

    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let e;
      try {
        e = JSON.parse(data.toString('utf8'));
      } catch (notJson) {
        out.write(data.toString('utf8') + '\n');
        return;
      }
      onEvent(e);
    });
    ws.on('close', (code, reason) => {
      err.write(`closed ${code} ${reason.toString('utf8')}\n`);
      if (opts.big !== undefined) finish(code === 1009 ? EXIT_OK : EXIT_FAILED);
      else finish(seen >= expect || expect === Infinity ? EXIT_OK : EXIT_FAILED,
        expect === Infinity ? undefined : `closed after ${seen} of ${expect} messages`);
    });
    ws.on('error', (e) => finish(EXIT_FAILED, `error: ${e.message}`));

    if (input) {
      rl = readline.createInterface({ input, crlfDelay: Infinity });
      rl.on('line', (line) => { if (ready) send(line); else stdinLines.push(line); });
    }
  });
}

module.exports = { run, options };

if (require.main === module) {
  let opts;
  try {
    opts = options(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(e.message + '\n' + HELP + '\n');
    process.exit(EXIT_USAGE);
  }
  if (opts.help) {
    process.stdout.write(HELP + '\n');
    process.exit(EXIT_OK);
  }
  run(opts).then((code) => process.exit(code));
}
