#!/bin/sh
# kill -9 during training, then --resume: the final weights must be bit-identical to an
# uninterrupted run (checkpoints are switched by an atomic symlink rename, and carry the
# optimizer, RNG and router-bias state).
#   swift build -c release && scripts/check_kill_resume.sh [.build/release/moe]
set -eu
moe="${1:-.build/release/moe}"
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
args="--data $root/Tests/Fixtures/training/tokenizer/corpus.txt --vocab-size 300 --layers 2 --hidden 64 --heads 2 \
  --experts 4 --expert-hidden 64 --context 64 --batch 8 --warmup 2 --eval-every 5 --eval-batches 1 --steps 60 --threads 1"
"$moe" train $args --out "$tmp/straight" >/dev/null 2>&1
"$moe" train $args --out "$tmp/killed" >/dev/null 2>&1 &
pid=$!
while [ ! -L "$tmp/killed/checkpoint" ]; do sleep 0.05; done
sleep 0.3
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
echo "killed at $(readlink "$tmp/killed/checkpoint")"
"$moe" train $args --out "$tmp/killed" --resume >/dev/null 2>&1
cmp "$tmp/straight/checkpoint/model.safetensors" "$tmp/killed/checkpoint/model.safetensors"
cmp "$tmp/straight/checkpoint/training_state.safetensors" "$tmp/killed/checkpoint/training_state.safetensors"
echo "resumed run is bit-identical to the uninterrupted one"
