"""PyTorch eager CPU peer of DIPP's Fashion-MNIST U-Net teacher pre-training step.

Mirrors one step of `dipp pretrain --data fashion-mnist --batch-size 256` (and
`dipp bench unet-step`, which times the same step in Swift): EDM loss on a batch, backward,
Adam, then the EMA update of the weights, in float32 on the CPU.

Network (Sources/DIPPDiffusion/Models/UNetDenoiserNetwork.swift and the DIPPNN layers it uses),
sample shape [1, 28, 28], 10 classes, widths [32, 64, 64], 32 noise features, condition
embedding 16, embedding width 4*32 = 128:
  emb  = SiLU(MLP[48 -> 128 -> SiLU -> 128]([cos(a), sin(a)], E_label[c])),
         a = c_noise * f_i, f_i = (1/100)^(i/16), i = 0..15, c_noise = ln(sigma)/4;
         E_label has 11 rows (row 10 = null label), init N(0, 1)
  h0   = Res(32->32)(conv3(1->32)(x_in))                              28x28
  h1   = Res(32->64)(conv3 stride 2(32->32)(h0))                      14x14
  h2   = Res(64->64)(conv3 stride 2(64->64)(h1))                       7x7
  u1   = Res(128->64)(cat[nearest2x(h2), h1])                         14x14
  u0   = Res(96->32)(cat[nearest2x(u1), h0])                          28x28
  F    = conv3(32->1)(SiLU(GN8(u0)))
  Res(i->o)(x, emb) = conv3(SiLU(GN(h))) + skip(x), h = conv3(SiLU(GN(x))) + Linear(128->o)(emb),
         skip = 1x1 conv when i != o; GN has 8 groups when channels % 8 == 0 (else 1), eps 1e-5,
         per-channel scale/shift; every conv has a bias. 412,945 parameters.
EDM preconditioning (sigma_data = the data's standard deviation), EDM loss
  ln sigma ~ N(-1.2, 1.2^2) clipped to [0.002, 80], 10% of labels dropped to the null row,
  L = sum(lambda(sigma) * (D(x0 + sigma*n) - x0)^2) / N,
Adam(lr 2e-3, betas (0.9, 0.999), eps 1e-8), the global gradient norm (DIPP checks it is
finite), and the EMA with a 50 000-image half-life and 0.05 ramp-up (as TeacherTrainer).

Venv (torch 2.13.0+cpu, pinned like the other references):
    python3 -m venv /tmp/torchenv
    /tmp/torchenv/bin/pip install --no-deps /opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl
    /tmp/torchenv/bin/pip install filelock typing-extensions sympy networkx jinja2 fsspec numpy

Usage:
    /tmp/torchenv/bin/python Tests/Reference/bench_unet_torch.py --threads 2 [--batch-size 256] [--steps 5]
Random images in [-1, 1] by default (the cost does not depend on the values); --fashion-mnist
draws the batches from the installed training images instead. --no-ema leaves out the EMA update.
"""
import argparse
import gzip
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

EXPECTED_PARAMETERS = 412_945
NUM_CLASSES = 10
NULL_ROW = NUM_CLASSES            # E_label's last row is the null condition
WIDTHS = (32, 64, 64)
NOISE_FEATURES = 32
EMBEDDING_DIMENSION = 16
P_MEAN, P_STD = -1.2, 1.2
SIGMA_MIN, SIGMA_MAX = 0.002, 80.0
LABEL_DROPOUT = 0.1
EMA_HALF_LIFE, EMA_RAMP_UP = 50_000.0, 0.05
FASHION_MNIST = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"


def groups(channels):
    return 8 if channels % 8 == 0 else 1


class ResidualBlock(nn.Module):
    def __init__(self, cin, cout, embedding):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups(cin), cin, eps=1e-5)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.embedding_projection = nn.Linear(embedding, cout)
        self.norm2 = nn.GroupNorm(groups(cout), cout, eps=1e-5)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.embedding_projection(emb)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + (self.skip(x) if self.skip is not None else x)


class UNet(nn.Module):
    """F(x_in, c_noise, c), as UNetDenoiserNetwork."""

    def __init__(self, image_channels=1, w=WIDTHS):
        super().__init__()
        embedding = 4 * w[0]
        half = NOISE_FEATURES // 2
        self.register_buffer("freqs", (1.0 / 100.0) ** (torch.arange(half, dtype=torch.float32) / half))
        self.class_embedding = nn.Embedding(NUM_CLASSES + 1, EMBEDDING_DIMENSION)   # N(0, 1) init
        self.embedding_mlp = nn.Sequential(nn.Linear(NOISE_FEATURES + EMBEDDING_DIMENSION, embedding), nn.SiLU(),
                                           nn.Linear(embedding, embedding))
        self.input_conv = nn.Conv2d(image_channels, w[0], 3, padding=1)
        self.down = nn.ModuleList([ResidualBlock(w[0], w[0], embedding), ResidualBlock(w[0], w[1], embedding)])
        self.downsample = nn.ModuleList([nn.Conv2d(w[0], w[0], 3, stride=2, padding=1),
                                         nn.Conv2d(w[1], w[1], 3, stride=2, padding=1)])
        self.middle = ResidualBlock(w[1], w[2], embedding)
        self.up = nn.ModuleList([ResidualBlock(w[2] + w[1], w[1], embedding), ResidualBlock(w[1] + w[0], w[0], embedding)])
        self.output_norm = nn.GroupNorm(min(8, w[0]), w[0], eps=1e-5)
        self.output_conv = nn.Conv2d(w[0], image_channels, 3, padding=1)

    def forward(self, x, c_noise, rows):
        angles = c_noise[:, None] * self.freqs[None, :]
        e = torch.cat([angles.cos(), angles.sin(), self.class_embedding(rows)], dim=1)
        e = F.silu(self.embedding_mlp(e))
        h0 = self.down[0](self.input_conv(x), e)
        h1 = self.down[1](self.downsample[0](h0), e)
        h2 = self.middle(self.downsample[1](h1), e)
        u1 = self.up[0](torch.cat([F.interpolate(h2, scale_factor=2, mode="nearest"), h1], dim=1), e)
        u0 = self.up[1](torch.cat([F.interpolate(u1, scale_factor=2, mode="nearest"), h0], dim=1), e)
        return self.output_conv(F.silu(self.output_norm(u0)))


class EDMDenoiser(nn.Module):
    """D(x; sigma, c) = c_skip x + c_out F(c_in x, ln(sigma)/4, c)."""

    def __init__(self, sigma_data):
        super().__init__()
        self.sigma_data = sigma_data
        self.network = UNet()

    def forward(self, x, sigma, rows):
        sd = self.sigma_data
        s2 = sigma.square() + sd * sd
        c_skip = (sd * sd / s2)[:, None, None, None]
        c_out = (sigma * sd / s2.sqrt())[:, None, None, None]
        c_in = s2.rsqrt()[:, None, None, None]
        return c_skip * x + c_out * self.network(c_in * x, sigma.log() / 4, rows)


def load_fashion_mnist():
    import numpy as np
    with gzip.open(FASHION_MNIST, "rb") as f:
        raw = f.read()
    images = np.frombuffer(raw, dtype=np.uint8, offset=16).astype(np.float32) / 127.5 - 1
    return torch.from_numpy(images.reshape(-1, 1, 28, 28))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads value")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--steps", type=int, default=5, help="timed steps (after 2 warm-up steps)")
    p.add_argument("--fashion-mnist", action="store_true", help=f"draw batches from {FASHION_MNIST}")
    p.add_argument("--no-ema", action="store_true", help="leave out the EMA update")
    args = p.parse_args()
    if args.threads <= 0 or args.batch_size <= 0 or args.steps <= 0:
        p.error("--threads, --batch-size and --steps must be positive")

    torch.set_num_interop_threads(1)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    n = args.batch_size

    if args.fashion_mnist:
        data = load_fashion_mnist()
        x_fixed = None
    else:
        data = None
        x_fixed = torch.rand(n, 1, 28, 28) * 2 - 1
    sigma_data = float((data if data is not None else x_fixed).double().std(unbiased=False))

    model = EDMDenoiser(sigma_data)
    params = [q for q in model.parameters() if q.requires_grad]
    count = sum(q.numel() for q in params)
    if count != EXPECTED_PARAMETERS:
        print(f"warning: {count} parameters, DIPP's U-Net has {EXPECTED_PARAMETERS}", flush=True)
    opt = torch.optim.Adam(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8)
    ema = [q.detach().clone() for q in params]
    state = {"step": 0, "order": torch.empty(0, dtype=torch.long), "cursor": 0}

    def next_batch():
        if data is None:
            return x_fixed, torch.arange(n) % NUM_CLASSES
        idx, have = [], 0
        while have < n:                   # walk a permutation, reshuffle at the end of an epoch
            if state["cursor"] >= len(state["order"]):
                state["order"], state["cursor"] = torch.randperm(len(data)), 0
            take = state["order"][state["cursor"]:state["cursor"] + n - have]
            state["cursor"] += len(take)
            have += len(take)
            idx.append(take)
        idx = torch.cat(idx)
        return data[idx], torch.randint(0, NUM_CLASSES, (n,))   # labels: speed does not depend on them

    def step():
        x0, labels = next_batch()
        sigma = (torch.randn(n) * P_STD + P_MEAN).exp().clamp(SIGMA_MIN, SIGMA_MAX)
        rows = torch.where(torch.rand(n) < LABEL_DROPOUT, torch.full_like(labels, NULL_ROW), labels)
        x = x0 + torch.randn_like(x0) * sigma[:, None, None, None]
        weight = ((sigma.square() + sigma_data ** 2) / (sigma * sigma_data).square())[:, None, None, None]
        loss = ((model(x, sigma, rows) - x0).square() * weight).sum() / n
        if not torch.isfinite(loss):
            raise RuntimeError("the EDM loss is not finite")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.linalg.vector_norm(torch.stack(torch._foreach_norm([q.grad for q in params])))
        if not torch.isfinite(norm):
            raise RuntimeError("the teacher's gradient is not finite")
        opt.step()
        state["step"] += 1
        if not args.no_ema:
            half_life = min(EMA_HALF_LIFE, state["step"] * n * EMA_RAMP_UP)
            beta = 0.5 ** (n / max(half_life, 1e-8))
            with torch.no_grad():
                torch._foreach_lerp_(ema, [q.detach() for q in params], 1 - beta)

    for _ in range(2):
        step()
    t0 = time.perf_counter()
    for _ in range(args.steps):
        step()
    seconds = (time.perf_counter() - t0) / args.steps
    threads = f"{args.threads} thread{'s' if args.threads != 1 else ''}"
    print(f"torch {torch.__version__}, {threads}, batch {n}: {seconds:.3f} s/step ({count} parameters)", flush=True)


if __name__ == "__main__":
    main()
