#!/usr/bin/env node
'use strict';
/**
 * A small Chorus chat client for Node.js 20+, built-in modules only (`net`).
 *
 * As a library:
 *
 *   const { ChorusChat, render } = require('./chorus-chat.js');
 *   const chat = new ChorusChat({ host: '127.0.0.1', port: 7000 });
 *   await chat.connect();              // sends /format json, resolves with the welcome event
 *   await chat.setNick('alice');
 *   await chat.join('dev');
 *   chat.send('hello');
 *   for await (const event of chat) {  // one object per JSON line, until the server closes
 *     console.log(render(event));
 *   }
 *
 * As a program (`--help` lists every option):
 *
 *   node chorus-chat.js --host 127.0.0.1 --port 7000 --nick alice --room dev
 *   node chorus-chat.js --nick bot --room dev --wait-for alice --send hi --expect 1
 *
 * The program sends every line of stdin and prints every event it receives, one per line, rendered
 * like the server's text encoding (`#dev <bob> hi`, `*bob* psst`) or, with --json, as the raw JSON
 * line. See docs/PROTOCOL.md for the protocol itself.
 */

const net = require('node:net');
const readline = require('node:readline');
const { parseArgs } = require('node:util');

const DEFAULT_PORT = 7000;
/** Events that carry what a person said; --expect counts these. */
const MESSAGE_TYPES = new Set(['message', 'action', 'private']);

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
const EXIT_TIMEOUT = 3;

/** The server refused a request; `code` is the error event's code, such as `nick-taken`. */
class ChorusError extends Error {
  constructor(code, message) {
    super(`${code}: ${message}`);
    this.code = code;
    this.serverMessage = message;
  }
}

/** Room names are case-insensitive and `#` is optional; events carry them lower case without `#`. */
function canonicalRoom(room) {
  return (room.startsWith('#') ? room.slice(1) : room).toLowerCase();
}

/** Parses one JSON line into an event that keeps the line itself in a non-enumerable `raw`. */
function parseEvent(line) {
  const event = JSON.parse(line);
  Object.defineProperty(event, 'raw', { value: line, enumerable: false });
  return event;
}

/**
 * One chat connection that receives JSON events.
 *
 * Events are objects parsed from the server's JSON lines. The helpers that wait for an answer
 * (setNick, join, waitForMembers) leave every event they see queued, so nextEvent and the async
 * iterator still return them in the order they arrived.
 */
class ChorusChat {
  constructor({ host = '127.0.0.1', port = DEFAULT_PORT, timeoutMs = 10_000 } = {}) {
    this.host = host;
    this.port = port;
    this.timeoutMs = timeoutMs;
    this.nick = null;
    this.room = null;
    this.rooms = new Set(); // rooms joined through this object, and the welcome's
    this.socket = null;
    this.chunks = [];       // bytes of the line being received, split across reads
    this.lines = [];        // complete lines not yet taken
    this.pending = [];      // events already parsed and looked at, not yet taken
    this.ended = false;
    this.failure = null;
    this.wake = null;       // resolves the reader waiting for the next line
  }

  /**
   * Connects, switches to JSON and resolves with the `welcome` event.
   *
   * The server greets in text first; those lines are skipped up to the JSON welcome that answers
   * `/format json`. After it every line is JSON.
   */
  async connect() {
    await new Promise((resolve, reject) => {
      const socket = net.createConnection({ host: this.host, port: this.port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect timed out after ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      socket.on('data', (data) => this.onData(data));
      socket.on('end', () => this.onEnd());
      socket.on('close', () => this.onEnd());
      socket.on('error', (e) => {
        this.failure = e;
        this.onEnd();
      });
      this.socket = socket;
    });
    this.send('/format json');
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const line = await this.readLine(deadline);
      if (line === null) {
        throw new Error('the server closed the connection before its welcome');
      }
      if (!line.startsWith('{')) {
        continue; // a text line sent before the switch to JSON
      }
      const event = parseEvent(line);
      if (event.type === 'welcome') {
        this.nick = event.nick;
        this.room = event.room || null;
        if (this.room) {
          this.rooms.add(this.room);
        }
        return event;
      }
      this.pending.push(event); // cannot happen before the welcome; keep it rather than lose it
    }
  }

  /** Sends one line; a line not starting with `/` is said in the current room. */
  send(line) {
    if (/[\r\n]/.test(line)) {
      throw new Error('one line at a time: the text must not contain CR or LF');
    }
    this.socket.write(`${line}\n`, 'utf8');
  }

  /** Tells the server nothing more will be sent: it answers what it got, then closes. */
  shutdownWrite() {
    this.socket.end();
  }

  close() {
    if (this.socket) {
      this.socket.destroy();
    }
  }

  onData(data) {
    let start = 0;
    for (let i = data.indexOf(0x0a); i !== -1; i = data.indexOf(0x0a, start)) {
      this.chunks.push(data.subarray(start, i));
      this.pushLine(Buffer.concat(this.chunks));
      this.chunks = [];
      start = i + 1;
    }
    if (start < data.length) {
      this.chunks.push(data.subarray(start));
    }
    this.notify();
  }

  pushLine(bytes) {
    // Decoding whole lines, never partial reads, keeps multi-byte characters intact.
    let line = bytes.toString('utf8');
    if (line.endsWith('\r')) {
      line = line.slice(0, -1);
    }
    this.lines.push(line);
  }

  onEnd() {
    if (this.ended) {
      return;
    }
    this.ended = true;
    if (this.chunks.length > 0) {
      this.pushLine(Buffer.concat(this.chunks)); // an unterminated last line still counts
      this.chunks = [];
    }
    this.notify();
  }

  notify() {
    if (this.wake) {
      const wake = this.wake;
      this.wake = null;
      wake();
    }
  }

  /** One line, or null at end of stream; rejects when `deadline` (ms since epoch, or null) passes. */
  async readLine(deadline) {
    while (this.lines.length === 0) {
      if (this.ended) {
        return null;
      }
      await new Promise((resolve, reject) => {
        let timer = null;
        if (deadline !== null) {
          timer = setTimeout(() => {
            this.wake = null;
            reject(new Error('no line from the server in time'));
          }, Math.max(0, deadline - Date.now()));
        }
        this.wake = () => {
          if (timer) clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.lines.shift();
  }

  async readEvent(deadline) {
    const line = await this.readLine(deadline);
    return line === null ? null : parseEvent(line);
  }

  /** The next event, or null once the server has closed; rejects after `timeoutMs`. */
  async nextEvent(timeoutMs = this.timeoutMs) {
    if (this.pending.length > 0) {
      return this.pending.shift();
    }
    return this.readEvent(timeoutMs === null ? null : Date.now() + timeoutMs);
  }

  /** Every event until the server closes, waiting as long as it takes for each. */
  async *[Symbol.asyncIterator]() {
    for (;;) {
      const event = await this.nextEvent(null);
      if (event === null) {
        return;
      }
      yield event;
    }
  }

  /**
   * Reads events into the queue until `done(event)` returns true. An error event while waiting is
   * taken as the answer to the request, and thrown.
   */
  async awaitEvent(done, timeoutMs = this.timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = await this.readEvent(deadline);
      if (event === null) {
        throw new Error('the server closed the connection');
      }
      this.pending.push(event);
      if (event.type === 'error') {
        throw new ChorusError(event.code, event.message);
      }
      if (done(event)) {
        return;
      }
    }
  }

  /** `/nick NICK`; rejects with a ChorusError (`nick-taken`, `invalid-nick`) if refused. */
  async setNick(nick) {
    if (nick === this.nick) {
      return;
    }
    const old = this.nick;
    this.send(`/nick ${nick}`);
    await this.awaitEvent((e) => e.type === 'nick' && e.old === old && e.new === nick && !('room' in e));
    this.nick = nick;
  }

  /** `/join ROOM` and makes it current; resolves once this connection is a member. */
  async join(room) {
    const name = canonicalRoom(room);
    this.send(`/join ${name}`);
    // Already a member: the server only makes the room current. Servers that tag their notices say so
    // with code current-room and the room; from an older server, any untagged notice answers, since
    // /join of a room we are in gets nothing else.
    await this.awaitEvent((e) => (e.type === 'join' && e.room === name && e.nick === this.nick)
        || (e.type === 'notice' && ((e.code === 'current-room' && e.room === name)
            || (!('code' in e) && this.rooms.has(name)))));
    this.room = name;
    this.rooms.add(name);
  }

  /**
   * Resolves once every one of `nicks` is in `room` (by default the current room). Asks `/who`
   * once, then follows join, leave and nick events: the room sends them in order after its answer.
   */
  async waitForMembers(nicks, room = this.room, timeoutMs = this.timeoutMs) {
    const name = canonicalRoom(room);
    const wanted = nicks.map((n) => n.toLowerCase());
    let members = null;
    this.send(`/who ${name}`);
    await this.awaitEvent((e) => {
      if (e.type === 'who' && e.room === name && members === null) {
        members = new Set(e.nicks.map((n) => n.toLowerCase()));
      } else if (members === null) {
        return false;
      } else if (e.type === 'join' && e.room === name) {
        members.add(e.nick.toLowerCase());
      } else if (e.type === 'leave' && e.room === name) {
        members.delete(e.nick.toLowerCase());
      } else if (e.type === 'nick' && e.room === name) {
        members.delete(e.old.toLowerCase());
        members.add(e.new.toLowerCase());
      }
      return wanted.every((n) => members.has(n));
    }, timeoutMs);
  }
}

function plural(count, noun) {
  return `${count} ${count === 1 ? noun : `${noun}s`}`;
}

/** An event as one line for a person, like the server's text encoding (`#room <from> text`). */
function render(e) {
  switch (e.type) {
    case 'message':
    case 'action': {
      const prefix = e.replay ? `[${e.ts.slice(11, 19)}] ` : '';
      return e.type === 'message'
        ? `${prefix}#${e.room} <${e.from}> ${e.text}`
        : `${prefix}#${e.room} * ${e.from} ${e.text}`;
    }
    case 'private':
      return `*${e.from}* ${e.text}`;
    case 'join':
      return `*** ${e.nick} joined #${e.room}`;
    case 'leave':
      return `*** ${e.nick} ${e.quit ? 'quit' : 'left'} #${e.room}${e.reason ? ` (${e.reason})` : ''}`;
    case 'nick':
      return `*** ${e.old} is now known as ${e.new}${e.room ? ` in #${e.room}` : ''}`;
    case 'who':
      return `*** #${e.room}: ${e.nicks.join(', ')}${e.nicks.length ? ' ' : ''}(${plural(e.nicks.length, 'member')})`;
    case 'rooms':
      return `*** rooms: ${e.rooms.map((r) => `#${r.name} (${r.members})`).join(', ') || 'none'}`;
    case 'history':
      return `*** end of history for #${e.room}: ${plural(e.messages, 'message')}, `
        + (e.complete ? 'complete' : 'partial (older messages are gone)');
    case 'pong':
      return e.token ? `*** pong ${e.token}` : '*** pong';
    case 'error':
      return `!!! ${e.code}: ${e.message}`;
    case 'notice':
      return `*** ${e.text}`;
    case 'welcome':
      return `*** Welcome to ${e.server || 'Chorus'}, ${e.nick}! You are in #${e.room}. Type /help for commands.`;
    case 'help':
      return e.lines.map((l) => `*** ${l}`).join('\n');
    default:
      return `*** ${JSON.stringify(e)}`;
  }
}

const USAGE = `usage: chorus-chat.js [--host H] [--port P] [--nick NICK] [--room ROOM] [--json]
                      [--wait-for NICK]... [--send LINE]... [--no-stdin]
                      [--expect N] [--timeout SECONDS]

Chat with a Chorus server: sends the lines of stdin, prints the events received.

  --host H          server host (default 127.0.0.1)
  --port P          chat port (default ${DEFAULT_PORT})
  --nick NICK       nickname to take after connecting
  --room ROOM       room to join and make current
  --json            print each event as its raw JSON line
  --wait-for NICK   before sending, wait until NICK is in the current room (repeatable)
  --send LINE       a line to send before the lines of stdin (repeatable)
  --no-stdin        do not read stdin; send only --send lines
  --expect N        exit 0 after printing N room or private messages from others,
                    or 3 after --timeout seconds
  --timeout S       seconds for connecting, --wait-for and --expect (default 20)

Exit codes: 0 done, 1 connection failed or request refused, 2 bad usage, 3 --expect timed out.`;

function parseCommandLine(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: String(DEFAULT_PORT) },
      nick: { type: 'string' },
      room: { type: 'string' },
      json: { type: 'boolean', default: false },
      'wait-for': { type: 'string', multiple: true, default: [] },
      send: { type: 'string', multiple: true, default: [] },
      'no-stdin': { type: 'boolean', default: false },
      expect: { type: 'string' },
      timeout: { type: 'string', default: '20' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const port = Number(values.port);
  const timeout = Number(values.timeout);
  const expect = values.expect === undefined ? null : Number(values.expect);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`'${values.port}' is not a port`);
  if (!(timeout > 0)) throw new Error(`'${values.timeout}' is not a number of seconds`);
  if (expect !== null && !(Number.isInteger(expect) && expect >= 0)) throw new Error(`'${values.expect}' is not a count`);
  return { ...values, port, timeoutMs: timeout * 1000, expect };
}

function println(text) {
  process.stdout.write(`${text}\n`);
}

async function main(argv) {
  let args;
  try {
    args = parseCommandLine(argv);
  } catch (e) {
    process.stderr.write(`${e.message}\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  if (args.help) {
    println(USAGE);
    return EXIT_OK;
  }
  const chat = new ChorusChat({ host: args.host, port: args.port, timeoutMs: args.timeoutMs });
  let messages = 0;
  const show = (event) => {
    println(args.json ? event.raw : render(event));
    if (MESSAGE_TYPES.has(event.type) && event.from !== chat.nick) {
      messages += 1;
    }
  };

  try {
    show(await chat.connect());
  } catch (e) {
    process.stderr.write(`cannot connect to ${args.host}:${args.port}: ${e.message}\n`);
    return EXIT_FAILED;
  }
  try {
    if (args.nick) await chat.setNick(args.nick);
    if (args.room) await chat.join(args.room);
    if (args['wait-for'].length > 0) await chat.waitForMembers(args['wait-for']);
  } catch (e) {
    process.stderr.write(`${e instanceof ChorusError ? 'refused' : 'failed while getting ready'}: ${e.message}\n`);
    chat.close();
    return e instanceof ChorusError ? EXIT_FAILED : EXIT_TIMEOUT;
  }

  const enough = () => args.expect !== null && messages >= args.expect;
  let stdinDone = args['no-stdin'];
  let wakeMain = null;
  const wake = () => {
    if (wakeMain) wakeMain();
  };

  // Reader: prints every event until the server closes.
  const reading = (async () => {
    for await (const event of chat) {
      show(event);
      wake();
    }
    wake();
  })();

  // Sender: --send lines, then stdin, read only now so nothing is sent before we are ready.
  for (const line of args.send) chat.send(line);
  if (!stdinDone) {
    const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
    input.on('line', (line) => {
      if (!chat.ended) chat.send(line);
    });
    input.on('close', () => {
      stdinDone = true;
      wake();
    });
  }

  if (args.expect === null) {
    await new Promise((resolve) => {
      wakeMain = () => stdinDone && resolve();
      wakeMain();
    });
    // Half-close: the server answers every line it got, then closes; the reader prints it all.
    chat.shutdownWrite();
    await reading;
    chat.close();
    return EXIT_OK;
  }

  const ready = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), args.timeoutMs);
    wakeMain = () => {
      if (stdinDone && enough()) {
        clearTimeout(timer);
        resolve(true);
      } else if (chat.ended) {
        clearTimeout(timer);
        resolve(false);
      }
    };
    wakeMain();
  });
  if (!ready) {
    process.stderr.write(`${chat.ended ? 'the server closed the connection' : `timed out after ${args.timeoutMs / 1000}s`}`
      + ` waiting for ${stdinDone ? 'messages' : 'stdin to end'}: got ${messages} of ${args.expect} messages\n`);
    chat.close();
    return chat.ended ? EXIT_FAILED : EXIT_TIMEOUT;
  }
  chat.send('/quit');
  await Promise.race([reading, new Promise((resolve) => setTimeout(resolve, args.timeoutMs))]);
  chat.close();
  return EXIT_OK;
}

module.exports = { ChorusChat, ChorusError, render, canonicalRoom, parseEvent };

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    // Let stdout drain before exiting: it may be a pipe or a file.
    process.stdout.write('', () => process.exit(code));
  });
}
