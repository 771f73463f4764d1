#!/usr/bin/env bash
# Fuzzes the GGUF and safetensors readers with libFuzzer (Linux; Swift's -sanitize=fuzzer).
# Usage: scripts/fuzz_readers.sh [seconds]   (default 60)
# Seeds are in Fuzz/corpus/ (kept small, committed); inputs libFuzzer finds go to a scratch
# corpus under Fuzz/.build so the committed one stays small. A crash leaves its input in
# Fuzz/.build/artifacts/ and exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
swift build -c release --package-path Fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
binary=$(swift build -c release --package-path Fuzz --show-bin-path)/FuzzReaders
scratch=Fuzz/.build/corpus
mkdir -p "$scratch" Fuzz/.build/artifacts
"$binary" "$scratch" Fuzz/corpus -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=4096 \
    -artifact_prefix=Fuzz/.build/artifacts/ -print_final_stats=1
