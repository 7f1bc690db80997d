#!/usr/bin/env python3
"""PyTorch eager CPU peer of DIPP's diffusers-UNet benchmark: forward + backward of a
CIFAR-10-sized `UNet2DModel` with google/ddpm-cifar10-32's configuration (35,746,307 parameters):
sample_size 32, 3 -> 3 channels, block_out_channels (128, 256, 256, 256), layers_per_block 2,
DownBlock2D / AttnDownBlock2D / DownBlock2D / DownBlock2D, UpBlock2D / UpBlock2D / AttnUpBlock2D /
UpBlock2D, UNetMidBlock2D with attention, norm_num_groups 32, norm_eps 1e-6, attention_head_dim
None (one head of the full width), positional time embedding (flip_sin_to_cos False,
freq_shift 1), downsample_padding 0, dropout 0.

One step: random weights (torch.manual_seed(0)), x ~ N(0, I) [B, 3, 32, 32], integer timesteps
in [0, 1000); loss = mean(unet(x, t).sample ** 2); loss.backward() to every parameter
(gradients zeroed each step). 1 warm-up step, then --steps timed steps, float32.

Venv: see Tests/Reference/requirements-diffusers.txt (torch 2.13.0 CPU, diffusers 0.42.1).
    python3 Tests/Reference/bench_diffusers_unet_torch.py [--batch-size 8] [--threads 2]
        [--steps 3] [--config-json PATH]
--config-json writes the model's config.json (as save_pretrained would) so the Swift side can
build the same shape. Prints one line:
    torch-eager unet2d-cifar10 batch=8 threads=2 params=35746307 fwd+bwd s/step: min .. median .. max ..
"""
import argparse
import statistics
import time

import torch
from diffusers import UNet2DModel

EXPECTED_PARAMETERS = 35_746_307
CIFAR10_CONFIG = dict(
    sample_size=32, in_channels=3, out_channels=3,
    block_out_channels=(128, 256, 256, 256), layers_per_block=2,
    down_block_types=("DownBlock2D", "AttnDownBlock2D", "DownBlock2D", "DownBlock2D"),
    up_block_types=("UpBlock2D", "UpBlock2D", "AttnUpBlock2D", "UpBlock2D"),
    norm_num_groups=32, norm_eps=1e-6, attention_head_dim=None, act_fn="silu",
    time_embedding_type="positional", flip_sin_to_cos=False, freq_shift=1,
    downsample_padding=0, center_input_sample=False, mid_block_scale_factor=1,
)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--config-json", default=None)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    unet = UNet2DModel(**CIFAR10_CONFIG).train()
    params = sum(p.numel() for p in unet.parameters())
    if params != EXPECTED_PARAMETERS:
        print(f"warning: {params} parameters, expected {EXPECTED_PARAMETERS}")
    if args.config_json:
        with open(args.config_json, "w") as f:
            f.write(unet.to_json_string())  # same text as save_pretrained's config.json

    def step():
        x = torch.randn(args.batch_size, 3, 32, 32)
        t = torch.randint(0, 1000, (args.batch_size,))
        unet.zero_grad(set_to_none=True)
        t0 = time.perf_counter()
        loss = unet(x, t).sample.pow(2).mean()
        loss.backward()
        return time.perf_counter() - t0

    step()  # warm-up
    times = [step() for _ in range(args.steps)]
    print(f"torch-eager unet2d-cifar10 batch={args.batch_size} threads={args.threads} params={params} "
          f"fwd+bwd s/step: min {min(times):.3f} median {statistics.median(times):.3f} max {max(times):.3f}",
          flush=True)


if __name__ == "__main__":
    main()
