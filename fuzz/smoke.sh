#!/usr/bin/env bash
# CI smoke run of every fuzz target: a short run each from the committed seeds, with the address
# sanitizer on nightly, without a sanitizer on stable. A crash (a panic, a failed property, a
# sanitizer report, a timeout or an out-of-memory) fails the run and prints the reproducer.
# Usage: bash fuzz/smoke.sh [SECONDS_PER_TARGET]   (default 20)
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-20}

want=0.13.2
if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
  cargo install cargo-fuzz --locked --version "$want"
fi

if rustc +nightly --version >/dev/null 2>&1; then
  toolchain=(+nightly); sanitizer=address
else
  echo "fuzz smoke: no nightly toolchain, fuzzing on stable without a sanitizer (-s none)"
  toolchain=(); sanitizer=none
fi

t0=$(date +%s)
cargo "${toolchain[@]}" fuzz build -s "$sanitizer"
echo "fuzz smoke: build took $(( $(date +%s) - t0 ))s"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()
for target in $(cargo "${toolchain[@]}" fuzz list); do
  mkdir -p "$work/$target" "seeds/$target"
  log="$work/$target.log"
  if cargo "${toolchain[@]}" fuzz run -s "$sanitizer" "$target" "$work/$target" "seeds/$target" -- \
      -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -dict=dict/token.dict \
      -artifact_prefix="$work/$target-" >"$log" 2>&1; then
    echo "fuzz smoke: $target ok: $(grep -E '^#[0-9]+' "$log" | tail -1)"
  else
    failed+=("$target")
    echo "::: fuzz smoke: $target FAILED; the end of its log:"
    tail -60 "$log"
    for artifact in "$work/$target"-*; do
      [ -f "$artifact" ] || continue
      echo "::: reproducer $(basename "$artifact") (base64; decode into a file and run"
      echo "::: cargo +nightly fuzz run $target FILE):"
      base64 -w0 "$artifact"; echo
    done
  fi
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz smoke: crashes in: ${failed[*]}"
  exit 1
fi
echo "fuzz smoke: all targets ran ${secs}s without a finding"
