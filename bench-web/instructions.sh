#!/usr/bin/env bash
# Instructions per request (valgrind callgrind; repeatable on a busy machine): each piece of work
# runs 200 and 400 times and the difference is divided by 200, so set-up cancels out.
# The layer's own work is what a request costs beyond the same request without a session that
# carries (none-cookie) or also receives (none-set-cookie) a cookie of the same length, and beyond
# `Sealer::open` (reading) or `open` plus `renew` (writing): the client's cookie handling and the
# HTTP work for those bytes cancel out.
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
declare -A per
echo "| work | instructions per call |"
echo "|---|---:|"
for what in open renew none none-cookie none-set-cookie sealed-write sealed-read \
    sealed-write-cache sealed-read-cache; do
    a=$(count "$what" 200)
    b=$(count "$what" 400)
    per[$what]=$(( (b - a) / 200 ))
    echo "| $what | ${per[$what]} |"
done
echo "| layer's own, writing (sealed-write - none-set-cookie - open - renew) | $(( per[sealed-write] - per[none-set-cookie] - per[open] - per[renew] )) |"
echo "| layer's own, reading (sealed-read - none-cookie - open) | $(( per[sealed-read] - per[none-cookie] - per[open] )) |"
echo "| open cache, writing (sealed-write-cache - sealed-write) | $(( per[sealed-write-cache] - per[sealed-write] )) |"
echo "| open cache, reading (sealed-read-cache - sealed-read) | $(( per[sealed-read-cache] - per[sealed-read] )) |"
