# Shared by the benchmark scripts (compare.sh, cluster.sh): sourced, not run. Expects ROOT, HOST,
# SERVER_JAR, BENCH_JAR and INSTALL to be set by the script that sources it.

log() { printf '\n== %s\n' "$*" >&2; }

loadavg() { cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?'; }

# Ports: a free one per server start, unless set. Fixed defaults collided with other sessions' runs on a
# shared machine (the load then measured someone else's server). Ports are picked below the usual
# ephemeral range (32768-60999): a port picked from that range can be taken meanwhile by one of the
# thousand client connections of a fan-out run.
pick_port() {  # pick_port [FIXED] : FIXED if set, else a port that is free right now
  if [ -n "${1:-}" ]; then echo "$1"; return; fi
  python3 -c '
import random, socket
for _ in range(200):
    port = random.randrange(20000, 32000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        print(port)
        break
    except OSError:
        pass
    finally:
        s.close()
'
}

# wait_port PID PORT SECONDS : true once something accepts on HOST:PORT, false if PID (when given) dies first
wait_port() {
  local pid=$1 port=$2 deadline=$((SECONDS + $3))
  while [ $SECONDS -lt $deadline ]; do
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      return 1
    fi
    if (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  return 1
}

ensure_jars() {
  if [ ! -f "$SERVER_JAR" ] || [ ! -f "$BENCH_JAR" ]; then
    log "building the server and benchmark jars"
    (cd "$ROOT" && mvn -B -q -pl server,benchmarks -am package -DskipTests)
  fi
}

ensure_tool() {  # ensure_tool BINARY PACKAGE : true once BINARY is on the PATH, installing PACKAGE if allowed
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$INSTALL" = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing $2"
    if [ -z "${APT_UPDATED:-}" ]; then
      apt-get update -qq >&2 && APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >&2 || true
  fi
  command -v "$1" >/dev/null 2>&1
}

# prepare_run OUT : more descriptors than the usual 1024 (1000 subscribers need them), the jars built if
# missing, and private copies of them in OUT: a rebuild of target/ while a server runs from its jar kills
# that server. Sets SERVER_JAR and BENCH_JAR to the copies.
prepare_run() {
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  ensure_jars
  cp "$SERVER_JAR" "$1/chorus-server.jar" && SERVER_JAR="$1/chorus-server.jar"
  cp "$BENCH_JAR" "$1/chorus-bench.jar" && BENCH_JAR="$1/chorus-bench.jar"
}
