#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each, one after another, at low
# priority: `bash tools/fuzz.sh 360` or `bash tools/fuzz.sh 360 expr csv`.
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). Each target's corpus
# grows in fuzz/corpus/TARGET (started from fuzz/seeds/TARGET); libFuzzer runs in fork mode with
# one job, so a crash, hang or huge allocation is written to fuzz/artifacts/TARGET/ and the run
# goes on. The last progress line of each log in fuzz/logs/ gives the executions and findings. Not part of CI: the crashes found are kept as
# regression tests in tests/suite/untrusted_input.rs, which CI runs.
set -uo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${1:-360}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(request safetensors expr csv formula)
mkdir -p logs
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    cp -n seeds/"$t"/* "corpus/$t/" 2>/dev/null
    echo "== $t: ${seconds} s"
    # -timeout: an input that takes over 10 s is a hang; -rss_limit_mb / -malloc_limit_mb: a
    # huge allocation is a finding; -max_len: the playground's expression cap is 2000 characters.
    nice -n 10 cargo +nightly fuzz run -O "$t" "corpus/$t" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
        -max_len=4096 -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        >"logs/$t.log" 2>&1
    echo "   exit $?; $(grep -E '^#[0-9]+: cov' "logs/$t.log" | tail -1)"
done
