#!/usr/bin/env bash
# Fuzzes every harness for RUNS executions each (default 10^6), two at a time, with libFuzzer and
# AddressSanitizer (LeakSanitizer on), and prints one summary line per harness. Findings are
# left as crash-*/leak-*/timeout-* files in the work folder. The figures in
# Documentation/Reliability.md come from this script.
#   bash Tests/Fuzz/campaign.sh [RUNS] [WORK_FOLDER]
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-1000000}
WORK=${2:-/tmp/dipp-fuzz-campaign}
swift build -c release --product dipp-fuzz --build-path .build-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DDIPP_FUZZING -Xcc -fsanitize=fuzzer-no-link,address >/dev/null
mkdir -p "$WORK"
BIN="$PWD/.build-fuzz/release/dipp-fuzz"
run() {
  local h=$1
  mkdir -p "$WORK/$h/corpus"
  cp Tests/Fuzz/Corpus/"$h"/* "$WORK/$h/corpus/"
  (cd "$WORK/$h" && DIPP_FUZZ_HARNESS=$h ASAN_OPTIONS=detect_leaks=1 \
     /usr/bin/time -f "%e s wall" "$BIN" corpus \
       -runs="$RUNS" -max_len=4096 -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 >log 2>&1) || true
}
HARNESSES=(safetensors configuration manifest ffi-signature idx csv png gzip flags)
for ((i = 0; i < ${#HARNESSES[@]}; i += 2)); do
  run "${HARNESSES[$i]}" &
  if ((i + 1 < ${#HARNESSES[@]})); then run "${HARNESSES[$((i + 1))]}" & fi
  wait
done
printf "%-14s %12s %10s %8s %10s %s\n" harness executions exec/s corpus wall findings
for h in "${HARNESSES[@]}"; do
  log="$WORK/$h/log"
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  corpus=$(ls "$WORK/$h/corpus" | wc -l)
  wall=$(grep -o '[0-9.]* s wall' "$log" | tail -1 || echo "?")
  findings=$(ls "$WORK/$h" | grep -cE '^(crash|leak|timeout|oom)-' || true)
  printf "%-14s %12s %10s %8s %10s %s\n" "$h" "$execs" "$speed" "$corpus" "$wall" "$findings"
done
