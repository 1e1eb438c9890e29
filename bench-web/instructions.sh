#!/usr/bin/env bash
# Instructions per request (valgrind callgrind; repeatable on a busy machine): each piece of work
# runs 200 and 400 times and the difference is divided by 200, so set-up cancels out.
# Usage: bash bench-web/instructions.sh [path/to/bench-web binary]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-${CARGO_TARGET_DIR:-bench-web/target}/release/bench-web}
[ -x "$bin" ] || cargo build --release --manifest-path bench-web/Cargo.toml
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
count() {
    valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$bin" repeat "$1" "$2" 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
echo "| work | instructions per call |"
echo "|---|---:|"
for what in open renew none sealed-write sealed-read; do
    a=$(count "$what" 200)
    b=$(count "$what" 400)
    echo "| $what | $(( (b - a) / 200 )) |"
done
