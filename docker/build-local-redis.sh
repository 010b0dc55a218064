#!/usr/bin/env bash
# Makes a small local stand-in for the official redis:7 image, chorus-local-redis:7, for machines that
# cannot pull images: this machine's redis-server and redis-cli (Redis 7 from the distribution), the
# shared libraries they need, a static busybox as /bin/sh, and an empty /data. Use it with
#   REDIS_IMAGE=chorus-local-redis:7 docker compose -f docker/compose.yaml --profile cluster up ...
# Unlike the official image it runs Redis as root; it is for trying the compose file offline only.
# Needs redis-server and redis-tools 7.0+, busybox-static, and a running Docker engine.
set -euo pipefail
tag="${1:-chorus-local-redis:7}"
server="$(command -v redis-server)" || { echo "build-local-redis.sh: redis-server is missing (apt-get install redis-server)" >&2; exit 2; }
cli="$(command -v redis-cli)" || { echo "build-local-redis.sh: redis-cli is missing (apt-get install redis-tools)" >&2; exit 2; }
version="$("$server" --version | sed -n 's/.* v=\([0-9]*\)\..*/\1/p')"
if [ "${version:-0}" -lt 7 ]; then
  echo "build-local-redis.sh: $server is not Redis 7 or later; cluster mode needs sharded pub/sub (7.0)" >&2
  exit 2
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root/usr/local/bin" "$root/bin" "$root/tmp" "$root/data" "$root/etc"
chmod 1777 "$root/tmp"
# -L: Debian's redis-server is a symlink to redis-check-rdb's binary; copy the file itself.
cp -L "$server" "$root/usr/local/bin/redis-server"
cp -L "$cli" "$root/usr/local/bin/redis-cli"
for lib in $( (ldd "$server"; ldd "$cli") | grep -o '/[^ ]*\.so[^ ]*' | sort -u); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
cp "$(command -v busybox)" "$root/bin/busybox"
for tool in sh ls cat env sleep; do ln -s busybox "$root/bin/$tool"; done
echo 'hosts: files dns' > "$root/etc/nsswitch.conf"

# The official image's working directory and volume are /data, its PATH has /usr/local/bin.
tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/local/bin:/bin' \
  --change 'WORKDIR /data' \
  --change 'CMD ["redis-server"]' \
  - "$tag"
echo "built $tag"
