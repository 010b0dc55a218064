// Chorus web chat. Speaks to /ws: each text frame we send is one command line in the TCP grammar,
// each frame we receive is one JSON event (docs/PROTOCOL.md). Everything other people wrote is put on
// the page with textContent, never as HTML.
'use strict';

(function () {
  const MAX_LINES_PER_ROOM = 500;
  const ROOMS_REFRESH_MS = 15000;
  const $ = (id) => document.getElementById(id);
  const ui = {
    connectForm: $('connect-form'), nick: $('nick'), connect: $('connect'), status: $('status'),
    rooms: $('rooms'), joinForm: $('join-form'), joinRoom: $('join-room'),
    currentRoom: $('current-room'), leave: $('leave'), log: $('log'),
    sendForm: $('send-form'), message: $('message'), who: $('who'), whoCount: $('who-count')
  };

  const state = {
    ws: null,
    wanted: false,          // the user asked to be connected; reconnect after a drop
    retryMs: 1000,
    retryTimer: 0,
    nick: '',               // the nick the user asked for
    me: '',                 // the nick the server gave us
    current: '',            // the room messages go to
    joined: [],             // rooms we are in, oldest first
    lastId: new Map(),      // room -> highest message id seen, for resume
    resuming: new Set(),    // rooms waiting for their /history since answer
    caughtUp: new Map(),    // room -> missed messages shown so far by the resume in progress
    resumeFrom: new Map(),  // room -> the last id seen before the resume asked for what came after it
    liveIds: new Map(),     // room -> ids that arrived live while the resume's answer was on its way
    unconfirmed: new Map(), // room -> our own lines shown here, which have no id (echo is off)
    logs: new Map(),        // room -> list of <li>
    who: new Map(),         // room -> sorted nicks
    rooms: [],              // [{name, members}] from /rooms
    setUp: false
  };

  const normRoom = (r) => String(r || '').trim().replace(/^#/, '').toLowerCase();
  const validNick = (n) => /^[A-Za-z0-9_-]{1,24}$/.test(n);
  const validRoom = (r) => /^[a-z0-9_-]{1,32}$/.test(r);

  // ---- rendering ---------------------------------------------------------------------------------

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function clock(ts) {
    const d = ts ? new Date(ts) : new Date();
    if (isNaN(d.getTime())) return '';
    return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function logOf(room) {
    const key = room || '';
    if (!state.logs.has(key)) state.logs.set(key, []);
    return state.logs.get(key);
  }

  function append(room, li) {
    const lines = logOf(room);
    lines.push(li);
    if (lines.length > MAX_LINES_PER_ROOM) {
      const old = lines.shift();
      if (old.parentNode) old.remove();
    }
    if ((room || '') === state.current) {
      const atEnd = ui.log.scrollTop + ui.log.clientHeight >= ui.log.scrollHeight - 40;
      ui.log.appendChild(li);
      if (atEnd) ui.log.scrollTop = ui.log.scrollHeight;
    }
  }

  function line(room, cls, parts) {
    const li = el('li', cls);
    li.appendChild(el('span', 'time', clock(parts.ts)));
    if (parts.from !== undefined) li.appendChild(el('span', 'from', parts.from));
    li.appendChild(el('span', 'text', parts.text));
    if (parts.title) li.title = parts.title;
    append(room, li);
  }

  // A line about the connection or the server, shown in the room being looked at.
  function system(text, cls) {
    line(state.current, 'system' + (cls ? ' ' + cls : ''), { text: text });
  }

  function showRoom(room) {
    state.current = room;
    ui.currentRoom.textContent = room ? '#' + room : 'no room';
    ui.leave.disabled = !room;
    ui.log.replaceChildren(...logOf(room));
    ui.log.scrollTop = ui.log.scrollHeight;
    renderRooms();
    renderWho();
  }

  function renderRooms() {
    const known = new Map(state.rooms.map((r) => [r.name, r.members]));
    for (const r of state.joined) if (!known.has(r)) known.set(r, null);
    const names = [...known.keys()].sort();
    ui.rooms.replaceChildren(...names.map((name) => {
      const li = el('li', (state.joined.includes(name) ? 'joined' : '') + (name === state.current ? ' current' : ''));
      const b = el('button');
      b.type = 'button';
      b.appendChild(el('span', 'name', '#' + name));
      const members = known.get(name);
      if (members !== null) b.appendChild(el('span', 'count', String(members)));
      b.addEventListener('click', () => command('/join ' + name));
      li.appendChild(b);
      return li;
    }));
  }

  function renderWho() {
    const nicks = state.who.get(state.current) || [];
    ui.whoCount.textContent = nicks.length ? '(' + nicks.length + ')' : '';
    ui.who.replaceChildren(...nicks.map((n) => {
      const li = el('li', n === state.me ? 'me' : '');
      const b = el('button', '', n);
      b.type = 'button';
      b.title = n === state.me ? 'you' : 'send ' + n + ' a private message';
      b.addEventListener('click', () => {
        if (n === state.me) return;
        ui.message.value = '/msg ' + n + ' ';
        ui.message.focus();
      });
      li.appendChild(b);
      return li;
    }));
  }

  function setStatus(text, kind) {
    ui.status.textContent = text;
    ui.status.className = 'status' + (kind ? ' ' + kind : '');
  }

  function whoAdd(room, nick) {
    const list = state.who.get(room);
    if (!list || list.includes(nick)) return;
    list.push(nick);
    list.sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
  }

  function whoRemove(room, nick) {
    const list = state.who.get(room);
    if (list) state.who.set(room, list.filter((n) => n !== nick));
  }

  function roomCount(room, delta) {
    const r = state.rooms.find((x) => x.name === room);
    if (r) r.members = Math.max(0, r.members + delta);
    else if (delta > 0) state.rooms.push({ name: room, members: delta });
  }

  // ---- events from the server --------------------------------------------------------------------

  function onEvent(ev) {
    switch (ev.type) {
      case 'welcome': onWelcome(ev); break;
      case 'message':
      case 'action': onMessage(ev); break;
      case 'private': {
        const out = ev.from === state.me;
        line(state.current, 'private', {
          ts: ev.ts, from: out ? '→ ' + ev.to : ev.from + ' →', text: ev.text,
          title: 'private message from ' + ev.from + ' to ' + ev.to
        });
        break;
      }
      case 'join': onJoin(ev); break;
      case 'leave': onLeave(ev); break;
      case 'nick': onNick(ev); break;
      case 'who':
        state.who.set(ev.room, (ev.nicks || []).slice());
        if (ev.room === state.current) renderWho();
        break;
      case 'rooms':
        state.rooms = (ev.rooms || []).map((r) => ({ name: r.name, members: r.members }));
        renderRooms();
        break;
      case 'history': onHistory(ev); break;
      case 'pong': if (ev.token !== 'keepalive') system('pong ' + (ev.token || '')); break;
      case 'error':
        line(state.current, 'error', { text: ev.code + ': ' + ev.message });
        if (ev.code === 'nick-taken' || ev.code === 'invalid-nick') setStatus(ev.message, 'bad');
        break;
      case 'notice': {
        // Acted on by its code and room field, never by its sentence.
        if (ev.code === 'current-room' && ev.room) { showRoom(ev.room); break; }
        system(ev.text);
        break;
      }
      case 'help': for (const l of ev.lines || []) system(l); break;
      default: system(JSON.stringify(ev));
    }
  }

  function onWelcome(ev) {
    state.me = ev.nick;
    setStatus('connected as ' + state.me, 'ok');
    if (state.setUp) return;
    state.setUp = true;
    if (state.nick && state.nick !== state.me) send('/nick ' + state.nick);
    // Rejoin what we were in (or what the link asked for); the current room's join goes last, which
    // makes it current again. Each room's own join event then asks for what was missed.
    const want = state.joined.slice();
    const current = state.current || want[want.length - 1] || normRoom(ev.room);
    state.joined = ev.room ? [normRoom(ev.room)] : [];
    for (const r of want) if (r !== current && !state.joined.includes(r)) send('/join ' + r);
    if (current && !state.joined.includes(current)) send('/join ' + current);
    else if (current) { send('/join ' + current); resume(current); }
    if (ev.room) { state.who.delete(normRoom(ev.room)); send('/who ' + normRoom(ev.room)); }
    send('/rooms');
  }

  function resume(room) {
    const last = state.lastId.get(room);
    if (last) {
      state.resuming.add(room);
      state.caughtUp.set(room, 0);
      state.resumeFrom.set(room, last);
      state.liveIds.set(room, new Set());
      send('/history ' + room + ' since ' + last);
    }
  }

  // Our own room lines are shown when sent (echo is off, so they never come back live) and have no
  // id; a resume replays them from the history, where they must not show a second time.
  function rememberMine(room, type, text) {
    const mine = state.unconfirmed.get(room) || [];
    mine.push(type + ':' + text);
    if (mine.length > MAX_LINES_PER_ROOM) mine.shift();
    state.unconfirmed.set(room, mine);
  }

  function alreadyShownMine(ev) {
    if (ev.from !== state.me) return false;
    const mine = state.unconfirmed.get(ev.room) || [];
    const at = mine.indexOf(ev.type + ':' + ev.text);
    if (at < 0) return false;
    mine.splice(0, at + 1);
    return true;
  }

  function onMessage(ev) {
    const last = state.lastId.get(ev.room) || 0;
    const resuming = ev.replay && state.resuming.has(ev.room);
    // A live message can arrive between the rejoin and the history answer, and the history holds it
    // too: skip replays already seen, by id, without skipping older missed ones.
    if (resuming && (ev.id <= (state.resumeFrom.get(ev.room) || 0) || state.liveIds.get(ev.room).has(ev.id))) return;
    if (!ev.replay && state.resuming.has(ev.room)) state.liveIds.get(ev.room).add(ev.id);
    if (ev.id > last) state.lastId.set(ev.room, ev.id);
    if (resuming && alreadyShownMine(ev)) return;
    if (resuming) state.caughtUp.set(ev.room, (state.caughtUp.get(ev.room) || 0) + 1);
    const cls = (ev.type === 'action' ? 'action' : 'message') + (ev.replay ? ' replay' : '');
    if (ev.type === 'action') line(ev.room, cls, { ts: ev.ts, from: '* ' + ev.from, text: ev.text });
    else line(ev.room, cls, { ts: ev.ts, from: ev.from, text: ev.text });
  }

  function onJoin(ev) {
    if (ev.nick === state.me) {
      if (!state.joined.includes(ev.room)) state.joined.push(ev.room);
      line(ev.room, 'system', { text: 'you joined #' + ev.room });
      showRoom(ev.room);
      send('/who ' + ev.room);
      send('/rooms');
      resume(ev.room);
      return;
    }
    whoAdd(ev.room, ev.nick);
    roomCount(ev.room, 1);
    line(ev.room, 'system', { text: ev.nick + ' joined' });
    if (ev.room === state.current) renderWho();
    renderRooms();
  }

  function onLeave(ev) {
    const why = ev.quit ? ' quit' + (ev.reason ? ' (' + ev.reason + ')' : '') : ' left';
    if (ev.nick === state.me) {
      state.joined = state.joined.filter((r) => r !== ev.room);
      line(ev.room, 'system', { text: 'you left #' + ev.room });
      if (ev.room === state.current) showRoom(state.joined[state.joined.length - 1] || '');
      send('/rooms');
      return;
    }
    whoRemove(ev.room, ev.nick);
    roomCount(ev.room, -1);
    line(ev.room, 'system', { text: ev.nick + why });
    if (ev.room === state.current) renderWho();
    renderRooms();
  }

  function onNick(ev) {
    if (!ev.room) {
      // Our own change.
      state.me = ev.new;
      if (validNick(ev.new)) { state.nick = ev.new; ui.nick.value = ev.new; }
      setStatus('connected as ' + state.me, 'ok');
      system('you are now known as ' + ev.new);
      for (const [room] of state.who) { whoRemove(room, ev.old); whoAdd(room, ev.new); }
      renderWho();
      return;
    }
    whoRemove(ev.room, ev.old);
    whoAdd(ev.room, ev.new);
    line(ev.room, 'system', { text: ev.old + ' is now known as ' + ev.new });
    if (ev.room === state.current) renderWho();
  }

  function onHistory(ev) {
    const wasResume = state.resuming.delete(ev.room);
    // On a resume, count what was shown: our own lines come back in the history but were shown already.
    const shown = wasResume ? state.caughtUp.get(ev.room) || 0 : ev.messages;
    if (!ev.complete) {
      line(ev.room, 'system gap', {
        text: 'Some messages in #' + ev.room + ' were missed: the history no longer reaches back that far ('
          + shown + ' recovered).'
      });
    } else if (wasResume) {
      line(ev.room, 'system', { text: 'caught up: ' + shown + ' missed message' + (shown === 1 ? '' : 's') });
    } else {
      line(ev.room, 'system', { text: 'end of history: ' + ev.messages + ' message' + (ev.messages === 1 ? '' : 's') });
    }
  }

  // ---- the connection ----------------------------------------------------------------------------

  function wsUrl() {
    return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws';
  }

  function connect() {
    clearTimeout(state.retryTimer);
    if (state.ws) return;
    state.wanted = true;
    state.setUp = false;
    setStatus('connecting…');
    let ws;
    try {
      ws = new WebSocket(wsUrl());
    } catch (e) {
      scheduleRetry();
      return;
    }
    state.ws = ws;
    ws.onopen = () => {
      state.retryMs = 1000;
      setStatus('connected', 'ok');
      ui.connect.textContent = 'Set nick';
    };
    ws.onmessage = (m) => {
      if (typeof m.data !== 'string') return;
      let ev;
      try { ev = JSON.parse(m.data); } catch (e) { system(m.data); return; }
      if (ev && typeof ev.type === 'string') onEvent(ev);
    };
    ws.onclose = (e) => {
      if (state.ws !== ws) return;
      state.ws = null;
      ui.connect.textContent = 'Connect';
      if (state.setUp) system('connection lost; reconnecting and catching up', 'error');
      state.setUp = false;
      if (!state.wanted) { setStatus('disconnected'); return; }
      if (e.code === 1008 || e.code === 1003) system('closed by the server: ' + (e.reason || e.code), 'error');
      scheduleRetry();
    };
  }

  function scheduleRetry() {
    const wait = state.retryMs;
    state.retryMs = Math.min(state.retryMs * 2, 15000);
    setStatus('disconnected; reconnecting in ' + Math.round(wait / 1000) + ' s', 'bad');
    state.retryTimer = setTimeout(connect, wait);
  }

  function send(text) {
    if (state.ws && state.ws.readyState === WebSocket.OPEN) {
      state.ws.send(text);
      return true;
    }
    return false;
  }

  function command(text) {
    if (!send(text)) system('not connected: connect first', 'error');
  }

  // ---- the forms ---------------------------------------------------------------------------------

  ui.connectForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const n = ui.nick.value.trim();
    if (n && !validNick(n)) { setStatus('a nick is 1 to 24 letters, digits, _ or -', 'bad'); return; }
    state.nick = n;
    if (state.ws) { if (n) send('/nick ' + n); return; }
    connect();
  });

  ui.sendForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = ui.message.value;
    if (!text.trim()) return;
    if (!state.ws) {
      connect();
      system('connecting first; press Enter again once connected', 'error');
      return;
    }
    if (send(text)) {
      // Our own room messages do not come back (echo is off), so show them here.
      if (!text.startsWith('/') || text.startsWith('//')) {
        const said = text.startsWith('//') ? text.slice(1) : text;
        line(state.current, 'message mine', { from: state.me, text: said });
        rememberMine(state.current, 'message', said);
      } else if (/^\/me\s/.test(text)) {
        line(state.current, 'action mine', { from: '* ' + state.me, text: text.slice(4) });
        rememberMine(state.current, 'action', text.slice(4));
      }
      ui.message.value = '';
    }
  });

  ui.joinForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const r = normRoom(ui.joinRoom.value);
    if (!validRoom(r)) { system('a room name is 1 to 32 letters, digits, _ or -', 'error'); return; }
    if (!state.ws) { state.joined.push(r); state.current = r; connect(); } else command('/join ' + r);
    ui.joinRoom.value = '';
  });

  ui.leave.addEventListener('click', () => { if (state.current) command('/leave ' + state.current); });

  setInterval(() => { if (state.setUp) send('/rooms'); }, ROOMS_REFRESH_MS);

  // Deep link: /?nick=NICK&room=ROOM connects as NICK and joins ROOM.
  const params = new URLSearchParams(location.search);
  const linkNick = params.get('nick');
  const linkRoom = normRoom(params.get('room'));
  if (linkNick && validNick(linkNick)) { ui.nick.value = linkNick; state.nick = linkNick; }
  if (linkRoom && validRoom(linkRoom)) { state.joined = [linkRoom]; state.current = linkRoom; }
  showRoom(state.current);
  if (linkNick || linkRoom) connect();
})();
