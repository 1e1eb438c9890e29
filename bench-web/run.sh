#!/usr/bin/env bash
# The whole-request table and chart in one command: bash bench-web/run.sh [bench-web run flags]
# Builds the bench (release), starts a Redis server on a free loopback port (installing the Debian
# package redis-server first when it is missing and we are root), runs every app at 16 and 64
# connections over several interleaved rounds, stops Redis, and writes
# bench-web/whole-request.md and docs/charts/whole-request.svg. Then counts allocations per
# request (bench-web/allocations.md).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server
    else
        echo "redis-server is missing: install the Debian package redis-server (or run as root)" >&2
        exit 1
    fi
fi

# Another build (RUSTFLAGS) goes in its own target directory: CARGO_TARGET_DIR=... bash bench-web/run.sh
target=${CARGO_TARGET_DIR:-bench-web/target}
cargo build --release --manifest-path bench-web/Cargo.toml

# A free port, Redis on the load core (the server core stays the server's alone).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dir=$(mktemp -d)
taskset -c 1 redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize no --dir "$dir" --logfile "$dir/redis.log" &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 50); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.1
done

"$target/release/bench-web" run --redis "redis://127.0.0.1:$port" --redis-pid "$redis_pid" "$@"
"$target/release/allocs" --redis "redis://127.0.0.1:$port" | tee bench-web/allocations.md
