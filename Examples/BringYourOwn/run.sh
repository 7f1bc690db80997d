#!/usr/bin/env bash
# Bring your own images, and take the generator back to PyTorch, end to end:
#   Fashion-MNIST written out as image folders (PNG with class sub-folders; JPEG with captions in
#   metadata.jsonl) → a diffusers-UNet2DModel teacher on the PNG folder (and a text-conditioned
#   teacher on the captioned JPEGs) → DI++ with the classifier reward, per seed → `dipp export`
#   → Scripts/sample_exported.py (torch + diffusers) redraws the saved samples from their latents.
#
#   bash Examples/BringYourOwn/run.sh          # fast mode (CI): 100 images per class, short runs, 1 seed
#   bash Examples/BringYourOwn/run.sh --full   # full mode: 1000 per class, 3 seeds → Documentation/Results/BringYourOwn
# Needs a release build and Fashion-MNIST (bash .ci/install-dependencies). The PyTorch step runs
# where DIPP_DIFFUSERS_PYTHON (or python3) imports torch and diffusers, and is skipped elsewhere.
# Exits non-zero if the reward did not rise for a seed, or PyTorch's samples differ from DIPP's
# by more than 1e-4 (relative).
set -euo pipefail
cd "$(dirname "$0")/../.."
mode=fast; per_class=100; teacher_steps=300; text_steps=100; align_steps=30; seeds=(0)
if [[ "${1:-}" == "--full" ]]; then mode=full; per_class=1000; teacher_steps=3000; text_steps=1500; align_steps=600; seeds=(0 1 2); fi
dipp=${DIPP_BINARY:-.build/release/dipp}   # DIPP_BINARY: a copy, to rebuild while the example runs
out=runs/examples/bring-your-own-$mode
mkdir -p "$out"
start=$(date +%s)

# 1. The images as a researcher keeps them: 80% train/, 20% test/ (the held-out split).
[[ -d "$out/fashion-png" ]] || "$dipp" write-images --data fashion-mnist --out "$out/fashion-png" --per-class "$per_class" --test-fraction 0.2
[[ -d "$out/fashion-jpeg" ]] || "$dipp" write-images --data fashion-mnist --out "$out/fashion-jpeg" --format jpeg --quality 90 --captions \
    --per-class "$per_class" --test-fraction 0.2

# 2. Teachers at 16×16: diffusers' UNet2DModel (unet2d) on the PNG classes; DIPP's text U-Net on the captions.
[[ -f "$out/teacher/teacher.safetensors" ]] || "$dipp" pretrain --data "images:$out/fashion-png" --resolution 16 --steps "$teacher_steps" \
    --batch-size 64 --per-class 50 --out "$out/teacher" | tee "$out/teacher.log"
[[ -f "$out/text-teacher/teacher.safetensors" ]] || "$dipp" pretrain --data "images:$out/fashion-jpeg" --resolution 16 --steps "$text_steps" \
    --batch-size 64 --per-class 20 --out "$out/text-teacher" | tee "$out/text-teacher.log"

# 3. DI++ from the teacher with the in-project classifier's reward, one run per seed.
for seed in "${seeds[@]}"; do
  run="$out/aligned-seed-$seed"
  [[ -f "$run/generator.safetensors" ]] || "$dipp" align --teacher "$out/teacher" --reward classifier --reward-scale 1 --learning-rate 2e-5 \
      --steps "$align_steps" --batch-size 64 --seed "$seed" --out "$run" | tee "$out/aligned-seed-$seed.log"
done

# 4. Back to PyTorch: export seed 0's generator, save samples with their latents, redraw them there.
rm -rf "$out/exported" "$out/sampled"
"$dipp" export "$out/aligned-seed-0" --out "$out/exported"
"$dipp" sample --generator "$out/aligned-seed-0" --per-class 10 --save "$out/samples.safetensors" --out "$out/sampled" > /dev/null
python=""
for candidate in ${DIPP_DIFFUSERS_PYTHON:-} python3; do
  if "$candidate" -c "import torch, diffusers" 2>/dev/null; then python=$candidate; break; fi
done
round_trip="skipped: no python with torch and diffusers (set DIPP_DIFFUSERS_PYTHON)"
if [[ -n "$python" ]]; then
  "$python" Scripts/sample_exported.py "$out/exported" --latents "$out/samples.safetensors" --save "$out/samples-pytorch.safetensors"
  round_trip=$("$python" -c "
import numpy as np, sys
from safetensors.numpy import load_file
a, b = load_file('$out/samples.safetensors')['samples'], load_file('$out/samples-pytorch.safetensors')['samples']
r = float(np.linalg.norm(a - b) / np.linalg.norm(a))
print(f'{len(a)} samples, max |Δ| {abs(a - b).max():.2e}, ‖Δ‖/‖DIPP‖ {r:.2e}')
sys.exit(0 if r <= 1e-4 else 1)") || { echo "MISSED: PyTorch's samples differ from DIPP's: $round_trip"; exit 1; }
fi
elapsed=$(( $(date +%s) - start ))

# 5. The table (mean ± sd over seeds) and the checks.
python3 - "$out" "$mode" "$elapsed" "$round_trip" "${seeds[@]}" <<'PY'
import json, statistics, sys
out, mode, elapsed, round_trip, seeds = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:]
load = lambda p: json.load(open(f"{out}/{p}"))
teacher, text = load("teacher/report-teacher.json"), load("text-teacher/report-teacher.json")
runs = [load(f"aligned-seed-{s}/report-generator.json") for s in seeds]
def spread(values, digits=3):
    m = statistics.mean(values)
    return f"{m:.{digits}f} ± {statistics.stdev(values):.{digits}f}" if len(values) > 1 else f"{m:.{digits}f}"
lines = [f"# Bring your own images ({mode} mode)", "",
         f"Fashion-MNIST written out by `dipp write-images` ({'1000' if mode == 'full' else '100'} images per class, 20% held out as test/), "
         "read back with `--data images:DIR --resolution 16`. Whole example: "
         f"{elapsed / 60:.1f} min on this machine ({len(seeds)} DI++ seed(s)).", "",
         "| model | samples | class accuracy | FD-images | mean reward (classifier) |", "|---|---|---|---|---|"]
lines.append(f"| teacher: UNet2DModel on the PNG folder, Heun 18 steps | {teacher['samples']} | {teacher['image']['classAccuracy']:.3f} | "
             f"{teacher['image']['frechetDistance']:.2f} (real halves {teacher['realFrechetDistanceFloor']:.2f}) | – |")
lines.append(f"| DI++ (α_rew 1, α_cfg 1), one step, seeds {', '.join(seeds)} | {runs[0]['samples']} | "
             f"{spread([r['image']['classAccuracy'] for r in runs])} | {spread([r['image']['frechetDistance'] for r in runs], 2)} | "
             f"{spread([r['initialMeanReward'] for r in runs])} → {spread([r['meanReward'] for r in runs])} |")
lines.append(f"| text teacher: DIPP's unet on the captioned JPEG folder, Heun 18 steps | {text['samples']} | {text['image']['classAccuracy']:.3f} | "
             f"{text['image']['frechetDistance']:.2f} | – |")
lines += ["", f"PyTorch round trip (seed 0's generator exported, redrawn by Scripts/sample_exported.py from the saved latents): {round_trip}."]
open(f"{out}/results.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
missed = [s for s, r in zip(seeds, runs) if not r["meanReward"] > r["initialMeanReward"]]
if missed: sys.exit(f"MISSED: the reward did not rise for seed(s) {missed}")
print("target met: the reward rose for every seed")
PY
if [[ $mode == full ]]; then
  mkdir -p Documentation/Results/BringYourOwn
  cp "$out/results.md" Documentation/Results/BringYourOwn/results.md
  cp "$out/teacher/samples-teacher.png" Documentation/Results/BringYourOwn/samples-teacher.png
  cp "$out/aligned-seed-0/samples-generator.png" Documentation/Results/BringYourOwn/samples-generator.png
fi
