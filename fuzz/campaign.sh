#!/usr/bin/env bash
# The fuzzing campaign recorded in fuzz/README.md: every target in turn, one core, ASan, nightly.
# Usage: bash fuzz/campaign.sh [TARGET:SECONDS ...]   (default: the full campaign, ~110 minutes)
# Logs go to fuzz/logs/TARGET.log, crashes to fuzz/artifacts/TARGET/, the grown corpus to
# fuzz/corpus/TARGET/ (the committed seeds in fuzz/seeds/TARGET/ are read, never written).
set -uo pipefail
cd "$(dirname "$0")"
plan=("$@")
if [ ${#plan[@]} -eq 0 ]; then
  plan=(open:1800 tamper:1800 roundtrip:600 keyring:600 claims:600 keys:600)
  if grep -q '^name = "cookie_header"' Cargo.toml; then plan+=(cookie_header:600); fi
fi
mkdir -p logs
for entry in "${plan[@]}"; do
  t=${entry%%:*}; secs=${entry##*:}
  mkdir -p "corpus/$t" "seeds/$t"
  max_len=4096
  [ "$t" = open ] && max_len=8192
  echo "=== $t for ${secs}s from $(date -u +%H:%M:%S)"
  rm -f fuzz-0.log
  cargo +nightly fuzz run "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$secs" -jobs=1 -workers=1 -timeout=10 -rss_limit_mb=2048 \
    -max_len="$max_len" -dict=dict/token.dict -print_final_stats=1 >"logs/$t.run" 2>&1
  rc=$?
  cat "logs/$t.run" fuzz-0.log >"logs/$t.log" 2>/dev/null
  rm -f fuzz-0.log
  echo "=== $t exit $rc at $(date -u +%H:%M:%S)"
  grep -E '^#[0-9]+.*(DONE|cov:)' "logs/$t.log" | tail -1
  grep -E 'stat::number_of_executed_units|SUMMARY|panicked|Test unit written' "logs/$t.log" | head -5
done
