#!/usr/bin/env bash
# libFuzzer over microlabel's parsers of untrusted input: the importers (coco, yolo, voc, mot,
# cvat, otb), the terminal probe-reply parser (probe), the image decoders (pnm, png, jpeg) and
# the config and theme readers. The targets are TestSupport's FuzzTarget, which the random-input
# XCTest (CommandsTests.RandomInputTests) also drives for a bounded number of cases in CI.
#
#   Tests/Fuzz/fuzz.sh [SECONDS] [TARGET...]     default: 60 seconds each, every target
#
# Builds with -sanitize=fuzzer,address into .build-fuzz (outside the normal build), keeps each
# target's corpus in .build-fuzz/corpus/TARGET and writes any crashing input to
# .build-fuzz/crashes/TARGET/. Prints how many inputs each target ran. Exits non-zero if one crashed.
set -uo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(coco yolo voc mot cvat otb probe pnm png jpeg config theme)
fi

MICROLABEL_FUZZ=1 swift build --build-path .build-fuzz -c release --product microlabel-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address || exit 1
binary=.build-fuzz/release/microlabel-fuzz

failed=0
for target in "${targets[@]}"; do
  corpus=.build-fuzz/corpus/$target
  crashes=.build-fuzz/crashes/$target
  mkdir -p "$corpus" "$crashes"
  log=.build-fuzz/$target.log
  MICROLABEL_FUZZ_TARGET=$target MICROLABEL_FUZZ_SEEDS=$corpus "$binary" "$corpus" \
    -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=3072 -timeout=20 -print_final_stats=1 \
    -artifact_prefix="$crashes/" >"$log" 2>&1
  status=$?
  runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
  if ((status == 0)); then
    echo "$target: $runs inputs in ${seconds} s, no crash"
  else
    echo "$target: FAILED after $runs inputs (status $status); see $log and $crashes/"
    failed=1
  fi
done
exit $failed
