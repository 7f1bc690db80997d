#!/usr/bin/env bash
# The suites that cover the C shims (oneDNN/LAPACK/zlib/libpng/libffi wrappers, the validator's
# confinement), the plugin host and validator (the shipped C plugins and the fixtures are built
# with the same sanitizers, so they run instrumented inside the validator's child), and the
# parsers — under AddressSanitizer (Swift and C) and UndefinedBehaviorSanitizer (C; any report
# is fatal). Figures: Documentation/Reliability.md.
#   bash Tests/Sanitizers/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
# Leaks are the fuzzers' job (LeakSanitizer is on there); the test process's own exit-time
# allocations are not findings. The validator child installs its own SIGSEGV handler.
export ASAN_OPTIONS=detect_leaks=0:allow_user_segv_handler=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
swift test --build-path .build-sanitizers -Xswiftc -sanitize=address \
  -Xcc -fsanitize=address,undefined -Xcc -fno-sanitize-recover=undefined -Xcc -fno-omit-frame-pointer \
  --filter 'PluginHostTests|ValidatorTests|ConditionsABITests|PluginConformanceTests|ForeignFunctionRewardTests|GeneratorPluginTests|SafeTensorsTests|DataTests|GEMMTests|MetricTests'
