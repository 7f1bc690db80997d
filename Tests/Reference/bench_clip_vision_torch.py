#!/usr/bin/env python3
"""PyTorch eager CPU peer of `dipp bench clip-vision`: forward + backward of a ViT-B/32-sized
CLIP vision tower with random weights, as a CLIP reward runs it.

Model: transformers' `CLIPVisionModelWithProjection` with openai/clip-vit-base-patch32's vision
shape (image 224, patch 32, hidden 768, 12 layers, 12 heads, MLP 3072, quick_gelu, layer norm
eps 1e-5, projection 512; 87,849,216 parameters), float32, eval mode, weights frozen
(requires_grad False), attention as transformers picks it by default (`--attention eager`
forces the plain matmul-softmax path).

One step: x ~ N(0, I) [B, 3, 224, 224] with requires_grad; loss = image_embeds.sum();
loss.backward() to x. 1 warm-up step, then --steps timed steps.

Venv: Tests/Reference/requirements-clip.txt (torch 2.13.0 CPU, transformers 5.25.0), without
torchvision (transformers imports it when present, and PyPI's CUDA build fails to load next to the
CPU torch). Both attention paths are worth timing: on 2 Zen 4 cores `--attention eager` was the
faster.
    python3 Tests/Reference/bench_clip_vision_torch.py [--batch-size 8] [--threads 2] [--steps 5]
Prints one line:
    torch-eager clip-vit-b32 batch=8 threads=2 params=... attention=sdpa fwd+bwd s/step: min .. median .. max ..
"""
import argparse
import statistics
import time

import torch
from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--attention", default=None, help="eager or sdpa (default: transformers' choice)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    config = CLIPVisionConfig(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
                              image_size=224, patch_size=32, hidden_act="quick_gelu", projection_dim=512)
    if args.attention:
        config._attn_implementation = args.attention
    model = CLIPVisionModelWithProjection(config).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    params = sum(p.numel() for p in model.parameters())
    x = torch.randn(args.batch_size, 3, 224, 224, requires_grad=True)

    def step():
        x.grad = None
        model(pixel_values=x).image_embeds.sum().backward()

    step()
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    attention = model.config._attn_implementation
    print(f"torch-eager clip-vit-b32 batch={args.batch_size} threads={args.threads} params={params} attention={attention} "
          f"fwd+bwd s/step: min {min(times):.3f} median {statistics.median(times):.3f} max {max(times):.3f}")


if __name__ == "__main__":
    main()
