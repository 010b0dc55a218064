#!/usr/bin/env bash
# Makes a small local base image, chorus-local-jre:17, for machines that cannot pull images:
# a jlink'ed Java runtime at /opt/java/openjdk, the shared libraries it needs, and a static busybox
# as /bin/sh. Needs a JDK 17+ (jlink), busybox-static, and a running Docker engine.
set -euo pipefail
tag="${1:-chorus-local-jre:17}"
java_home="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root/opt/java" "$root/bin" "$root/tmp"
chmod 1777 "$root/tmp"

# The modules the server jar uses (jdeps on the shaded jar), plus TLS and JMX-free management.
"$java_home/bin/jlink" --output "$root/opt/java/openjdk" --strip-debug --no-header-files --no-man-pages \
  --add-modules java.base,java.logging,java.management,jdk.management,java.naming,java.xml,java.desktop,java.scripting,java.sql,jdk.unsupported,jdk.crypto.ec,jdk.crypto.cryptoki

# Shared libraries of the runtime and the native transports (ldd on every .so and on java itself).
libs=$( (ldd "$root/opt/java/openjdk/bin/java"; find "$root/opt/java/openjdk/lib" -name '*.so' -exec ldd {} \;) 2>/dev/null \
  | grep -o '/[^ ]*\.so[^ ]*' | sort -u)
# Netty's epoll, io_uring and tcnative libraries are unpacked at run time and also need these.
extra="/lib64/ld-linux-x86-64.so.2"
for name in libdl.so.2 libpthread.so.0 librt.so.1 libm.so.6 libc.so.6 libgcc_s.so.1 libz.so.1; do
  extra="$extra $(ls /lib/x86_64-linux-gnu/$name 2>/dev/null || true)"
done
for lib in $libs $extra; do
  [ -e "$lib" ] || continue
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
busybox="$(command -v busybox)"
cp "$busybox" "$root/bin/busybox"
for tool in sh ls cat env sleep; do ln -s busybox "$root/bin/$tool"; done

tar -C "$root" -c . | docker import - "$tag"
echo "built $tag"
