#!/usr/bin/env python3
"""Draw samples from a DIPP one-step generator exported as a diffusers folder.

    python3 Scripts/sample_exported.py OUT --latents LATENTS.safetensors --save SAMPLES.safetensors
    python3 Scripts/sample_exported.py OUT --count 64 --seed 0 --save S.safetensors [--png grid.png]

OUT holds unet/ (a diffusers UNet2DModel: config.json + diffusion_pytorch_model.safetensors) and
dipp_one_step.json:
  {"format": "dipp-one-step-generator", "version": 1, "unet": "unet", "sample_shape": [C, H, W],
   "class_count": K,        # 0 = unconditional; index K is the null class when num_class_embeds = K + 1
   "sigma_init": s,
   "output": {"kind": "none"} or {"kind": "clamp"|"tanh", "low": a, "high": b},   # how samples are kept in range
   "preconditioning": {"kind": "edm", "sigma_data": sd}
                   or {"kind": "vp-discrete", "prediction_type": "epsilon"|"v_prediction"|"sample",
                       "alphas_cumprod": [T floats], "first_level": 0 (1 for Fourier time embeddings)}}
LATENTS holds `latents` [N]+sample_shape (float32: z) and optionally `labels` [N] (float32 or
int64 class indices). Without --latents, z ~ N(0, I) from torch.Generator().manual_seed(seed).
Without labels, a conditional model gets --class-label for every sample, else labels drawn
uniformly from 0..K-1 with the same generator; label -1 (DIPP's null condition) is the null class K. Writes `samples` [N]+sample_shape and `labels`
[N] (float32) with safetensors. float32, CPU, torch.no_grad().

Generator: x = D(sigma_init * z; sigma_init, c), the denoiser D(x; s, c) being
  edm:         c_skip = sd^2/(s^2+sd^2), c_out = s*sd/sqrt(s^2+sd^2), c_in = 1/sqrt(s^2+sd^2),
               c_noise = ln(s)/4;  D = c_skip*x + c_out*F,  F = unet(c_in*x, c_noise [N] float, c).sample
  vp-discrete: levels s_t = sqrt((1-abar_t)/abar_t) (float64), increasing in t; the timestep is
               t = i + (ln s - ln s_i)/(ln s_{i+1} - ln s_i) for ln s_i <= ln s <= ln s_{i+1},
               clamped to [first_level, T-1]; x_t = x/sqrt(1+s^2); o = unet(x_t, t [N] float, c).sample;
               epsilon: D = x - s*o;  v_prediction: D = x/(1+s^2) - s/sqrt(1+s^2)*o;  sample: D = o.
"""
import argparse
import json
import math
import os

import numpy as np
import torch
from diffusers import UNet2DModel
from safetensors.torch import load_file, save_file


def vp_timestep(sigma, alphas_cumprod, first_level=0):
    """Continuous timestep for sigma: linear interpolation of ln sigma over the levels."""
    abar = np.asarray(alphas_cumprod, dtype=np.float64)[first_level:]
    log_levels = np.log(np.sqrt((1 - abar) / abar))
    return first_level + float(np.interp(math.log(sigma), log_levels, np.arange(len(abar), dtype=np.float64)))


def denoise(unet, pre, x, sigma, labels):
    n = x.shape[0]
    if pre["kind"] == "edm":
        sd = pre["sigma_data"]
        c_skip = sd**2 / (sigma**2 + sd**2)
        c_out = sigma * sd / math.sqrt(sigma**2 + sd**2)
        c_in = 1 / math.sqrt(sigma**2 + sd**2)
        t = torch.full((n,), math.log(sigma) / 4, dtype=torch.float32)
        return c_skip * x + c_out * unet(c_in * x, t, class_labels=labels).sample
    if pre["kind"] == "vp-discrete":
        t = torch.full((n,), vp_timestep(sigma, pre["alphas_cumprod"], pre.get("first_level", 0)), dtype=torch.float32)
        o = unet(x / math.sqrt(1 + sigma**2), t, class_labels=labels).sample
        kind = pre["prediction_type"]
        if kind == "epsilon":
            return x - sigma * o
        if kind == "v_prediction":
            return x / (1 + sigma**2) - sigma / math.sqrt(1 + sigma**2) * o
        if kind == "sample":
            return o
        raise ValueError(f"unknown prediction_type {kind!r}")
    raise ValueError(f"unknown preconditioning kind {pre['kind']!r}")


def save_png(samples, path):
    try:
        from PIL import Image
    except ImportError:
        print("PIL not importable; no PNG written")
        return
    n, c, h, w = samples.shape
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    img = ((samples.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    img = img[:, :3] if c >= 3 else img[:, :1]
    grid = torch.zeros(img.shape[1], rows * h, cols * w, dtype=torch.uint8)
    for i in range(n):
        r, q = divmod(i, cols)
        grid[:, r * h:(r + 1) * h, q * w:(q + 1) * w] = img[i]
    arr = grid.permute(1, 2, 0).numpy()
    Image.fromarray(arr[:, :, 0] if arr.shape[2] == 1 else arr).save(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder")
    ap.add_argument("--latents")
    ap.add_argument("--save", required=True)
    ap.add_argument("--count", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--class-label", type=int)
    ap.add_argument("--png")
    args = ap.parse_args()

    meta = json.load(open(os.path.join(args.folder, "dipp_one_step.json")))
    assert meta["format"] == "dipp-one-step-generator" and meta["version"] == 1, meta.get("format")
    unet = UNet2DModel.from_pretrained(os.path.join(args.folder, meta["unet"])).float().eval()
    shape, k = list(meta["sample_shape"]), meta["class_count"]

    gen = torch.Generator().manual_seed(args.seed)
    labels = None
    if args.latents:
        data = load_file(args.latents)
        z = data["latents"].float()
        labels = data.get("labels")
    else:
        z = torch.randn([args.count] + shape, generator=gen)
    assert list(z.shape[1:]) == shape, f"latents {list(z.shape)} do not match sample_shape {shape}"
    n = z.shape[0]
    if k > 0 and labels is None:
        labels = (torch.full((n,), args.class_label) if args.class_label is not None
                  else torch.randint(0, k, (n,), generator=gen))
    if labels is not None:
        labels = labels.long().reshape(n)
        labels = torch.where(labels < 0, torch.full_like(labels, k), labels)

    sigma = float(meta["sigma_init"])
    with torch.no_grad():
        samples = denoise(unet, meta["preconditioning"], sigma * z, sigma, labels if k > 0 else None).float()
        bound = meta.get("output", {"kind": "none"})
        if bound["kind"] == "clamp":
            samples = samples.clamp(bound["low"], bound["high"])
        elif bound["kind"] == "tanh":
            samples = (samples.tanh() + 1) * ((bound["high"] - bound["low"]) / 2) + bound["low"]
    out = {"samples": samples.contiguous()}
    if labels is not None:
        out["labels"] = labels.float()
    save_file(out, args.save)
    print(f"{n} samples {shape} -> {args.save} (mean {samples.mean():.4f}, std {samples.std():.4f})")
    if args.png:
        save_png(samples, args.png)


if __name__ == "__main__":
    main()
