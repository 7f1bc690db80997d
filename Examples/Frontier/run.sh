#!/usr/bin/env bash
# The α_cfg × α_rew frontier on the bundled digits, by `dipp sweep`: DI++ with the classifier reward
# from each seed's Diff-Instruct generator over a grid of teacher guidance α_cfg and reward scale
# α_rew, mean ± sd over seeds, and the reward-against-FD plot with the paper's presets marked.
# The per-seed teachers and Diff-Instruct generators are the Table 1 example's (`table1`, which
# reuses them when they exist).
#
#   bash Examples/Frontier/run.sh          # fast mode (CI): 2 × 2 cells × 2 seeds, 30 steps
#   bash Examples/Frontier/run.sh --full   # full mode: 3 × 4 cells × 3 seeds, 1000 steps → Documentation/Results/Frontier
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release
if [ "${1:-}" = "--full" ]; then
  mode=full grid=(--grid teacherGuidance=1,2,4.5 --grid rewardScale=0,1,3,10) seeds=3 steps=1000
  .build/release/table1 --full
else
  mode=fast grid=(--grid teacherGuidance=1,4.5 --grid rewardScale=0,1) seeds=2 steps=30
  .build/release/table1 --seeds 2
fi
out=runs/examples/frontier-$mode
.build/release/dipp sweep "${grid[@]}" --seeds $seeds --out $out -- \
  align --teacher runs/examples/digits-$mode/seed-{seed}/teacher --init-from runs/examples/digits-$mode/seed-{seed}/ikl-unit-$([ $mode = full ] && echo 2000 || echo 200) \
  --reward classifier --learning-rate 2e-5 --steps $steps
if [ $mode = full ]; then
  mkdir -p Documentation/Results/Frontier
  cp $out/sweep.md $out/sweep.json $out/frontier.svg Documentation/Results/Frontier/
fi
# Every cell has every seed's report.
python3 -c "import json, sys; cells = json.load(open('$out/sweep.json')); \
bad = [c['cell'] for c in cells if len(c['seeds']) != $seeds]; sys.exit(f'cells without all seeds: {bad}' if bad else 0)"
