#!/usr/bin/env python3
"""PyTorch peer of `dipp bench text-encoder`: all-MiniLM-L6-v2 sentence-encoding throughput
(sentences/s) on the same fixed workload.

Workload (as `BenchTextEncoder.prompts` / `DigitCaptions`): the 210 digit captions, 21 per digit —
for each digit, the training phrasings (plain, thin, bold), then the held-out ones (plain, thin,
bold). One pass = tokenise all 210 (tokenizers.BertWordPieceTokenizer(vocab.txt, lowercase=True),
truncated to 256 ids) + BERT forward in batches of 64 padded to the longest sentence of the batch
(6 layers, hidden 384, 12 heads, FFN 1536, exact-erf GELU, LayerNorm eps 1e-12, key-padding mask)
+ masked mean pooling + L2 normalisation, float32, under torch.inference_mode(). The forward is
plain torch.nn.functional ops (no transformers); weights come from model.safetensors in
`${DIPP_TEXT_ENCODER_DIR:-$HOME/.local/share/dipp/all-MiniLM-L6-v2}` (model.safetensors,
vocab.txt, config.json; installed by `bash Scripts/install-text-encoder`).

Setup (torch 2.13.0+cpu from the local wheel, installed without its dependency resolution):
    python3 -m venv /tmp/torchenv
    /tmp/torchenv/bin/pip install --no-deps /opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl
    /tmp/torchenv/bin/pip install filelock typing-extensions sympy networkx jinja2 fsspec numpy safetensors
    /tmp/torchenv/bin/pip install --no-deps tokenizers==0.23.3

Usage:
    /tmp/torchenv/bin/python bench_text_encoder_torch.py [--threads 2] [--seconds 5]

Two warm-up passes, then passes until >= --seconds and >= 3 passes; prints one line:
    torch <version>, <N> thread(s): <X> sentences/s (<P> passes of 210)
"""
import argparse
import json
import math
import os
import time

import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from tokenizers import BertWordPieceTokenizer

MAX_LEN, BATCH = 256, 64
NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def article(w):
    return "an" if w == "eight" else "a"


def prompts():
    """The 210 captions, in the order of `BenchTextEncoder.prompts`."""
    out = []
    for d in range(10):
        w, a = NUMBER_WORDS[d], article(NUMBER_WORDS[d])
        out += [f"a handwritten {w}", f"the digit {d}", f"number {w}", f"{d}", f"{a} {w}",
                f"the number {d}", f"handwritten digit {d}"]                       # training plain
        out += [f"a thin {d}", f"a thin {w}", f"a thin handwritten {w}"]           # training thin
        out += [f"a bold {d}", f"a bold {w}", f"a bold handwritten {w}"]           # training bold
        out += [f"the numeral {w}", f"{w}, written by hand", f"a drawing of the number {w}",
                f"the figure {d}"]                                                 # held-out plain
        out += [f"{a} {w} in thin strokes", f"a faint {w}"]                        # held-out thin
        out += [f"{a} {w} in thick strokes", f"a heavy {w}"]                       # held-out bold
    return out


class MiniLM:
    def __init__(self, model_dir):
        cfg = json.load(open(os.path.join(model_dir, "config.json")))
        self.hidden = cfg.get("hidden_size", 384)
        self.heads = cfg.get("num_attention_heads", 12)
        self.layers = cfg.get("num_hidden_layers", 6)
        self.eps = cfg.get("layer_norm_eps", 1e-12)
        w = load_file(os.path.join(model_dir, "model.safetensors"))
        self.w = {k: v.float().contiguous() for k, v in w.items() if v.is_floating_point()}
        self.tokenizer = BertWordPieceTokenizer(os.path.join(model_dir, "vocab.txt"), lowercase=True)
        self.tokenizer.enable_truncation(MAX_LEN)

    def _ln(self, x, p):
        return F.layer_norm(x, (self.hidden,), self.w[p + ".weight"], self.w[p + ".bias"], self.eps)

    def _lin(self, x, p):
        return F.linear(x, self.w[p + ".weight"], self.w[p + ".bias"])

    def _forward(self, ids):
        """ids: list of token-id lists -> [B, hidden] L2-normalised mean-pooled embeddings."""
        w, H = self.w, self.heads
        B, L = len(ids), max(len(s) for s in ids)
        D = self.hidden // H
        tok = torch.zeros(B, L, dtype=torch.long)
        mask = torch.zeros(B, L, dtype=torch.bool)
        for i, s in enumerate(ids):
            tok[i, :len(s)] = torch.tensor(s, dtype=torch.long)
            mask[i, :len(s)] = True
        h = (F.embedding(tok, w["embeddings.word_embeddings.weight"])
             + w["embeddings.position_embeddings.weight"][:L]
             + w["embeddings.token_type_embeddings.weight"][0])
        h = self._ln(h, "embeddings.LayerNorm")
        key_mask = mask[:, None, None, :]  # [B,1,1,L]: True = attend
        for n in range(self.layers):
            p = f"encoder.layer.{n}."
            q, k, v = (self._lin(h, p + "attention.self." + s).view(B, L, H, D).transpose(1, 2)
                       for s in ("query", "key", "value"))
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=key_mask)  # scale 1/sqrt(D)
            a = a.transpose(1, 2).reshape(B, L, self.hidden)
            h = self._ln(h + self._lin(a, p + "attention.output.dense"), p + "attention.output.LayerNorm")
            f = self._lin(F.gelu(self._lin(h, p + "intermediate.dense")), p + "output.dense")  # exact erf
            h = self._ln(h + f, p + "output.LayerNorm")
        m = mask.unsqueeze(-1).to(h.dtype)
        e = (h * m).sum(1) / m.sum(1).clamp_min(1e-9)
        return F.normalize(e, p=2.0, dim=1, eps=1e-12)

    def embed(self, sentences):
        ids = [e.ids for e in self.tokenizer.encode_batch(sentences)]
        return torch.cat([self._forward(ids[i:i + BATCH]) for i in range(0, len(ids), BATCH)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    ap.add_argument("--seconds", type=float, default=5.0, help="timed seconds after 2 warm-up passes (default 5)")
    ap.add_argument("--model-dir", default=os.environ.get("DIPP_TEXT_ENCODER_DIR")
                    or os.path.expanduser("~/.local/share/dipp/all-MiniLM-L6-v2"))
    args = ap.parse_args()
    if args.threads < 1:
        ap.error("--threads must be >= 1")
    torch.set_num_threads(args.threads)

    encoder = MiniLM(args.model_dir)
    sentences = prompts()
    assert len(sentences) == 210, len(sentences)

    with torch.inference_mode():
        # Correctness: the first three captions embed to unit vectors.
        norms = encoder.embed(sentences[:3]).norm(dim=1)
        if not bool(((norms - 1).abs() <= 1e-4).all()) or not bool(torch.isfinite(norms).all()):
            raise SystemExit(f"embedding norms not 1: {norms.tolist()}")

        for _ in range(2):
            encoder.embed(sentences)
        passes, start = 0, time.perf_counter()
        while passes < 3 or time.perf_counter() - start < args.seconds:
            encoder.embed(sentences)
            passes += 1
        elapsed = time.perf_counter() - start

    print(f"torch {torch.__version__}, {args.threads} thread(s): "
          f"{passes * len(sentences) / elapsed:.1f} sentences/s ({passes} passes of {len(sentences)})")


if __name__ == "__main__":
    main()
