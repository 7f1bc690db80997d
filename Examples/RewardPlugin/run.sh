#!/usr/bin/env bash
# The reward-plugin tutorial (Documentation/WritingARewardPlugin.md) as one runnable example:
# scaffold the C reward plugin, build it, validate it, then align the distilled digits generator
# with it and check that its mean reward rose — over 3 seeds, each with its own teacher.
#
#   bash Examples/RewardPlugin/run.sh          # fast mode (CI): short runs
#   bash Examples/RewardPlugin/run.sh --full   # full mode: the tutorial's step counts
# Needs a release build (`swift build -c release`). Exits non-zero if the reward did not rise.
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=fast; pretrain=1500; distill=300; align=100
if [[ "${1:-}" == "--full" ]]; then mode=full; pretrain=4000; distill=2000; align=300; fi
dipp=.build/release/dipp
out=runs/examples/reward-plugin-$mode
mkdir -p "$out"

# 1–2. Scaffold and build the plugin exactly as the tutorial does.
rm -rf "$out/MyReward"
"$dipp" plugin new reward --lang c MyReward --output "$out"
"$out/MyReward/build.sh"
# 3. Validate it (bad arguments, ∇r against central differences, batch independence, …).
"$dipp" plugin validate "$out/MyReward/libMyReward.so"

# 4. Align and watch the reward rise, for each seed.
summary=()
for seed in 0 1 2; do
  runs="$out/seed-$seed"
  [[ -f "$runs/digits/teacher.safetensors" ]] || "$dipp" pretrain --data digits --steps "$pretrain" --seed "$seed" --out "$runs/digits" > "$runs.pretrain.log"
  [[ -f "$runs/di/generator.safetensors" ]] || "$dipp" distill --teacher "$runs/digits" --out "$runs/di" --steps "$distill" --seed "$seed" > "$runs.distill.log"
  rm -rf "$runs/aligned"
  "$dipp" align --teacher "$runs/digits" --init-from "$runs/di" --reward "$PWD/$out/MyReward/libMyReward.so" \
      --reward-scale 1 --learning-rate 2e-5 --steps "$align" --seed "$seed" --out "$runs/aligned" | tee "$runs.align.log"
  line=$(grep "mean reward" "$runs.align.log")
  summary+=("seed $seed: $line")
done
echo
printf '%s\n' "${summary[@]}"
# The reward must rise for every seed: "mean reward (NAME): BEFORE → AFTER".
for s in "${summary[@]}"; do
  before=$(sed -E 's/.*: (-?[0-9.]+) → (-?[0-9.]+).*/\1/' <<< "$s")
  after=$(sed -E 's/.*: (-?[0-9.]+) → (-?[0-9.]+).*/\2/' <<< "$s")
  if ! awk -v b="$before" -v a="$after" 'BEGIN { exit !(a > b) }'; then echo "MISSED: the reward did not rise: $s"; exit 1; fi
done
echo "target met: the plugin's mean reward rose for every seed"
