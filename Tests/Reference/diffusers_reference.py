#!/usr/bin/env python3
"""Fixtures for DIPP's diffusers-folder reader: tiny random `UNet2DModel`s with a `DDPMScheduler`
config each, plus the diffusers forward pass on a few noised inputs.

Pinned (Tests/Reference/requirements-diffusers.txt): torch 2.13.0 CPU build, diffusers 0.42.1,
safetensors 0.8.0, numpy 2.4.6, huggingface_hub 2.5.0. Own venv:
    python3 -m venv /tmp/difvenv
    /tmp/difvenv/bin/pip install /opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl
      # or: /tmp/difvenv/bin/pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
    /tmp/difvenv/bin/pip install -r Tests/Reference/requirements-diffusers.txt

Usage (rewrites Tests/Reference/diffusers/<case>/ for every case):
    /tmp/difvenv/bin/python Tests/Reference/diffusers_reference.py [--out Tests/Reference/diffusers]

Every case: torch.manual_seed(case seed); build the UNet2DModel; then perturb EVERY state-dict
tensor so no weight sits at a trivial init (GroupNorm weight 1 + 0.2 randn, every bias 0.1 randn,
conv/linear weights randn / sqrt(fan_in), class embedding randn, Gaussian-Fourier weight
w * (1 + 0.1 randn)); round the weights to the stored dtype (fp32 / fp16 / bf16) and back to
float32; run the model in float32.

reference.safetensors (float32 only):
  sample         [N,C,H,W]  x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps, x0 ~ U(-1,1), eps ~ N(0,1)
                            (computed in float64, stored float32), one sample per level t
  timesteps      [N]        the integer levels t = 0..T-1 (fourier case: 1..T-1, because the
                            Gaussian-Fourier embedding takes log(t) and divides the output by t)
  class_labels   [N]        class-conditional case only, labels in 0..num_class_embeds-1
  alphas_cumprod [T]        the scheduler's own float32 `alphas_cumprod`
  model_output   [N,C,H,W]  unet(sample, timesteps as int64, class_labels as int64).sample
  x0             [N,C,H,W]  x0 prediction from model_output, in float64 (no clipping):
                            epsilon: (x_t - sqrt(1-abar) o) / sqrt(abar); v_prediction:
                            sqrt(abar) x_t - sqrt(1-abar) o; sample: o
"""
import argparse
import json
import math
import os
import shutil

import numpy as np
import torch
from diffusers import DDPMPipeline, DDPMScheduler, UNet2DModel
from safetensors.torch import save_file

DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}

CASES = [
    dict(
        name="eps-linear-bare", seed=1, layout="bare", dtype="fp32", image=8, levels="all",
        unet=dict(
            sample_size=8, in_channels=1, out_channels=1,
            down_block_types=("DownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "UpBlock2D"),
            block_out_channels=(8, 16), layers_per_block=1, norm_num_groups=4, attention_head_dim=4,
            time_embedding_type="positional", flip_sin_to_cos=True, freq_shift=0,
        ),
        scheduler=dict(num_train_timesteps=20, beta_schedule="linear", beta_start=0.001, beta_end=0.2,
                       prediction_type="epsilon"),
    ),
    dict(
        name="v-cosine-class-pipeline", seed=2, layout="pipeline", dtype="fp16", image=8, levels="all",
        unet=dict(
            sample_size=8, in_channels=3, out_channels=3,
            down_block_types=("AttnDownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "AttnUpBlock2D"),
            block_out_channels=(8, 16), layers_per_block=1, norm_num_groups=4, attention_head_dim=4,
            resnet_time_scale_shift="scale_shift", num_class_embeds=3,
        ),
        scheduler=dict(num_train_timesteps=16, beta_schedule="squaredcos_cap_v2", prediction_type="v_prediction"),
    ),
    dict(
        # Levels 1..T-1 only: GaussianFourierProjection takes log(timestep) (log 0 = -inf) and
        # UNet2DModel divides its output by the timestep.
        name="sample-scaled-fourier-bf16", seed=3, layout="bare", dtype="bf16", image=16, levels="from1",
        unet=dict(
            sample_size=16, in_channels=1, out_channels=1,
            down_block_types=("DownBlock2D", "AttnDownBlock2D", "DownBlock2D"),
            up_block_types=("UpBlock2D", "AttnUpBlock2D", "UpBlock2D"),
            block_out_channels=(8, 16, 16), layers_per_block=1, norm_num_groups=4, attention_head_dim=8,
            time_embedding_type="fourier", flip_sin_to_cos=True, mid_block_type=None,  # True: UNet2DModel never passes it to the Fourier projection
        ),
        scheduler=dict(num_train_timesteps=12, beta_schedule="scaled_linear", beta_start=0.001, beta_end=0.3,
                       prediction_type="sample"),
    ),
    dict(
        name="eps-linear-noattn-headnone", seed=4, layout="bare", dtype="fp32", image=8, levels="all",
        unet=dict(
            sample_size=8, in_channels=3, out_channels=3,
            down_block_types=("DownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "UpBlock2D"),
            block_out_channels=(8, 16), layers_per_block=2, norm_num_groups=4, attention_head_dim=None,
            add_attention=False, downsample_padding=1, norm_eps=1e-6, act_fn="silu",
        ),
        scheduler=dict(num_train_timesteps=10, beta_schedule="linear", beta_start=0.01, beta_end=0.3,
                       prediction_type="epsilon"),
    ),
    dict(
        # google/ddpm-cifar10-32's flags in small: downsample_padding 0 (asymmetric F.pad (0,1,0,1)
        # before a padding-0 stride-2 conv), flip_sin_to_cos False, freq_shift 1, norm_eps 1e-6,
        # attention_head_dim None (one head of the full width), mid-block attention with group norm.
        name="eps-ddpm-style-pad0", seed=5, layout="bare", dtype="fp32", image=8, levels="all",
        unet=dict(
            sample_size=8, in_channels=3, out_channels=3,
            down_block_types=("DownBlock2D", "AttnDownBlock2D"), up_block_types=("AttnUpBlock2D", "UpBlock2D"),
            block_out_channels=(8, 16), layers_per_block=2, norm_num_groups=4, attention_head_dim=None,
            downsample_padding=0, flip_sin_to_cos=False, freq_shift=1, norm_eps=1e-6,
        ),
        scheduler=dict(num_train_timesteps=20, beta_schedule="linear", beta_start=0.001, beta_end=0.2,
                       prediction_type="epsilon"),
    ),
]


@torch.no_grad()
def perturb(model):
    """Moves every state-dict tensor away from its init, reproducibly (global torch RNG)."""
    for name, p in model.named_parameters():
        leaf = name.split(".")[-1]
        if name == "time_proj.weight":  # Gaussian-Fourier frequencies (requires_grad False)
            p.mul_(1 + 0.1 * torch.randn_like(p))
        elif leaf == "bias":
            p.copy_(0.1 * torch.randn_like(p))
        elif p.ndim == 1:  # GroupNorm weights (norm1, norm2, conv_norm_out, group_norm)
            p.copy_(1 + 0.2 * torch.randn_like(p))
        elif name == "class_embedding.weight":
            p.copy_(torch.randn_like(p))
        else:  # conv [O,I,kh,kw] and linear [O,I] weights
            fan_in = p[0].numel()
            p.copy_(torch.randn_like(p) / math.sqrt(fan_in))
    names = {n for n, _ in model.named_parameters()}
    assert names == set(model.state_dict().keys()), "state dict holds non-parameter tensors"


def build(case):
    torch.manual_seed(case["seed"])
    unet = UNet2DModel(**case["unet"])
    perturb(unet)
    scheduler = DDPMScheduler(**case["scheduler"])
    return unet.eval(), scheduler


def x0_prediction(kind, x_t, out, abar):
    a = abar.view(-1, 1, 1, 1)
    if kind == "epsilon":
        return (x_t - torch.sqrt(1 - a) * out) / torch.sqrt(a)
    if kind == "v_prediction":
        return torch.sqrt(a) * x_t - torch.sqrt(1 - a) * out
    if kind == "sample":
        return out
    raise ValueError(kind)


def make_case(case, root):
    unet, scheduler = build(case)
    folder = os.path.join(root, case["name"])
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)

    stored = unet.to(DTYPES[case["dtype"]])
    if case["layout"] == "pipeline":
        DDPMPipeline(unet=stored, scheduler=scheduler).save_pretrained(folder)
    else:
        stored.save_pretrained(folder)
        scheduler.save_config(folder)
    unet = stored.float()  # the exact stored weights, computed in float32

    T = scheduler.config.num_train_timesteps
    levels = list(range(T)) if case["levels"] == "all" else list(range(1, T))
    n, c, s = len(levels), case["unet"]["in_channels"], case["image"]
    abar32 = scheduler.alphas_cumprod.to(torch.float32)
    t = torch.tensor(levels, dtype=torch.int64)
    abar = abar32.double()[t]
    x0 = torch.rand(n, c, s, s, dtype=torch.float64) * 2 - 1
    eps = torch.randn(n, c, s, s, dtype=torch.float64)
    a = abar.view(-1, 1, 1, 1)
    sample = (torch.sqrt(a) * x0 + torch.sqrt(1 - a) * eps).float()

    tensors = {"sample": sample, "timesteps": t.float(), "alphas_cumprod": abar32.clone()}
    labels = None
    if case["unet"].get("num_class_embeds"):
        labels = torch.randint(0, case["unet"]["num_class_embeds"], (n,), dtype=torch.int64)
        tensors["class_labels"] = labels.float()
    with torch.no_grad():
        out = unet(sample, t, class_labels=labels).sample.float()
    assert torch.isfinite(out).all()
    tensors["model_output"] = out
    kind = scheduler.config.prediction_type
    tensors["x0"] = x0_prediction(kind, sample.double(), out.double(), abar).float()
    save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(folder, "reference.safetensors"))
    print(f"{case['name']}: params={sum(p.numel() for p in unet.parameters())} N={n} "
          f"|out| max={out.abs().max():.3f} std={out.std():.3f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "diffusers"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    for case in CASES:
        make_case(case, args.out)


if __name__ == "__main__":
    main()
