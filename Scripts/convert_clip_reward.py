#!/usr/bin/env python3
"""Converts CLIP-based reward models into the folders DIPP reads.

Pins: Tests/Reference/requirements-clip.txt (torch 2.13.0 CPU, transformers 5.25.0, tokenizers
0.23.3, safetensors 0.8.0, numpy 2.4.6); `selfcheck` also needs open-clip-torch 3.3.0. In the
reference venv (/tmp/clipvenv) open-clip-torch is installed without its dependencies, because
pip would otherwise replace the CPU torch with a CUDA build:
    /tmp/clipvenv/bin/pip install --no-deps open-clip-torch==3.3.0 "torchvision==0.28.*" ftfy==6.3.1 wcwidth pillow
(PyPI's torchvision is a CUDA build whose compiled ops do not load next to the CPU torch;
`selfcheck` then skips torchvision's op registrations, which open_clip does not use.)

Subcommands

  aesthetic --head FILE.pth --clip DIR --out OUT [--link]
      FILE.pth: a LAION improved-aesthetic-predictor state dict (torch.save of the MLP), keys
      layers.{0,2,4,6,7}.{weight,bias}, optionally under "state_dict" and/or with a "module." or
      "model." prefix. Shapes must form
          Linear(D,1024) Dropout Linear(1024,128) Dropout Linear(128,64) Dropout Linear(64,16) Linear(16,1)
      (weights [out, in]); in eval mode score = W7(W6(W4(W2(W0 e + b0) + b2) + b4) + b6) + b7, e the
      L2-normalised CLIP image embedding. D must equal DIR's projection_dim (the head for
      ViT-L/14 has D = 768) or the head is refused.
      DIR: a transformers CLIP folder (config.json, model.safetensors; vocab.json, merges.txt,
      preprocessor_config.json, tokenizer.json, tokenizer_config.json, special_tokens_map.json
      when present).
      Writes OUT/head.safetensors (same key names, float32) and copies DIR's files to OUT/clip/
      (symlinks to their absolute paths with --link).

  open-clip --checkpoint FILE.pt --model-name NAME --out OUT [--vision-heads N] [--text-heads N]
            [--hidden-act gelu|quick_gelu] [--dtype float32|float16|bfloat16] [--trust-pickle]
      For open_clip ViT checkpoints such as HPS v2 (HPS_v2_compressed.pt / HPS_v2.1_compressed.pt,
      a ViT-H-14 fine-tune: --model-name ViT-H-14). FILE.pt holds an open_clip CLIP state dict,
      possibly under "state_dict" and with a "module." prefix. It is loaded with
      torch.load(weights_only=True); --trust-pickle loads arbitrary pickles (only for files you trust).
      Key mapping (open_clip -> transformers CLIPModel):
        visual.conv1.weight                     -> vision_model.embeddings.patch_embedding.weight
        visual.class_embedding                  -> vision_model.embeddings.class_embedding
        visual.positional_embedding             -> vision_model.embeddings.position_embedding.weight
        visual.ln_pre.*                         -> vision_model.pre_layrnorm.*   (sic)
        visual.transformer.resblocks.N.X        -> vision_model.encoder.layers.N.Y
        visual.ln_post.*                        -> vision_model.post_layernorm.*
        visual.proj [width, P]                  -> visual_projection.weight = proj^T
        token_embedding.weight                  -> text_model.embeddings.token_embedding.weight
        positional_embedding                    -> text_model.embeddings.position_embedding.weight
        transformer.resblocks.N.X               -> text_model.encoder.layers.N.Y
        ln_final.*                              -> text_model.final_layer_norm.*
        text_projection [width, P]              -> text_projection.weight = text_projection^T
                                                   (an nn.Linear text_projection.weight is copied as is)
        logit_scale                             -> logit_scale (both store log of the scale)
      with, per block, X -> Y:
        ln_1.* -> layer_norm1.*          attn.in_proj_weight [3w, w] -> self_attn.{q,k,v}_proj.weight (rows split in 3)
        ln_2.* -> layer_norm2.*          attn.in_proj_bias [3w]      -> self_attn.{q,k,v}_proj.bias
        mlp.c_fc.* -> mlp.fc1.*          attn.out_proj.*             -> self_attn.out_proj.*
        mlp.c_proj.* -> mlp.fc2.*
      Ignored keys: attn_mask, input_resolution, context_length, vocab_size (buffers / OpenAI JIT
      leftovers). Any other key (layer scale, attention pooler, logit_bias, custom attention
      norms, ...) is an error: transformers' CLIPModel has no place for it.
      Config: widths, layer counts, MLP sizes, patch size, image size (sqrt(positions - 1) x patch),
      context length, vocabulary and projection_dim come from the shapes. Heads and activation come
      from open_clip's model config for NAME when open_clip is installed (vision heads = width /
      head_width, text heads = text_cfg.heads, quick_gelu flag), else from a built-in table of
      the open_clip ViT configs (ViT-B-32, ViT-B-16, ViT-L-14, ViT-L-14-336, ViT-H-14, ViT-g-14,
      ViT-bigG-14 and their -quickgelu variants), else width / 64; --vision-heads, --text-heads and
      --hidden-act override. hidden_act is "gelu" (exact erf) for open_clip-trained models such as
      ViT-H-14 / HPS v2 and "quick_gelu" for OpenAI-trained weights (use a -quickgelu name or
      --hidden-act quick_gelu). layer_norm_eps 1e-5; text bos/eos/pad ids 49406/49407/1, so
      transformers pools the first 49407 (open_clip pools the argmax id, the same position for
      CLIP BPE tokens since 49407 is the largest id).
      Writes OUT/config.json and OUT/model.safetensors. The tokenizer is NOT written: open_clip
      uses OpenAI's CLIP BPE, so copy vocab.json and merges.txt (and preprocessor_config.json,
      OpenAI mean/std, 224 px) from any openai/clip-vit-* folder into OUT.

  selfcheck [--keep DIR]
      Registers two tiny open_clip configs (gelu and quick_gelu, via open_clip.add_model_config),
      creates random models with perturbed weights, saves their state dicts as .pt (one under
      "state_dict" with a "module." prefix), converts them (once through the model config, once
      through the shapes with --vision-heads/--text-heads/--hidden-act), loads the result with
      transformers' CLIPModel (no missing or unexpected keys) and compares get_image_features /
      get_text_features with open_clip's encode_image / encode_text on random images and
      open_clip-tokenised captions; prints the max relative error (max |a - b| / max |a|) and
      fails above 1e-5. Then checks `aesthetic` on a random head against
      Tests/Reference/clip/gelu-p8-s32-eos, including the refusal of a head of the wrong width.
"""
import argparse
import json
import math
import os
import re
import shutil
import sys
import tempfile

import torch
from safetensors.torch import load_file, save_file

HEAD_LAYOUT = [("layers.0", 1024, None), ("layers.2", 128, 1024), ("layers.4", 64, 128), ("layers.6", 16, 64),
               ("layers.7", 1, 16)]
CLIP_FILES = ["config.json", "model.safetensors", "vocab.json", "merges.txt", "preprocessor_config.json",
              "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]
# open_clip model configs: name -> (vision head_width, text heads, quick_gelu)
BUILTIN_HEADS = {
    "ViT-B-32": (64, 8, False), "ViT-B-16": (64, 8, False), "ViT-L-14": (64, 12, False),
    "ViT-L-14-336": (64, 12, False), "ViT-H-14": (80, 16, False), "ViT-g-14": (88, 16, False),
    "ViT-bigG-14": (104, 20, False),
}
BUILTIN_HEADS.update({k + "-quickgelu": (v[0], v[1], True) for k, v in list(BUILTIN_HEADS.items())})
IGNORED_KEYS = {"attn_mask", "input_resolution", "context_length", "vocab_size"}
BOS_ID, EOS_ID = 49406, 49407
DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def fail(msg):
    raise SystemExit(f"error: {msg}")


def load_state_dict(path, trust_pickle=False):
    try:
        obj = torch.load(path, map_location="cpu", weights_only=not trust_pickle)
    except Exception as e:  # noqa: BLE001
        if trust_pickle:
            raise
        fail(f"{path}: torch.load(weights_only=True) failed ({e.__class__.__name__}: {e}); "
             "pass --trust-pickle if you trust the file")
    for key in ("state_dict", "model_state_dict"):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
    if not isinstance(obj, dict):
        fail(f"{path}: expected a state dict, got {type(obj).__name__}")
    sd = {k: v for k, v in obj.items() if isinstance(v, torch.Tensor)}
    for prefix in ("module.", "model."):
        if sd and all(k.startswith(prefix) for k in sd):
            sd = {k[len(prefix):]: v for k, v in sd.items()}
    return sd


# ------------------------------------------------------------------------------------ aesthetic

def check_head(sd, dim=None):
    """Validates the LAION MLP layout; returns its input size."""
    expected = set()
    d_in = None
    for name, out, inp in HEAD_LAYOUT:
        w, b = sd.get(name + ".weight"), sd.get(name + ".bias")
        if w is None or b is None:
            fail(f"aesthetic head lacks {name}.weight/.bias (keys: {sorted(sd)})")
        if inp is None:
            if w.ndim != 2 or w.shape[0] != out:
                fail(f"{name}.weight has shape {list(w.shape)}, expected [{out}, D]")
            d_in = w.shape[1]
        elif list(w.shape) != [out, inp]:
            fail(f"{name}.weight has shape {list(w.shape)}, expected [{out}, {inp}]")
        if list(b.shape) != [out]:
            fail(f"{name}.bias has shape {list(b.shape)}, expected [{out}]")
        expected |= {name + ".weight", name + ".bias"}
    extra = sorted(set(sd) - expected)
    if extra:
        fail(f"aesthetic head has unexpected keys {extra}")
    if dim is not None and d_in != dim:
        fail(f"aesthetic head input size {d_in} differs from the CLIP projection_dim {dim}")
    return d_in


def convert_aesthetic(head, clip_dir, out, link=False):
    with open(os.path.join(clip_dir, "config.json")) as f:
        cfg = json.load(f)
    dim = cfg.get("projection_dim")
    if dim is None:
        fail(f"{clip_dir}/config.json has no projection_dim (not a CLIPModel config?)")
    if not os.path.isfile(os.path.join(clip_dir, "model.safetensors")):
        fail(f"{clip_dir} has no model.safetensors")
    sd = load_state_dict(head)
    check_head(sd, dim)
    os.makedirs(out, exist_ok=True)
    save_file({k: v.detach().to(torch.float32).contiguous() for k, v in sorted(sd.items())},
              os.path.join(out, "head.safetensors"), metadata={"format": "pt"})
    dst = os.path.join(out, "clip")
    os.makedirs(dst, exist_ok=True)
    for name in CLIP_FILES:
        src = os.path.join(clip_dir, name)
        if not os.path.isfile(src):
            if name in ("vocab.json", "merges.txt"):
                print(f"warning: {clip_dir} has no {name} (the text tower cannot be tokenised)", file=sys.stderr)
            continue
        target = os.path.join(dst, name)
        if os.path.lexists(target):
            os.remove(target)
        if link:
            os.symlink(os.path.abspath(src), target)
        else:
            shutil.copyfile(src, target)
    print(f"wrote {out}/head.safetensors (input {dim}) and {dst}/")


# ------------------------------------------------------------------------------------ open_clip

def open_clip_model_config(name):
    try:
        open_clip = import_open_clip()
    except Exception:  # noqa: BLE001  (not installed, or failing to import)
        return None
    return open_clip.get_model_config(name)


UNSUPPORTED_VISION = dict(ls_init_value=None, attentional_pool=False, no_ln_pre=False, pos_embed_type="learnable",
                          final_ln_after_pool=False, pool_type="tok", act_kwargs=None, norm_kwargs=None,
                          qk_norm=False, scaled_cosine_attn=False, scale_heads=False, scale_attn_inner=False,
                          scale_attn=False, scale_fc=False, timm_model_name=None)
UNSUPPORTED_TEXT = dict(ls_init_value=None, embed_cls=False, no_causal_mask=False, final_ln_after_pool=False,
                        pool_type="argmax", proj_bias=False, act_kwargs=None, norm_kwargs=None, qk_norm=False,
                        scaled_cosine_attn=False, scale_heads=False, scale_attn_inner=False, scale_attn=False,
                        scale_fc=False, hf_model_name=None)


def heads_and_act(name, vision_width, text_width, args):
    cfg = open_clip_model_config(name)
    if cfg is not None:
        v, t = cfg["vision_cfg"], cfg["text_cfg"]
        for sub, table, label in ((v, UNSUPPORTED_VISION, "vision_cfg"), (t, UNSUPPORTED_TEXT, "text_cfg")):
            for k, default in table.items():
                if sub.get(k, default) not in (default,):
                    fail(f"open_clip config {name}: {label}.{k} = {sub[k]!r} has no transformers CLIPModel equivalent")
        if v.get("block_type") not in (None, "default"):
            fail(f"open_clip config {name}: custom attention blocks are not supported")
        vh, th, quick = vision_width // v.get("head_width", 64), t.get("heads", 8), bool(cfg.get("quick_gelu"))
        source = "open_clip config"
    elif name in BUILTIN_HEADS:
        hw, th, quick = BUILTIN_HEADS[name]
        vh, source = vision_width // hw, "built-in table"
    else:
        vh, th, quick, source = vision_width // 64, text_width // 64, False, "width / 64"
    if args.vision_heads or args.text_heads or args.hidden_act:
        source += ", overridden on the command line"
    vh = args.vision_heads or vh
    th = args.text_heads or th
    act = args.hidden_act or ("quick_gelu" if quick else "gelu")
    for width, h, label in ((vision_width, vh, "vision"), (text_width, th, "text")):
        if h <= 0 or width % h:
            fail(f"{label} width {width} is not divisible by {h} heads")
    return vh, th, act, source


def map_block(sd, src, dst, out, used):
    """One open_clip ResidualAttentionBlock -> one transformers CLIPEncoderLayer."""
    def take(key):
        used.add(src + key)
        return sd[src + key]
    for a, b in (("ln_1", "layer_norm1"), ("ln_2", "layer_norm2"), ("mlp.c_fc", "mlp.fc1"),
                 ("mlp.c_proj", "mlp.fc2"), ("attn.out_proj", "self_attn.out_proj")):
        out[f"{dst}{b}.weight"] = take(f"{a}.weight")
        out[f"{dst}{b}.bias"] = take(f"{a}.bias")
    w, b = take("attn.in_proj_weight"), take("attn.in_proj_bias")
    for part, wq, bq in zip("qkv", w.chunk(3, dim=0), b.chunk(3, dim=0)):
        out[f"{dst}self_attn.{part}_proj.weight"] = wq
        out[f"{dst}self_attn.{part}_proj.bias"] = bq


def count_blocks(sd, prefix):
    idx = {int(m.group(1)) for k in sd for m in [re.match(re.escape(prefix) + r"(\d+)\.", k)] if m}
    if idx != set(range(len(idx))):
        fail(f"non-contiguous block indices under {prefix}")
    return len(idx)


def map_open_clip(sd):
    """-> (transformers state dict, shape facts)."""
    for k in ("visual.conv1.weight", "visual.class_embedding", "visual.positional_embedding", "visual.proj",
              "token_embedding.weight", "positional_embedding", "text_projection", "logit_scale"):
        if k not in sd and not (k == "text_projection" and "text_projection.weight" in sd):
            fail(f"checkpoint lacks {k}: not an open_clip ViT CLIP state dict")
    out, used = {}, set()

    def take(key):
        used.add(key)
        return sd[key]

    vl = count_blocks(sd, "visual.transformer.resblocks.")
    tl = count_blocks(sd, "transformer.resblocks.")
    conv = take("visual.conv1.weight")
    vpos = take("visual.positional_embedding")
    out["vision_model.embeddings.patch_embedding.weight"] = conv
    out["vision_model.embeddings.class_embedding"] = take("visual.class_embedding")
    out["vision_model.embeddings.position_embedding.weight"] = vpos
    for a in ("weight", "bias"):
        out[f"vision_model.pre_layrnorm.{a}"] = take(f"visual.ln_pre.{a}")
        out[f"vision_model.post_layernorm.{a}"] = take(f"visual.ln_post.{a}")
        out[f"text_model.final_layer_norm.{a}"] = take(f"ln_final.{a}")
    for i in range(vl):
        map_block(sd, f"visual.transformer.resblocks.{i}.", f"vision_model.encoder.layers.{i}.", out, used)
    for i in range(tl):
        map_block(sd, f"transformer.resblocks.{i}.", f"text_model.encoder.layers.{i}.", out, used)
    out["visual_projection.weight"] = take("visual.proj").t()
    tok = take("token_embedding.weight")
    tpos = take("positional_embedding")
    out["text_model.embeddings.token_embedding.weight"] = tok
    out["text_model.embeddings.position_embedding.weight"] = tpos
    if "text_projection.weight" in sd:
        if "text_projection.bias" in sd:
            fail("text_projection has a bias: transformers' CLIPModel has none")
        out["text_projection.weight"] = take("text_projection.weight")
    else:
        out["text_projection.weight"] = take("text_projection").t()
    out["logit_scale"] = take("logit_scale").reshape(())

    leftover = sorted(k for k in set(sd) - used if k.split(".")[-1] not in IGNORED_KEYS)
    if leftover:
        fail(f"unsupported open_clip keys (no transformers CLIPModel equivalent): {leftover[:12]}"
             + (" ..." if len(leftover) > 12 else ""))

    width, patch = conv.shape[0], conv.shape[-1]
    grid = math.isqrt(vpos.shape[0] - 1)
    if grid * grid != vpos.shape[0] - 1 or conv.shape[-2] != patch:
        fail("non-square patch grid or patch")
    proj = out["visual_projection.weight"].shape[0]
    if out["text_projection.weight"].shape[0] != proj:
        fail("image and text projections differ in size")
    facts = dict(
        vision_width=width, vision_layers=vl, patch=patch, image_size=grid * patch,
        vision_mlp=out["vision_model.encoder.layers.0.mlp.fc1.weight"].shape[0] if vl else 4 * width,
        text_width=tok.shape[1], text_layers=tl, vocab=tok.shape[0], context=tpos.shape[0],
        text_mlp=out["text_model.encoder.layers.0.mlp.fc1.weight"].shape[0] if tl else 4 * tok.shape[1],
        projection_dim=proj, logit_scale=float(out["logit_scale"]),
    )
    return out, facts


def clip_config_dict(f, vh, th, act, dtype):
    text = dict(vocab_size=f["vocab"], hidden_size=f["text_width"], intermediate_size=f["text_mlp"],
                num_hidden_layers=f["text_layers"], num_attention_heads=th, max_position_embeddings=f["context"],
                hidden_act=act, layer_norm_eps=1e-5, bos_token_id=BOS_ID, eos_token_id=EOS_ID, pad_token_id=1,
                projection_dim=f["projection_dim"])
    vision = dict(hidden_size=f["vision_width"], intermediate_size=f["vision_mlp"],
                  num_hidden_layers=f["vision_layers"], num_attention_heads=vh, image_size=f["image_size"],
                  patch_size=f["patch"], num_channels=3, hidden_act=act, layer_norm_eps=1e-5,
                  projection_dim=f["projection_dim"])
    return dict(architectures=["CLIPModel"], model_type="clip", projection_dim=f["projection_dim"],
                logit_scale_init_value=f["logit_scale"], text_config=text, vision_config=vision, dtype=dtype)


def write_config(out, cfg):
    try:
        from transformers import CLIPConfig
    except ImportError:
        CLIPConfig = None
    if CLIPConfig is not None:
        c = {k: v for k, v in cfg.items() if k not in ("architectures", "model_type", "dtype")}
        conf = CLIPConfig(**c)
        conf.architectures = ["CLIPModel"]
        conf.dtype = cfg["dtype"]
        conf.save_pretrained(out)
    else:
        with open(os.path.join(out, "config.json"), "w") as fh:
            json.dump(cfg, fh, indent=2, sort_keys=True)
            fh.write("\n")


def convert_open_clip(checkpoint, name, out, args):
    sd = load_state_dict(checkpoint, getattr(args, "trust_pickle", False))
    hf, facts = map_open_clip(sd)
    vh, th, act, source = heads_and_act(name, facts["vision_width"], facts["text_width"], args)
    if facts["vocab"] <= EOS_ID:
        fail(f"vocabulary of {facts['vocab']} ids lacks the CLIP end id {EOS_ID}")
    dtype = getattr(args, "dtype", None) or "float32"
    os.makedirs(out, exist_ok=True)
    write_config(out, clip_config_dict(facts, vh, th, act, dtype))
    tensors = {k: v.detach().to(DTYPES[dtype]).contiguous().clone() for k, v in hf.items()}
    save_file(tensors, os.path.join(out, "model.safetensors"), metadata={"format": "pt"})
    print(f"wrote {out}: vision {facts['vision_layers']}x{facts['vision_width']} ({vh} heads, patch "
          f"{facts['patch']}, {facts['image_size']} px), text {facts['text_layers']}x{facts['text_width']} "
          f"({th} heads), projection {facts['projection_dim']}, {act}, heads from {source}; "
          "copy vocab.json/merges.txt from an openai/clip-vit-* folder")
    return facts


# ------------------------------------------------------------------------------------ selfcheck

TINY = {
    "dipp-tiny-gelu": {
        "embed_dim": 24,
        "vision_cfg": {"image_size": 32, "layers": 2, "width": 48, "head_width": 16, "patch_size": 8},
        "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 32, "heads": 4, "layers": 2},
    },
    "dipp-tiny-quickgelu": {
        "embed_dim": 16, "quick_gelu": True,
        "vision_cfg": {"image_size": 28, "layers": 1, "width": 32, "head_width": 8, "patch_size": 7, "mlp_ratio": 2},
        "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 24, "heads": 3, "layers": 2, "mlp_ratio": 3},
    },
}
CAPTIONS = ["a photo of a cat", "a handwritten seven", "", "It's a café!!! 😀",
            "a very long caption " + "with many words " * 40]


def import_open_clip():
    try:
        import open_clip
        return open_clip
    except RuntimeError as e:
        if "torchvision::" not in str(e):
            raise
    # PyPI's torchvision is a CUDA build: its ops do not load next to the CPU torch, and registering
    # their fake kernels fails. open_clip only needs torchvision's pure-Python transforms.
    import types
    for k in [k for k in sys.modules if k == "torchvision" or k.startswith(("torchvision.", "open_clip"))]:
        del sys.modules[k]
    sys.modules["torchvision._meta_registrations"] = types.ModuleType("torchvision._meta_registrations")
    import open_clip
    return open_clip


@torch.no_grad()
def perturb(model, logit_scale):
    for name, p in model.named_parameters():
        if name == "logit_scale":
            p.fill_(logit_scale)
        elif name.endswith("bias"):
            p.copy_(0.1 * torch.randn_like(p))
        elif name.endswith(("class_embedding", "positional_embedding", "token_embedding.weight")):
            p.copy_(0.5 * torch.randn_like(p))
        elif p.ndim == 1:
            p.copy_(1 + 0.2 * torch.randn_like(p))
        elif name.endswith(("proj", "text_projection")):  # [in, out] parameters used as x @ W
            p.copy_(torch.randn_like(p) / math.sqrt(p.shape[0]))
        else:
            p.copy_(torch.randn_like(p) / math.sqrt(p[0].numel()))


def rel_err(a, b):
    return float((a - b).abs().max() / a.abs().max())


@torch.no_grad()
def selfcheck(args):
    torch.set_num_threads(1)
    open_clip = import_open_clip()
    from transformers import CLIPModel
    tmp = args.keep or tempfile.mkdtemp(prefix="clipcheck-")
    os.makedirs(os.path.join(tmp, "configs"), exist_ok=True)
    for name, cfg in TINY.items():
        with open(os.path.join(tmp, "configs", name + ".json"), "w") as f:
            json.dump(cfg, f)
    open_clip.add_model_config(os.path.join(tmp, "configs"))
    worst = 0.0
    for n, name in enumerate(TINY):
        torch.manual_seed(100 + n)
        model = open_clip.create_model(name, pretrained=None)
        perturb(model, 2.0 + n)
        model.eval()
        sd = model.state_dict()
        ckpt = os.path.join(tmp, name + ".pt")
        torch.save({"state_dict": {"module." + k: v for k, v in sd.items()}, "epoch": 3} if n == 0 else sd, ckpt)
        size = TINY[name]["vision_cfg"]["image_size"]
        images = torch.randn(3, 3, size, size)
        tokens = open_clip.get_tokenizer(name)(CAPTIONS)
        eos_pos = tokens.argmax(dim=-1)
        mask = (torch.arange(tokens.shape[1])[None] <= eos_pos[:, None]).long()
        ref_img = model.encode_image(images)
        ref_txt = model.encode_text(tokens)
        v = TINY[name]["vision_cfg"]
        routes = [("config", argparse.Namespace(vision_heads=None, text_heads=None, hidden_act=None), name),
                  ("shapes", argparse.Namespace(vision_heads=v["width"] // v["head_width"],
                                                text_heads=TINY[name]["text_cfg"]["heads"],
                                                hidden_act="quick_gelu" if TINY[name].get("quick_gelu") else "gelu"),
                   "not-a-known-model")]
        for route, ns, model_name in routes:
            out = os.path.join(tmp, f"{name}-{route}")
            convert_open_clip(ckpt, model_name, out, ns)
            hf, info = CLIPModel.from_pretrained(out, dtype=torch.float32, output_loading_info=True)
            bad = {k: v for k, v in info.items() if v}
            assert not bad, bad
            hf.eval()
            img = hf.get_image_features(pixel_values=images).pooler_output
            txt = hf.get_text_features(input_ids=tokens, attention_mask=mask).pooler_output
            txt_nomask = hf.get_text_features(input_ids=tokens).pooler_output
            e = dict(image=rel_err(ref_img, img), text=rel_err(ref_txt, txt), text_nomask=rel_err(ref_txt, txt_nomask),
                     logit_scale=abs(float(hf.logit_scale) - float(model.logit_scale)))
            print(f"selfcheck {name} via {route}: max relative error " + ", ".join(f"{k} {v:.1e}" for k, v in e.items())
                  + f" (|image| max {float(ref_img.abs().max()):.2f}, |text| max {float(ref_txt.abs().max()):.2f})")
            worst = max(worst, *e.values())
    assert worst < 1e-5, worst

    # aesthetic: random head with a "module." prefix against the clip fixture (projection_dim 40)
    here = os.path.dirname(os.path.abspath(__file__))
    clip_dir = os.path.join(here, "..", "Tests", "Reference", "clip", "gelu-p8-s32-eos")
    torch.manual_seed(7)
    dims = [(40, 1024), (1024, 128), (128, 64), (64, 16), (16, 1)]
    head = {}
    for (i, o), idx in zip(dims, (0, 2, 4, 6, 7)):
        head[f"module.layers.{idx}.weight"] = torch.randn(o, i) / math.sqrt(i)
        head[f"module.layers.{idx}.bias"] = 0.1 * torch.randn(o)
    torch.save(head, os.path.join(tmp, "head.pth"))
    out = os.path.join(tmp, "aesthetic")
    convert_aesthetic(os.path.join(tmp, "head.pth"), clip_dir, out, link=True)
    got = load_file(os.path.join(out, "head.safetensors"))
    assert sorted(got) == sorted(k[len("module."):] for k in head)
    assert all(torch.equal(got[k[len("module."):]], v) for k, v in head.items())
    assert os.path.islink(os.path.join(out, "clip", "model.safetensors"))
    wrong = {k: v for k, v in head.items()}
    wrong["module.layers.0.weight"] = torch.randn(1024, 768)
    torch.save(wrong, os.path.join(tmp, "wrong.pth"))
    try:
        convert_aesthetic(os.path.join(tmp, "wrong.pth"), clip_dir, os.path.join(tmp, "wrong"))
        raise AssertionError("a 768-wide head was accepted for projection_dim 40")
    except SystemExit as e:
        print(f"selfcheck aesthetic: refused as expected ({e})")
    if not args.keep:
        shutil.rmtree(tmp)
    print(f"selfcheck passed: worst max relative error {worst:.2e}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("aesthetic", help="LAION improved-aesthetic-predictor head + transformers CLIP folder")
    a.add_argument("--head", required=True)
    a.add_argument("--clip", required=True)
    a.add_argument("--out", required=True)
    a.add_argument("--link", action="store_true", help="symlink the CLIP files instead of copying")
    o = sub.add_parser("open-clip", help="open_clip ViT checkpoint (e.g. HPS v2) -> transformers CLIPModel folder")
    o.add_argument("--checkpoint", required=True)
    o.add_argument("--model-name", required=True)
    o.add_argument("--out", required=True)
    o.add_argument("--vision-heads", type=int)
    o.add_argument("--text-heads", type=int)
    o.add_argument("--hidden-act", choices=["gelu", "quick_gelu"])
    o.add_argument("--dtype", choices=sorted(DTYPES), default="float32")
    o.add_argument("--trust-pickle", action="store_true")
    s = sub.add_parser("selfcheck", help="tiny open_clip models through the converter vs transformers")
    s.add_argument("--keep", help="keep the work files in this folder")
    args = ap.parse_args()
    if args.cmd == "aesthetic":
        convert_aesthetic(args.head, args.clip, args.out, args.link)
    elif args.cmd == "open-clip":
        convert_open_clip(args.checkpoint, args.model_name, args.out, args)
    else:
        selfcheck(args)


if __name__ == "__main__":
    main()
