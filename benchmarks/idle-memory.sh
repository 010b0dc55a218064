#!/usr/bin/env bash
# Idle-connection memory: RSS and live heap (after two full GCs) of one Chorus server before, and
# while, it holds N idle chat connections from the load generator. Every connection is greeted and
# joins #lobby, which is quiet above --quiet-room-size. Run from anywhere after a package build:
#   N=15000 benchmarks/idle-memory.sh          (SERVER_JAVA_OPTS=-Xmx256m to pin the heap)
# Needs an open-file limit above N + 100 for both processes (ulimit -n).
set -euo pipefail
N=${N:-15000}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JAR=${JAR:-$ROOT/server/target/chorus-server.jar}
BENCH=${BENCH:-$ROOT/benchmarks/target/chorus-bench.jar}
LOG=$(mktemp -d)
java ${SERVER_JAVA_OPTS:-} -jar "$JAR" --host 127.0.0.1 --echo-port off --udp-port off --chat-port 17500 \
  --max-connections 0 --max-connections-per-ip 0 --idle-timeout 0 --rate-limit 0 > $LOG/server.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$LOG"' EXIT
until grep -q "listening: chat tcp" "$LOG/server.log"; do sleep 0.2; done
sleep 2
measure() {
  jcmd $pid GC.run > /dev/null; sleep 1; jcmd $pid GC.run > /dev/null; sleep 1
  rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
  heap=$(jcmd $pid GC.heap_info | grep -oE 'used [0-9]+K' | head -1 | grep -oE '[0-9]+')
  echo "$rss $heap"
}
read rss0 heap0 < <(measure)
echo "baseline: rss ${rss0} KiB, heap used ${heap0} KiB"
java -jar "$BENCH" load connections --port 17500 --connections $N --rate 3000 --duration 40 --warmup 0 --json > $LOG/load.json 2>$LOG/load.err &
lp=$!
sleep 15
open=$(ls /proc/$pid/fd | wc -l)
read rss1 heap1 < <(measure)
echo "holding: fds ${open}, rss ${rss1} KiB, heap used ${heap1} KiB"
python3 -c "n=$N; print('per connection: rss %.2f KiB, heap %.2f KiB' % (($rss1-$rss0)/n, ($heap1-$heap0)/n))"
wait $lp || true
head -c 600 "$LOG/load.json"; echo
