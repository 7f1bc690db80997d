#!/usr/bin/env python3
"""Reference for the all-MiniLM-L6-v2 sentence encoder: tokens from the real `tokenizers`
package, embeddings from a plain-numpy float32 forward pass over model.safetensors.

Pinned: tokenizers==0.23.3, safetensors==0.7.0, numpy>=1.24 (no torch, no transformers).

  python3 minilm_reference.py --model-dir DIR --sentences FILE [--embed N]

FILE holds one sentence per line (UTF-8, split on "\\n" only, lines kept exactly; a final
empty piece after the last newline is not a sentence). Prints one JSON object:
  {"ids": [[int, ...], ...],            # every sentence: [CLS] pieces[:254] [SEP]
   "embeddings": [[384 floats], ...]}   # the first N sentences (default 50)

Tokenizer: BertWordPieceTokenizer(vocab.txt, lowercase=True) (clean_text, Chinese-char
spacing, NFD accent stripping, lowercase; WordPiece with "##" and [UNK] for words > 100
chars), truncated to 256 ids.

Model (BERT, 6 layers, d=384, 12 heads of 32, FFN 1536), all float32, weights W as [out, in]:
  h0   = LN(word[id] + pos[t] + type[0])
  per layer, with mask m_j = 0 for real keys and float32 min for padded keys:
    q,k,v = h W^T + b (split into heads);  A = softmax(q k^T / sqrt(32) + m) v
    h     = LN(h + A Wo^T + bo)
    h     = LN(h + GELU(h W1^T + b1) W2^T + b2),  GELU(x) = x/2 (1 + erf(x/sqrt 2))
  LN(x) = (x - mean) / sqrt(var + 1e-12) * gamma + beta   (biased variance over 384)
  e = sum_t mask_t h_t / max(sum_t mask_t, 1e-9);  output e / max(|e|_2, 1e-12)
Sentences are run in padded batches so the key mask matters.
"""
import argparse
import json
import math
import sys

import numpy as np
from safetensors.numpy import load_file
from tokenizers import BertWordPieceTokenizer

MAX_LEN, HEADS, EPS, BATCH = 256, 12, 1e-12, 8
_erf = np.frompyfunc(math.erf, 1, 1)  # exact erf (libm, double), applied element-wise


def layer_norm(x, w, prefix):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + np.float32(EPS)) * w[prefix + ".weight"] + w[prefix + ".bias"]


def linear(x, w, prefix):
    return x @ w[prefix + ".weight"].T + w[prefix + ".bias"]


def gelu(x):
    return (0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)).astype(np.float32))).astype(np.float32)


def encode_batch(w, ids, n_layers):
    """ids: list of token-id lists -> [B, 384] L2-normalised mean-pooled embeddings."""
    B, L = len(ids), max(len(s) for s in ids)
    tok = np.zeros((B, L), dtype=np.int64)
    mask = np.zeros((B, L), dtype=np.float32)
    for i, s in enumerate(ids):
        tok[i, :len(s)], mask[i, :len(s)] = s, 1.0
    h = (w["embeddings.word_embeddings.weight"][tok]
         + w["embeddings.position_embeddings.weight"][:L][None]
         + w["embeddings.token_type_embeddings.weight"][0])
    h = layer_norm(h, w, "embeddings.LayerNorm")
    key_bias = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]  # [B,1,1,L]
    D = h.shape[-1] // HEADS
    for n in range(n_layers):
        p = f"encoder.layer.{n}."
        q, k, v = (linear(h, w, p + "attention.self." + name).reshape(B, L, HEADS, D).transpose(0, 2, 1, 3)
                   for name in ("query", "key", "value"))
        s = q @ k.transpose(0, 1, 3, 2) / np.float32(math.sqrt(D)) + key_bias
        s = np.exp(s - s.max(-1, keepdims=True))
        a = ((s / s.sum(-1, keepdims=True)) @ v).transpose(0, 2, 1, 3).reshape(B, L, HEADS * D)
        h = layer_norm(h + linear(a, w, p + "attention.output.dense"), w, p + "attention.output.LayerNorm")
        f = linear(gelu(linear(h, w, p + "intermediate.dense")), w, p + "output.dense")
        h = layer_norm(h + f, w, p + "output.LayerNorm")
    e = (h * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), np.float32(1e-9))
    return e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), np.float32(1e-12))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--sentences", required=True)
    ap.add_argument("--embed", type=int, default=50, help="embed the first N sentences")
    args = ap.parse_args()

    with open(args.sentences, "rb") as f:  # bytes: no universal-newline or splitlines() surprises
        lines = f.read().decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()

    tokenizer = BertWordPieceTokenizer(f"{args.model_dir}/vocab.txt", lowercase=True)
    tokenizer.enable_truncation(MAX_LEN)
    ids = [e.ids for e in tokenizer.encode_batch(lines)]

    w = load_file(f"{args.model_dir}/model.safetensors")  # all float32 except position_ids
    n_layers = 1 + max(int(k.split(".")[2]) for k in w if k.startswith("encoder.layer."))
    todo = ids[:args.embed]
    emb = [encode_batch(w, todo[i:i + BATCH], n_layers) for i in range(0, len(todo), BATCH)]
    emb = np.concatenate(emb).tolist() if emb else []
    json.dump({"ids": ids, "embeddings": emb}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
