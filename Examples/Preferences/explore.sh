#!/usr/bin/env bash
# The single-seed exploration behind "The trade-off" in Documentation/Preferences.md: DI++ variants
# aligned with seed 0's learned stroke-mass reward (2000 pairs, α_rew 1 unless a variant says, the running
# `gradient` reward normalisation the example's page was measured with),
# each scored on the hidden utility (`--reward utility:stroke-mass`) and FD-digits over the same
# 1000 samples as `dipp sample` draws. Run `swift run -c release preferences --full` first (it
# makes the teacher, the generator and the reward); runs are kept under runs/examples/preferences-explore.
#
#   bash Examples/Preferences/explore.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
S=runs/examples/digits-full/seed-0
DIPP=.build/release/dipp
OUT=runs/examples/preferences-explore
score() {   # FD-digits and mean utility of a run's 1000 report samples
  $DIPP sample --generator "$1" --reward utility:stroke-mass --out "$1/scored" >/dev/null
  python3 -c "import json,sys; r=json.load(open('$1/scored/report-one-step.json')); print(r['image']['frechetDistance'], r['meanReward'])"
}
mkdir -p $OUT
echo '{"generatorOutput": "clamp"}' > $OUT/clamp.json
echo '{"algorithm": {"assistantSteps": 4}}' > $OUT/ta-steps-4.json
read -r FD0 U0 < <(score $S/ikl-unit-2000)
SD=0.0261   # the utility's per-sample sd under the distilled generators (Results/Preferences/results.md)
printf '| variant | utility rise (sd) | FD-digits aligned / distilled |\n|---|---|---|\n'
variant() {
  local name=$1; shift
  [ -f "$OUT/$name/generator.safetensors" ] || $DIPP align --teacher $S/teacher --init-from $S/ikl-unit-2000 \
    --reward rm:$S/preferences-stroke-mass-2000/reward --reward-normalization gradient "$@" --out "$OUT/$name" >/dev/null 2>&1
  read -r FD U < <(score "$OUT/$name")
  python3 -c "print('| $name \`$*\` | %+.2f | %.2f |' % (($U - $U0) / $SD, $FD / $FD0))"
}
variant baseline --steps 1000
variant short --steps 300
variant clamp --steps 300 --config $OUT/clamp.json
variant sid --steps 1000 --divergence sid
variant dmd-alpha5 --steps 1000 --weighting dmd --reward-scale 5
variant l2-alpha1 --steps 1000 --weighting l2
variant l2-alpha3 --steps 1000 --weighting l2 --reward-scale 3
variant ta-steps-4 --steps 1000 --config $OUT/ta-steps-4.json
variant lr-1e-5 --steps 2000 --learning-rate 1e-5
variant cfg-1.25 --steps 1000 --cfg 1.25
variant cfg-1.5 --steps 1000 --cfg 1.5
