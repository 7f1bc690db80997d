"""PyTorch eager CPU reference benchmark for DIPP workload W1.

Measures, in float32 eager mode on CPU:
  * di-step:  steps/s of one Diff-Instruct++ step (one TA / "fake score" update
              followed by one generator update), batch N = 1024, 2-D data,
              8 classes, CFG scale 4.5 on the teacher.
  * pretrain: steps/s of one EDM teacher pre-training step on the same network
              (8 Gaussians on a circle of radius 4, std 0.3, 10% label drop).

Network F: concat[x_in (2), noise features (32), class embedding (16)] = 50
  -> Linear(50,256) -> SiLU -> Linear(256,256) -> SiLU -> Linear(256,256)
  -> SiLU -> Linear(256,2), wrapped in EDM preconditioning (sigma_data = 2.84).

Pinned torch version: 2.13.0+cpu. Install with
    python3 -m pip install /opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl

Usage:
    python3 bench_di_step_torch.py --threads 1
    python3 bench_di_step_torch.py --threads 2 [--steps 200] [--verbose]
"""
import argparse
import copy
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

N = 1024            # batch size
NUM_CLASSES = 8
NULL_CLASS = 8      # embedding row 8 = unconditional
SIGMA_DATA = 2.84
CFG_SCALE = 4.5
GEN_SIGMA = 2.5
P_MEAN, P_STD = -1.2, 1.2
SIGMA_MIN, SIGMA_MAX = 0.002, 80.0


class Denoiser(nn.Module):
    """EDM-preconditioned MLP denoiser D(x; sigma, c)."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(NUM_CLASSES + 1, 16)
        self.net = nn.Sequential(
            nn.Linear(50, 256), nn.SiLU(),
            nn.Linear(256, 256), nn.SiLU(),
            nn.Linear(256, 256), nn.SiLU(),
            nn.Linear(256, 2),
        )
        self.register_buffer("freqs", (1.0 / 100.0) ** (torch.arange(16, dtype=torch.float32) / 16))

    def forward(self, x, sigma, c):
        s2 = sigma.square() + SIGMA_DATA ** 2
        c_skip = (SIGMA_DATA ** 2 / s2)[:, None]
        c_out = (sigma * SIGMA_DATA / s2.sqrt())[:, None]
        c_in = s2.rsqrt()[:, None]
        c_noise = sigma.log() / 4
        ang = c_noise[:, None] * self.freqs[None, :]
        h = torch.cat([c_in * x, ang.cos(), ang.sin(), self.embed(c)], dim=1)
        return c_skip * x + c_out * self.net(h)


def sample_sigma(n):
    return (torch.randn(n) * P_STD + P_MEAN).exp().clamp(SIGMA_MIN, SIGMA_MAX)


def edm_weight(sigma):
    return ((sigma.square() + SIGMA_DATA ** 2) / (sigma * SIGMA_DATA).square())[:, None]


def generate(gen, z, c):
    return gen(GEN_SIGMA * z, torch.full((z.shape[0],), GEN_SIGMA), c)


def guided_teacher(teacher, x, sigma, c):
    """CFG: one teacher forward on the 2N batch [c; null], then split."""
    out = teacher(torch.cat([x, x]), torch.cat([sigma, sigma]),
                  torch.cat([c, torch.full_like(c, NULL_CLASS)]))
    d_cond, d_uncond = out.chunk(2)
    return d_uncond + CFG_SCALE * (d_cond - d_uncond)


def make_di_step(teacher, ta, gen):
    opt_ta = torch.optim.Adam(ta.parameters(), lr=1e-4, betas=(0.0, 0.999), eps=1e-8)
    opt_g = torch.optim.Adam(gen.parameters(), lr=1e-5, betas=(0.0, 0.999), eps=1e-8)

    def step():
        # --- TA ("fake score") update on detached generator samples.
        c = torch.randint(0, NUM_CLASSES, (N,))
        with torch.no_grad():
            x0 = generate(gen, torch.randn(N, 2), c)
        sigma = sample_sigma(N)
        x = x0 + sigma[:, None] * torch.randn(N, 2)
        loss_ta = (edm_weight(sigma) * (ta(x, sigma, c) - x0).square()).sum() / N
        opt_ta.zero_grad(set_to_none=True)
        loss_ta.backward()
        opt_ta.step()

        # --- Generator update: gradient flows into x through x0 only.
        c = torch.randint(0, NUM_CLASSES, (N,))
        x0 = generate(gen, torch.randn(N, 2), c)
        sigma = sample_sigma(N)
        x = x0 + sigma[:, None] * torch.randn(N, 2)
        with torch.no_grad():
            y = ta(x, sigma, c) - guided_teacher(teacher, x, sigma, c)
        loss_g = (y * x).sum() / N
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()

    return step


def make_pretrain_step(net):
    opt = torch.optim.Adam(net.parameters(), lr=2e-3, betas=(0.9, 0.999), eps=1e-8)
    angles = 2 * math.pi * torch.arange(NUM_CLASSES, dtype=torch.float32) / NUM_CLASSES
    centers = 4.0 * torch.stack([angles.cos(), angles.sin()], dim=1)

    def step():
        labels = torch.randint(0, NUM_CLASSES, (N,))
        x0 = centers[labels] + 0.3 * torch.randn(N, 2)
        c = torch.where(torch.rand(N) < 0.1, torch.full_like(labels, NULL_CLASS), labels)
        sigma = sample_sigma(N)
        x = x0 + sigma[:, None] * torch.randn(N, 2)
        loss = (edm_weight(sigma) * (net(x, sigma, c) - x0).square()).sum() / N
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step


def bench(step, warmup, min_steps, min_seconds):
    for _ in range(warmup):
        step()
    n, t0 = 0, time.perf_counter()
    while True:
        step()
        n += 1
        elapsed = time.perf_counter() - t0
        if n >= min_steps and elapsed >= min_seconds:
            return n, elapsed


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads value")
    p.add_argument("--steps", type=int, default=200, help="minimum timed steps per mode")
    p.add_argument("--min-seconds", type=float, default=5.0, help="minimum timed seconds per mode")
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args()

    torch.set_num_interop_threads(1)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    version = torch.__version__.split("+")[0]
    if args.verbose:
        print("\n".join(torch.__config__.show().splitlines()[:9]))
        print(f"torch {torch.__version__}, intra-op threads {torch.get_num_threads()}, "
              f"inter-op threads {torch.get_num_interop_threads()}")

    teacher = Denoiser()
    teacher.requires_grad_(False)
    ta, gen = copy.deepcopy(teacher), copy.deepcopy(teacher)
    ta.requires_grad_(True)
    gen.requires_grad_(True)
    modes = [("di-step", make_di_step(teacher, ta, gen)),
             ("pretrain", make_pretrain_step(Denoiser()))]  # fresh trainable teacher

    for name, step in modes:
        n, secs = bench(step, args.warmup, args.steps, args.min_seconds)
        print(f"torch {version} threads={args.threads} {name}: {n / secs:.1f} steps/s "
              f"({n} steps in {secs:.2f} s)", flush=True)


if __name__ == "__main__":
    main()
