"""JAX (jit, CPU) reference benchmark for DIPP workload W1 — the peer of
bench_di_step_torch.py, the same workload and network:

  * di-step:  steps/s of one Diff-Instruct++ step (one TA update, then one
              generator update), batch N = 1024, 2-D data, 8 classes, CFG 4.5.
  * pretrain: steps/s of one EDM teacher pre-training step on the same network.

Each update (forward, backward and Adam with beta1 = 0) is one jit-compiled XLA
program, so XLA fuses the element-wise work around the GEMMs; random numbers are
drawn inside the program from a threaded PRNG key.

Threads: XLA's CPU client uses every core it is given; pin it with taskset
(`taskset -c 0 python3 bench_di_step_jax.py` for one thread).

Install (PyPI): python3 -m pip install jax==0.10.2 jaxlib==0.10.2
Usage: python3 bench_di_step_jax.py [--min-seconds 5]
"""
import argparse
import math
import os
import time

import jax
import jax.numpy as jnp

N = 1024
NUM_CLASSES = 8
NULL_CLASS = 8
SIGMA_DATA = 2.84
CFG_SCALE = 4.5
GEN_SIGMA = 2.5
P_MEAN, P_STD = -1.2, 1.2
SIGMA_MIN, SIGMA_MAX = 0.002, 80.0
FREQS = (1.0 / 100.0) ** (jnp.arange(16, dtype=jnp.float32) / 16)


def init_denoiser(key):
    """PyTorch's default initialisation: U(-1/sqrt(in), 1/sqrt(in)); embedding N(0, 1)."""
    sizes = [(50, 256), (256, 256), (256, 256), (256, 2)]
    keys = jax.random.split(key, 2 * len(sizes) + 1)
    params = {"embed": jax.random.normal(keys[0], (NUM_CLASSES + 1, 16))}
    for i, (fan_in, fan_out) in enumerate(sizes):
        bound = 1 / math.sqrt(fan_in)
        params[f"w{i}"] = jax.random.uniform(keys[2 * i + 1], (fan_in, fan_out), minval=-bound, maxval=bound)
        params[f"b{i}"] = jax.random.uniform(keys[2 * i + 2], (fan_out,), minval=-bound, maxval=bound)
    return params


def denoise(p, x, sigma, c):
    """EDM-preconditioned MLP denoiser D(x; sigma, c)."""
    s2 = sigma ** 2 + SIGMA_DATA ** 2
    c_skip = (SIGMA_DATA ** 2 / s2)[:, None]
    c_out = (sigma * SIGMA_DATA / jnp.sqrt(s2))[:, None]
    c_in = jax.lax.rsqrt(s2)[:, None]
    ang = (jnp.log(sigma) / 4)[:, None] * FREQS[None, :]
    h = jnp.concatenate([c_in * x, jnp.cos(ang), jnp.sin(ang), p["embed"][c]], axis=1)
    for i in range(3):
        h = jax.nn.silu(h @ p[f"w{i}"] + p[f"b{i}"])
    return c_skip * x + c_out * (h @ p["w3"] + p["b3"])


def sample_sigma(key, n):
    return jnp.clip(jnp.exp(jax.random.normal(key, (n,)) * P_STD + P_MEAN), SIGMA_MIN, SIGMA_MAX)


def edm_weight(sigma):
    return ((sigma ** 2 + SIGMA_DATA ** 2) / (sigma * SIGMA_DATA) ** 2)[:, None]


def generate(gen, z, c):
    return denoise(gen, GEN_SIGMA * z, jnp.full((z.shape[0],), GEN_SIGMA), c)


def adam(params, grads, v, t, lr, beta2=0.999, eps=1e-8):
    """Adam with beta1 = 0 (m-hat = g), as DI++ uses."""
    v = jax.tree_util.tree_map(lambda v, g: beta2 * v + (1 - beta2) * g * g, v, grads)
    correction = 1 - beta2 ** t
    params = jax.tree_util.tree_map(lambda p, g, v: p - lr * g / (jnp.sqrt(v / correction) + eps), params, grads, v)
    return params, v


@jax.jit
def di_step(state, key):
    teacher, ta, gen, v_ta, v_g, t = state
    k = jax.random.split(key, 8)
    # TA update on detached generator samples.
    c = jax.random.randint(k[0], (N,), 0, NUM_CLASSES)
    x0 = jax.lax.stop_gradient(generate(gen, jax.random.normal(k[1], (N, 2)), c))
    sigma = sample_sigma(k[2], N)
    x = x0 + sigma[:, None] * jax.random.normal(k[3], (N, 2))
    loss_ta = lambda p: jnp.sum(edm_weight(sigma) * (denoise(p, x, sigma, c) - x0) ** 2) / N
    ta, v_ta = adam(ta, jax.grad(loss_ta)(ta), v_ta, t, 1e-4)
    # Generator update: the gradient flows into x through x0 only.
    c = jax.random.randint(k[4], (N,), 0, NUM_CLASSES)
    z = jax.random.normal(k[5], (N, 2))
    sigma = sample_sigma(k[6], N)
    noise = jax.random.normal(k[7], (N, 2))

    def loss_g(p):
        x0 = generate(p, z, c)
        x = x0 + sigma[:, None] * noise
        xs = jax.lax.stop_gradient(x)
        both = denoise(teacher, jnp.concatenate([xs, xs]), jnp.concatenate([sigma, sigma]),
                       jnp.concatenate([c, jnp.full_like(c, NULL_CLASS)]))
        d_cond, d_uncond = both[:N], both[N:]
        y = jax.lax.stop_gradient(denoise(ta, xs, sigma, c) - (d_uncond + CFG_SCALE * (d_cond - d_uncond)))
        return jnp.sum(y * x) / N

    gen, v_g = adam(gen, jax.grad(loss_g)(gen), v_g, t, 1e-5)
    return (teacher, ta, gen, v_ta, v_g, t + 1)


@jax.jit
def pretrain_step(state, key):
    net, v, t = state
    k = jax.random.split(key, 5)
    angles = 2 * math.pi * jnp.arange(NUM_CLASSES, dtype=jnp.float32) / NUM_CLASSES
    centers = 4.0 * jnp.stack([jnp.cos(angles), jnp.sin(angles)], axis=1)
    labels = jax.random.randint(k[0], (N,), 0, NUM_CLASSES)
    x0 = centers[labels] + 0.3 * jax.random.normal(k[1], (N, 2))
    c = jnp.where(jax.random.uniform(k[2], (N,)) < 0.1, NULL_CLASS, labels)
    sigma = sample_sigma(k[3], N)
    x = x0 + sigma[:, None] * jax.random.normal(k[4], (N, 2))
    loss = lambda p: jnp.sum(edm_weight(sigma) * (denoise(p, x, sigma, c) - x0) ** 2) / N
    # Pre-training uses Adam with beta1 = 0.9 (as the PyTorch peer does), so a first moment too.
    grads = jax.grad(loss)(net)
    m, v_ = v
    m = jax.tree_util.tree_map(lambda m, g: 0.9 * m + 0.1 * g, m, grads)
    v_ = jax.tree_util.tree_map(lambda v, g: 0.999 * v + 0.001 * g * g, v_, grads)
    net = jax.tree_util.tree_map(lambda p, m, v: p - 2e-3 * (m / (1 - 0.9 ** t)) / (jnp.sqrt(v / (1 - 0.999 ** t)) + 1e-8),
                                 net, m, v_)
    return (net, (m, v_), t + 1)


def bench(step, state, key, warmup, min_steps, min_seconds):
    for _ in range(warmup):
        key, sub = jax.random.split(key)
        state = step(state, sub)
    jax.block_until_ready(state)
    n, t0 = 0, time.perf_counter()
    while True:
        key, sub = jax.random.split(key)
        state = step(state, sub)
        n += 1
        if n >= min_steps:
            jax.block_until_ready(state)
            elapsed = time.perf_counter() - t0
            if elapsed >= min_seconds:
                return n, elapsed


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--min-seconds", type=float, default=5.0)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    cores = len(os.sched_getaffinity(0))
    key = jax.random.PRNGKey(args.seed)
    teacher = init_denoiser(key)
    zeros = jax.tree_util.tree_map(jnp.zeros_like, teacher)
    di_state = (teacher, teacher, teacher, zeros, zeros, jnp.float32(1))
    pre_state = (init_denoiser(jax.random.PRNGKey(args.seed + 1)), (zeros, zeros), jnp.float32(1))
    for name, step, state in [("di-step", di_step, di_state), ("pretrain", pretrain_step, pre_state)]:
        n, secs = bench(step, state, key, args.warmup, args.steps, args.min_seconds)
        print(f"jax {jax.__version__} cores={cores} {name}: {n / secs:.1f} steps/s ({n} steps in {secs:.2f} s)", flush=True)


if __name__ == "__main__":
    main()
