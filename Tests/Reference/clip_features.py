#!/usr/bin/env python3
"""transformers' reading of a CLIP folder DIPP wrote (`dipp reward train-clip`, `CLIPModel.write`):
token ids, image and text features, for the Swift round-trip test.

    python3 clip_features.py FOLDER INPUT.safetensors OUT.safetensors

INPUT holds `pixels` [N, 3, S, S] (already normalised) and, as `prompts`, a UTF-8 JSON list of
strings in the file's metadata. OUT gets `image_embeds`, `text_embeds` (projected, not
normalised), `input_ids` (padded with the pad id) and `logit_scale`. Pins:
Tests/Reference/requirements-clip.txt (without torchvision).
"""
import json
import sys

import torch
from safetensors import safe_open
from safetensors.torch import save_file
from transformers import CLIPModel, CLIPTokenizer


def features(output):
    return output.pooler_output if hasattr(output, "pooler_output") else output


def main():
    folder, inputs, out = sys.argv[1:4]
    torch.set_num_threads(1)
    with safe_open(inputs, "pt") as f:
        pixels = f.get_tensor("pixels")
        prompts = json.loads(f.metadata()["prompts"])
    model = CLIPModel.from_pretrained(folder).eval()
    tokenizer = CLIPTokenizer.from_pretrained(folder)
    encoded = tokenizer(prompts, padding=True, truncation=True, max_length=77, return_tensors="pt")
    with torch.no_grad():
        image = features(model.get_image_features(pixel_values=pixels))
        text = features(model.get_text_features(**encoded))
    save_file({"image_embeds": image.contiguous(), "text_embeds": text.contiguous(), "input_ids": encoded["input_ids"].contiguous(),
               "attention_mask": encoded["attention_mask"].contiguous(), "logit_scale": model.logit_scale.detach().reshape(1)}, out)


if __name__ == "__main__":
    main()
