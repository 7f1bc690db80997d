#!/usr/bin/env python3
"""Fixtures for DIPP's CLIP reader (tokenizer, text and vision towers, differentiable
preprocessing, LAION-style aesthetic head): a BPE vocabulary trained here with `tokenizers` in
OpenAI's CLIP layout, tokenizer cases from transformers' `CLIPTokenizer`, and tiny random
`CLIPModel`s with their forward passes.

Pinned (Tests/Reference/requirements-clip.txt): torch 2.13.0 CPU build, transformers 5.25.0,
tokenizers 0.23.3, safetensors 0.8.0, numpy 2.4.6. Own venv:
    python3 -m venv /tmp/clipvenv
    /tmp/clipvenv/bin/pip install /opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl
      # or: /tmp/clipvenv/bin/pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
    /tmp/clipvenv/bin/pip install -r Tests/Reference/requirements-clip.txt

Usage (rewrites Tests/Reference/clip/ except README.md; byte-reproducible: seeded, one thread):
    /tmp/clipvenv/bin/python Tests/Reference/clip_reference.py [--out Tests/Reference/clip]

Nothing is downloaded: the vocabulary is trained on a corpus built below and every model is random.

1. Vocabulary (tokenizer/vocab.json, tokenizer/merges.txt). `tokenizers.trainers.BpeTrainer` on the
   corpus (text_sentences.txt + digit captions + the English sentences below), with CLIP's
   normalizer Sequence[NFC, Replace(Regex(r"\\s+"), " "), Lowercase] and pre-tokenizer
   Sequence[Split(Regex(r"'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+"),
   behavior="removed", invert=True), ByteLevel(add_prefix_space=False)], end_of_word_suffix
   "</w>", the 256 byte-level characters as initial alphabet. (The 256 "c</w>" strings are passed
   as the trainer's special tokens only to give them fixed ids: with their ids assigned in hash-map
   order the trainer's tie-breaks, and so its merges, change from run to run.) The first
   N_MERGES merges are kept. vocab.json is laid out as OpenAI's CLIP vocabulary:
     ids 0..255    the byte-level characters in bytes_to_unicode() order (the printable bytes
                   33..126, 161..172, 174..255 map to themselves and come first; the other 68
                   bytes map to U+0100.. in byte order and follow)
     ids 256..511  the same characters + "</w>"
     ids 512..     one entry per merge, in merge order: the concatenation "a" + "b"
     last two      "<|startoftext|>", "<|endoftext|>"
   so every byte sequence tokenises without an unknown token. merges.txt = "#version: 0.2" then
   one "a b" line per merge.

2. tokenizer_cases.json: [{"text", "ids"}] with ids = CLIPTokenizer(text, truncation=True,
   max_length=77)["input_ids"] (start and end ids included), for the targeted TOKENIZER_TEXTS and
   every line of text_sentences.txt.

3. Tiny CLIPModels (CASES): torch.manual_seed(seed); CLIPModel(CLIPConfig(...)); every parameter
   perturbed (LayerNorm weights 1 + 0.2 randn, biases 0.1 randn, linear/conv weights
   randn / sqrt(fan_in), token/position/class embeddings 0.5 randn, logit_scale := case value);
   save_pretrained; reloaded (float32, eager attention) for the outputs:
     image_embeds = visual_projection(post_layernorm(vision last_hidden[:, 0]))   (no normalising)
     text_embeds  = text_projection(final_layer_norm(text hidden)[b, pool_b])
       pool_b = argmax_t ids[b, t]                  if text eos_token_id == 2 (legacy rule)
              = first t with ids[b, t] == eos_token_id   otherwise (0 if there is none)
     *_normalized = x / ||x||_2 ;  logits_per_image = exp(logit_scale) img_n @ txt_n^T
   Differentiable preprocessing (what DIPP implements, not CLIPImageProcessor):
     pixels = (F.interpolate(u, (S, S), mode="bilinear", align_corners=False, antialias=True)
               - mean[c]) / std[c],   u = (x + 1) / 2, a 1-channel x repeated to 3 channels
   checked here against a float64 numpy transcription of the antialiased resize:
     per axis, scale = in/out, support = max(scale, 1), center_i = scale (i + 0.5),
     j from max(trunc(center_i - support + 0.5), 0) to min(trunc(center_i + support + 0.5), in) - 1,
     w_ij = max(0, 1 - |(j + 0.5 - center_i) / max(scale, 1)|), normalised to sum 1 over j.
   Aesthetic head (gelu-p8-s32-eos only): LAION improved-aesthetic-predictor layout
     Linear(P,1024) Dropout(0.2) Linear(1024,128) Dropout(0.2) Linear(128,64) Dropout(0.1)
     Linear(64,16) Linear(16,1)   (eval: no activations, dropout is identity)
     score = head(image_embeds / ||image_embeds||_2)
"""
import argparse
import json
import math
import os
import shutil

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from tokenizers import Regex, Tokenizer, normalizers, pre_tokenizers, trainers
from tokenizers.models import BPE
from transformers import CLIPConfig, CLIPModel, CLIPTokenizer
from transformers.utils import logging as hf_logging

HERE = os.path.dirname(os.path.abspath(__file__))
BOS, EOS = "<|startoftext|>", "<|endoftext|>"
N_MERGES = 510  # vocabulary = 256 + 256 + 510 + 2 = 1024 entries
MAX_LEN = 77
OPENAI_MEAN = [0.48145466, 0.4578275, 0.40821073]
OPENAI_STD = [0.26862954, 0.26130258, 0.27577711]
CLIP_SPLIT = r"""'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""


def bytes_to_unicode():
    """byte -> printable character, in OpenAI's order: printable bytes first, then the rest."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    table = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + extra)
            extra += 1
    return table  # insertion order = printable bytes, then the 68 others


# ----------------------------------------------------------------------------------- corpus

DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
DIGIT_TEMPLATES = [
    "a handwritten {w}", "the digit {d}", "a bold {w} in thick strokes", "a thin {w}",
    "the number {w}", "a sloppy {d}", "a {w} written in pencil", "digit {w}, slightly rotated",
    "a small {w} in the corner", "a neat {d}", "an italic {w}", "a faint {w} on white paper",
    "the numeral {d}", "a blurry handwritten {d}", "a {w} drawn with a marker",
]

ENGLISH = """\
A cat is sitting on a wooden fence in the afternoon sun.
Two children are building a sandcastle on the beach.
An old man walks his dog along a quiet country road.
The red bus stopped in front of the train station.
A bowl of fresh fruit stands on the kitchen table.
She is reading a book under a large oak tree.
A group of friends are laughing around a campfire.
The mountains are covered with snow in winter.
A small boat drifts on a calm lake at dawn.
Heavy rain fell all night and flooded the streets.
The teacher wrote the answer on the blackboard.
A bicycle is leaning against a brick wall.
Fresh bread is cooling on a rack by the window.
The city lights shine brightly across the river.
A little girl is flying a kite in the park.
The chef is chopping vegetables for the soup.
A herd of cows is grazing in a green meadow.
The airplane took off into a cloudy sky.
He painted the door a bright shade of blue.
A black and white photo of an empty street.
A close-up photo of a yellow flower with a bee.
The lighthouse stands on a rocky cliff above the sea.
Three apples and a banana lie on a plate.
A young woman is playing the violin on stage.
The garden is full of roses and tulips in spring.
A tired runner crosses the finish line.
Snow is falling softly on the rooftops.
The library is quiet except for the turning of pages.
A cup of coffee steams next to an open laptop.
A fisherman is repairing his nets on the dock.
The sun sets behind the hills, painting the sky orange.
A pair of shoes sits by the front door.
The baby is sleeping peacefully in her crib.
A squirrel is gathering nuts beneath the trees.
The market is crowded with people buying vegetables.
An orange cat chases a butterfly across the lawn.
The waves crash against the rocks at high tide.
A wooden bridge crosses a narrow stream in the forest.
He forgot his umbrella and got soaked on the way home.
The children cheered when the clown appeared.
A vintage car is parked outside the diner.
The scientist looks through a microscope in the lab.
A basket of laundry waits on the stairs.
The moon rises over a field of wheat.
Two horses are running side by side in the paddock.
A street musician plays the saxophone at night.
The museum displays paintings from the nineteenth century.
A slice of chocolate cake with a cherry on top.
The farmer drives a tractor through the muddy field.
A candle flickers in the dark room.
A drawing of a house with a red roof and a chimney.
The students are taking notes during the lecture.
A parrot with bright green feathers sits on a branch.
The highway is jammed with cars during rush hour.
An elephant sprays water over its back.
The desert stretches for miles under the blazing sun.
A watercolor painting of a sailboat on the ocean.
The kitten is playing with a ball of yarn.
A stack of old newspapers lies in the corner.
The firefighters rushed into the burning building.
A hiker rests on a rock and looks at the valley.
The bakery smells of cinnamon and warm butter.
A traffic light turns green at the empty crossing.
A sketch of a face drawn with charcoal.
The orchestra tuned their instruments before the concert.
A dog is catching a frisbee in mid air.
The clock on the wall shows a quarter past nine.
A penguin waddles across the ice.
The village is surrounded by vineyards and olive trees.
A boy is jumping into a swimming pool.
The wind is blowing the leaves across the yard.
A plate of spaghetti with tomato sauce and basil.
The astronauts are training for their next mission.
A hot air balloon floats above the green valley.
The cashier handed him the receipt and smiled.
A wolf howls at the full moon.
The old castle has tall towers and a deep moat.
A woman is jogging along the river at sunrise.
The toddler is stacking colorful blocks on the floor.
A bright rainbow appears after the storm.
The waiter carries three plates at once.
A spider has spun a web between two branches.
The river winds slowly through the valley.
A tall glass of lemonade with ice cubes.
The carpenter measures the plank twice before cutting.
A crowd gathers to watch the fireworks.
The owl sits silently on a branch at midnight.
A child draws a number on a foggy window.
The handwriting on the envelope is hard to read.
A page of digits written neatly in rows.
The pen ran out of ink halfway through the word.
A math worksheet covered in numbers and crossed-out answers.
The postman delivers letters every morning.
A blue notebook lies open on the desk.
The printer jammed again before the meeting.
A lone tree stands in the middle of a field.
The tourists take photos in front of the fountain.
A fox is hiding in the tall grass.
The potter shapes a vase on the spinning wheel.
A cold wind blows across the frozen lake.
The bookshelf is filled with dusty volumes.
A man in a suit is waiting for the elevator.
The puppy chewed through the garden hose.
A jar of honey glows in the morning light.
The train rattles over the old iron bridge.
A girl is painting her nails with red polish.
The kids are playing hide and seek in the garden.
A photograph of a mountain lake with a reflection of the peaks.
The storm knocked down power lines across the town.
A pile of autumn leaves in red and gold.
The violinist bowed to the applauding audience.
A soccer ball rolls into the net.
The nurse checks the patient's temperature.
A row of colorful houses along the harbor.
The mechanic is fixing the engine of a truck.
A goldfish swims in a round glass bowl.
The student finally solved the difficult equation.
A bouquet of sunflowers in a clay pot.
The wind turbines turn slowly on the ridge.
A lamb follows its mother across the hill.
The office is empty on Sunday afternoon.
A mug of hot chocolate with whipped cream.
The crowd cheered as the team scored the winning goal.
A bright red apple on a white background.
The painter mixes colors on a wooden palette.
A dragonfly rests on a reed by the pond.
The old piano is slightly out of tune.
A group of ducks swims across the pond.
The night sky is full of stars.
A clown juggles five balls at the circus.
The kettle whistles on the stove.
A map of the world hangs on the classroom wall.
The gardener trims the hedges into neat shapes.
A tiny mouse peeks out from behind the cupboard.
The runners line up at the starting line.
A yellow taxi waits at the corner of the street.
The glacier is slowly melting into the sea.
A knight in shining armor rides a white horse.
The cookies are burnt on the bottom.
A pencil drawing of a sleeping cat.
The sailors raise the sails as the wind picks up.
A snowman with a carrot nose and a red scarf.
The campers set up their tents by the lake.
A monkey swings from branch to branch.
The chess players think carefully before each move.
A smiling woman holds a bunch of balloons.
The thunder rolled across the dark hills.
A robot vacuum cleans the living room floor.
The jazz band plays late into the night.
A field of lavender stretches to the horizon.
"""

SCENE_SUBJECTS = ["a small dog", "an old woman", "a young boy", "two cats", "a red car", "a tall man",
                  "a white horse", "three birds", "a girl in a yellow coat", "a brown bear", "a robot"]
SCENE_ACTIONS = ["is standing", "is sleeping", "is waiting", "is running", "is sitting", "is looking around",
                 "is eating lunch", "is resting"]
SCENE_PLACES = ["in the rain", "on a snowy street", "near the river", "in a busy market", "under a bridge",
                "at the edge of the forest", "in front of a blue door", "on a sandy beach", "beside a lamp post",
                "in an empty room", "on the roof"]


def corpus_lines(reference_dir):
    with open(os.path.join(reference_dir, "text_sentences.txt"), encoding="utf-8") as f:
        stress = f.read().split("\n")
    digits = [t.format(w=w, d=d) for t in DIGIT_TEMPLATES for d, w in enumerate(DIGITS)]
    english = ENGLISH.strip("\n").split("\n")
    scenes = []
    for i in range(240):
        s = SCENE_SUBJECTS[i % len(SCENE_SUBJECTS)]
        a = SCENE_ACTIONS[(i * 5 + i // len(SCENE_SUBJECTS)) % len(SCENE_ACTIONS)]
        p = SCENE_PLACES[(i * 7 + 3) % len(SCENE_PLACES)]
        scenes.append(f"a photo of {s} that {a} {p}" if i % 3 == 0 else f"{s[0].upper()}{s[1:]} {a} {p}.")
    return english + scenes + digits + stress


# ----------------------------------------------------------------------------------- vocabulary

def clip_normalizer():
    return normalizers.Sequence([normalizers.NFC(), normalizers.Replace(Regex(r"\s+"), " "),
                                 normalizers.Lowercase()])


def clip_pre_tokenizer():
    return pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(CLIP_SPLIT), behavior="removed", invert=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False),
    ])


def train_vocabulary(lines):
    """-> (vocab list in id order, merges list of (a, b))."""
    b2u = bytes_to_unicode()
    chars = list(b2u.values())
    tok = Tokenizer(BPE(continuing_subword_prefix="", end_of_word_suffix="</w>"))
    tok.normalizer = clip_normalizer()
    tok.pre_tokenizer = clip_pre_tokenizer()
    trainer = trainers.BpeTrainer(
        vocab_size=100000, min_frequency=0, show_progress=False, limit_alphabet=1000,
        initial_alphabet=chars, end_of_word_suffix="</w>",
        special_tokens=[c + "</w>" for c in chars],  # fixed ids -> deterministic tie-breaks
    )
    tok.train_from_iterator(lines, trainer)
    merges = [tuple(m) for m in json.loads(tok.to_str())["model"]["merges"]]
    base = chars + [c + "</w>" for c in chars]
    seen = set(base)
    kept = []
    for a, b in merges:
        assert a in seen and b in seen, (a, b)
        if a + b in seen:  # a second split of an existing token: no new vocabulary entry
            continue
        seen.add(a + b)
        kept.append((a, b))
        if len(kept) == N_MERGES:
            break
    assert len(kept) == N_MERGES, f"corpus gave only {len(kept)} merges"
    vocab = base + [a + b for a, b in kept] + [BOS, EOS]
    assert len(set(vocab)) == len(vocab)
    return vocab, kept


def write_tokenizer(folder, vocab, merges):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump({t: i for i, t in enumerate(vocab)}, f, ensure_ascii=False)
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    config = {"tokenizer_class": "CLIPTokenizer", "model_max_length": MAX_LEN, "bos_token": BOS,
              "eos_token": EOS, "pad_token": EOS, "unk_token": EOS}
    with open(os.path.join(folder, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
        f.write("\n")


# ----------------------------------------------------------------------------------- tokenizer cases

LONG_CAPTION = ("a very long caption about a handwritten seven that keeps going with more and more words, "
                "describing the thick strokes, the slanted top bar, the tiny serif at the bottom, the grey paper, "
                "the blue ink that has faded over the years, the coffee stain in the corner, the crease where the "
                "page was folded twice, and the faint pencil grid lines that the writer ignored completely while "
                "drawing the digit again and again until the sheet was full")

TOKENIZER_TEXTS = [
    # plain captions
    "a photo of a cat", "a handwritten seven", "the digit 3", "a bold four in thick strokes",
    "A dog running on the beach at sunset.", "two zebras grazing", "an astronaut riding a horse on the moon",
    "photograph", "photographs of photographers", "x",
    # punctuation runs
    "wow!!!", "wait...", "well -- maybe", "?!?!", "a---b", "...!!!???", "hmm.....", "end.", "(hello)",
    "[brackets]{braces}", "\"quoted\"", "!!!", "...", "--", "-", "a.b.c", "e.g.", "#1 @you $5 100%",
    # contractions
    "it's", "don't", "we're", "I've", "I'm", "we'll", "he'd", "IT'S", "DON'T", "They'VE", "WE'LL BE",
    "it's a dog's life, isn't it? we'd've", "it\u2019s (curly apostrophe)", "'s", "'", "''", "'''s",
    "o'clock", "rock'n'roll", "students' books", "'tis", "i'll'd", "'ll'm're",
    # accents, composed / decomposed
    "café", "cafe\u0301", "CAFÉ", "CAFE\u0301", "naïve", "nai\u0308ve", "\u212bngstr\u00f6m (angstrom sign)",
    "e\u0301\u0301", "a\u0308 vs \u00e4", "\ufb01ne \ufb02our", "\u0130stanbul", "ΟΔΟΣ ΣΟΦΙΑΣ", "Straße STRASSE \u1e9e",
    "\u1100\u1161\u11a8 (conjoining jamo)", "Z\u0327\u030c", "résumé Résumé RÉSUMÉ", "ǅ ǈ ǋ",
    # other scripts
    "Η γρήγορη καφέ αλεπού", "Привет, мир!", "ЁЖИК и ёжик", "东京 北京", "日本語のテキスト", "한국어 문장",
    "مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया", "สวัสดีครับ", "𠀀𠀁 and 𝐀𝐁𝐂",
    # numbers
    "1234", "3.14", "1,000", "2024-01-15", "007", "1e-5", "x²", "½ ⅓", "Ⅻ", "٣٤٥", "१२३", "12:30pm",
    # emoji
    "👍", "👍🏽", "👨\u200d👩\u200d👧\u200d👦", "🇺🇸🇫🇷", "❤️", "😀😀😀", "hi😀there", "🏳️\u200d🌈", "1️⃣",
    # whitespace
    "\ttab first", "new\nline", "a  b", "   leading", "trailing   ", "   both   ", "crlf\r\nline",
    "a\u00a0b (nbsp)", "a\u3000b", "a\u2028b", "a\u200bb (zero width)", "a\x0bb\x0cc", "a\u0085b",
    "a\u2009b\u202fc", "\t\n \r", " ", "",
    # mixed case
    "HeLLo WoRLD", "iPhone eBay McDonald's", "ALL CAPS", "camelCaseWords", "MiXeD 123 CaSe!!",
    # long (truncated at 77)
    LONG_CAPTION, "seven " * 90, "😀" * 60, "a" * 400, "supercalifragilisticexpialidocious" * 12,
    "1 2 3 4 5 6 7 8 9 " * 10, "!" * 300,
]


def tokenizer_cases(tok, reference_dir):
    with open(os.path.join(reference_dir, "text_sentences.txt"), encoding="utf-8") as f:
        stress = f.read().split("\n")
    if stress and stress[-1] == "":
        stress.pop()
    texts, seen = [], set()
    for t in TOKENIZER_TEXTS + stress:
        if t not in seen:
            seen.add(t)
            texts.append(t)
    cases = []
    for t in texts:
        assert BOS not in t and EOS not in t
        ids = tok(t, truncation=True, max_length=MAX_LEN)["input_ids"]
        assert ids[0] == tok.bos_token_id and ids[-1] == tok.eos_token_id and len(ids) <= MAX_LEN
        assert tok.unk_token_id not in ids[1:-1], t
        cases.append({"text": t, "ids": ids})
    return cases


def check_bytelevel_regex_is_noop(tok, texts):
    """The ByteLevel pre-tokenizer's own GPT-2 regex (use_regex=True) never splits a CLIP piece."""
    bt = tok.backend_tokenizer
    plain = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(CLIP_SPLIT), behavior="removed", invert=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    for t in texts:
        n = bt.normalizer.normalize_str(t)
        assert [p for p, _ in bt.pre_tokenizer.pre_tokenize_str(n)] == \
            [p for p, _ in plain.pre_tokenize_str(n)], t


# ----------------------------------------------------------------------------------- models

CASES = [
    dict(
        name="quick-gelu-p4-s16-legacy", seed=11, logit_scale=2.3, mean=OPENAI_MEAN, std=OPENAI_STD,
        projection_dim=24, legacy_eos=True,
        vision=dict(image_size=16, patch_size=4, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                    intermediate_size=64, hidden_act="quick_gelu", layer_norm_eps=1e-5),
        text=dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                  max_position_embeddings=77, hidden_act="quick_gelu", layer_norm_eps=1e-5),
        sentences=["a handwritten seven", "the digit 3", "", "A bold FOUR in thick strokes!!!",
                   "it's a café, isn't it? 😀", LONG_CAPTION],
    ),
    dict(
        name="gelu-p8-s32-eos", seed=12, logit_scale=3.1, mean=[0.5, 0.45, 0.4], std=[0.25, 0.3, 0.2],
        projection_dim=40, legacy_eos=False, aesthetic=True,
        vision=dict(image_size=32, patch_size=8, hidden_size=48, num_hidden_layers=2, num_attention_heads=6,
                    intermediate_size=96, hidden_act="gelu", layer_norm_eps=1e-6),
        text=dict(hidden_size=32, num_hidden_layers=3, num_attention_heads=4, intermediate_size=80,
                  max_position_embeddings=77, hidden_act="gelu", layer_norm_eps=1e-6),
        sentences=["a photo of a cat", LONG_CAPTION + " and then some more", "the number 9",
                   "Two children are building a sandcastle on the beach.", "zero", "ΟΔΟΣ 1,000 3.14 👍🏽"],
    ),
    dict(
        name="quick-gelu-p6-s24", seed=13, logit_scale=2.3, mean=OPENAI_MEAN, std=OPENAI_STD,
        projection_dim=16, legacy_eos=False,
        vision=dict(image_size=24, patch_size=6, hidden_size=24, num_hidden_layers=1, num_attention_heads=2,
                    intermediate_size=48, hidden_act="quick_gelu", layer_norm_eps=1e-5),
        text=dict(hidden_size=24, num_hidden_layers=1, num_attention_heads=3, intermediate_size=48,
                  max_position_embeddings=77, hidden_act="quick_gelu", layer_norm_eps=1e-5),
        sentences=["seven " * 100, "a slanted zero", "A man is playing a guitar on the street.", "8",
                   "digit six, slightly rotated", "don't   stop\tbelieving"],
    ),
]

RAW_SHAPES = {"raw_grey": (3, 1, 8, 8), "raw_rgb": (3, 3, 12, 12), "raw_large": (2, 3, 40, 40)}


class AestheticHead(torch.nn.Module):
    """LAION improved-aesthetic-predictor MLP (keys layers.{0,2,4,6,7}.{weight,bias})."""

    def __init__(self, dim):
        super().__init__()
        self.layers = torch.nn.Sequential(
            torch.nn.Linear(dim, 1024), torch.nn.Dropout(0.2), torch.nn.Linear(1024, 128), torch.nn.Dropout(0.2),
            torch.nn.Linear(128, 64), torch.nn.Dropout(0.1), torch.nn.Linear(64, 16), torch.nn.Linear(16, 1))

    def forward(self, x):
        return self.layers(x)


@torch.no_grad()
def perturb(model, logit_scale):
    """Moves every parameter away from its init, reproducibly (global torch RNG)."""
    for name, p in model.named_parameters():
        if name == "logit_scale":
            p.fill_(logit_scale)
        elif name.endswith(".bias"):
            p.copy_(0.1 * torch.randn_like(p))
        elif name.endswith(("token_embedding.weight", "position_embedding.weight", "class_embedding")):
            p.copy_(0.5 * torch.randn_like(p))
        elif p.ndim == 1:  # LayerNorm weights
            assert "norm" in name, name
            p.copy_(1 + 0.2 * torch.randn_like(p))
        else:  # conv [O,I,kh,kw] and linear [O,I] weights
            p.copy_(torch.randn_like(p) / math.sqrt(p[0].numel()))
    assert {n for n, _ in model.named_parameters()} == set(model.state_dict().keys())


def make_config(case, vocab_size, bos_id, eos_id):
    text = dict(case["text"], vocab_size=vocab_size, projection_dim=case["projection_dim"])
    if case["legacy_eos"]:
        text.update(bos_token_id=0, pad_token_id=1, eos_token_id=2)  # pre-#24773 configs
    else:
        text.update(bos_token_id=bos_id, pad_token_id=eos_id, eos_token_id=eos_id)
    vision = dict(case["vision"], projection_dim=case["projection_dim"], num_channels=3)
    return CLIPConfig(text_config=text, vision_config=vision, projection_dim=case["projection_dim"])


def preprocess(x, size, mean, std):
    u = (x + 1) / 2
    if u.shape[1] == 1:
        u = u.repeat(1, 3, 1, 1)
    y = F.interpolate(u, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
    m = torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1)
    s = torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1)
    return (y - m) / s


def aa_matrix(n_in, n_out):
    """float64 [n_out, n_in] weights of the antialiased bilinear resize along one axis."""
    scale = n_in / n_out
    support = max(scale, 1.0)
    inv = 1.0 / scale if scale >= 1.0 else 1.0
    w = np.zeros((n_out, n_in))
    for i in range(n_out):
        center = scale * (i + 0.5)
        lo = max(int(center - support + 0.5), 0)
        hi = min(int(center + support + 0.5), n_in)
        for j in range(lo, hi):
            w[i, j] = max(0.0, 1.0 - abs((j - center + 0.5) * inv))
        w[i] /= w[i].sum()
    return w


def check_preprocess(x, pixels, size, mean, std):
    u = (x.double().numpy() + 1) / 2
    if u.shape[1] == 1:
        u = np.repeat(u, 3, axis=1)
    a, b = aa_matrix(u.shape[2], size), aa_matrix(u.shape[3], size)
    y = np.einsum("oh,nchw,pw->ncop", a, u, b)
    y = (y - np.array(mean).reshape(1, 3, 1, 1)) / np.array(std).reshape(1, 3, 1, 1)
    err = np.abs(y - pixels.double().numpy()).max()
    assert err < 1e-5, err
    return err


def pool_positions(ids, eos_token_id):
    if eos_token_id == 2:
        return ids.argmax(dim=-1)
    return (ids == eos_token_id).int().argmax(dim=-1)


def preprocessor_config(size, mean, std):
    return {
        "crop_size": {"height": size, "width": size}, "do_center_crop": True, "do_convert_rgb": True,
        "do_normalize": True, "do_rescale": True, "do_resize": True, "image_mean": mean,
        "image_processor_type": "CLIPImageProcessor", "image_std": std, "resample": 3,
        "rescale_factor": 1 / 255, "size": {"shortest_edge": size},
    }


def make_case(case, root, tok_dir, tok):
    folder = os.path.join(root, case["name"])
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    V = len(tok.get_vocab())
    torch.manual_seed(case["seed"])
    model = CLIPModel(make_config(case, V, tok.bos_token_id, tok.eos_token_id))
    perturb(model, case["logit_scale"])
    model.save_pretrained(folder)
    for f in ("vocab.json", "merges.txt", "tokenizer_config.json"):
        shutil.copyfile(os.path.join(tok_dir, f), os.path.join(folder, f))
    S = case["vision"]["image_size"]
    mean, std = case["mean"], case["std"]
    with open(os.path.join(folder, "preprocessor_config.json"), "w") as f:
        json.dump(preprocessor_config(S, mean, std), f, indent=2)
        f.write("\n")
    with open(os.path.join(folder, "sentences.json"), "w", encoding="utf-8") as f:
        json.dump(case["sentences"], f, ensure_ascii=False, indent=1)
        f.write("\n")

    model = CLIPModel.from_pretrained(folder, dtype=torch.float32, attn_implementation="eager").eval()
    cfg = model.config.text_config
    enc = CLIPTokenizer.from_pretrained(folder)(case["sentences"], padding=True, truncation=True,
                                               max_length=MAX_LEN, return_tensors="pt")
    ids, mask = enc["input_ids"], enc["attention_mask"]
    assert ids.shape[1] == MAX_LEN and (ids[:, -1] == tok.eos_token_id).any()
    pixel_values = torch.randn(4, 3, S, S)
    t = {"pixel_values": pixel_values, "input_ids": ids, "attention_mask": mask}
    with torch.no_grad():
        img = model.get_image_features(pixel_values=pixel_values).pooler_output
        txt = model.get_text_features(input_ids=ids, attention_mask=mask).pooler_output
        out = model(input_ids=ids, pixel_values=pixel_values, attention_mask=mask)
        vo = model.vision_model(pixel_values=pixel_values)
        to = model.text_model(input_ids=ids, attention_mask=mask)
        pos = pool_positions(ids, cfg.eos_token_id)
        assert torch.equal(to.pooler_output, to.last_hidden_state[torch.arange(len(ids)), pos])
        assert torch.allclose(out.image_embeds, img / img.norm(dim=-1, keepdim=True), atol=1e-6)
        lg = model.logit_scale.exp() * out.image_embeds @ out.text_embeds.T
        assert torch.allclose(out.logits_per_image, lg, atol=1e-5)
        t.update(image_embeds=img, text_embeds=txt, image_embeds_normalized=out.image_embeds,
                 text_embeds_normalized=out.text_embeds, logits_per_image=out.logits_per_image,
                 vision_pooled=vo.pooler_output, text_pooled=to.pooler_output,
                 vision_last_hidden=vo.last_hidden_state, text_last_hidden=to.last_hidden_state,
                 text_pool_positions=pos.long())

        # pooling-rule probe: ids with the end id missing, repeated, or not the largest id
        probe = torch.randint(0, V - 2, (3, 12))
        probe[0, 5] = tok.eos_token_id
        probe[1, 3] = tok.eos_token_id
        probe[1, 9] = tok.eos_token_id
        probe[2, 4] = tok.bos_token_id
        probe[2, 8] = tok.bos_token_id  # no end id: legacy rule -> 4 (largest id), new rule -> 0
        ppos = pool_positions(probe, cfg.eos_token_id)
        pte = model.get_text_features(input_ids=probe).pooler_output
        t.update(probe_input_ids=probe, probe_pool_positions=ppos.long(), probe_text_embeds=pte)

        errs = []
        for name, shape in RAW_SHAPES.items():
            x = torch.rand(*shape) * 2 - 1
            px = preprocess(x, S, mean, std)
            errs.append(check_preprocess(x, px, S, mean, std))
            t[name] = x
            t[name + "_pixels"] = px
            t[name + "_image_embeds"] = model.get_image_features(pixel_values=px).pooler_output

        if case.get("aesthetic"):
            head = AestheticHead(case["projection_dim"])
            for n, p in head.named_parameters():
                p.copy_(0.1 * torch.randn_like(p) if n.endswith("bias") else torch.randn_like(p) / math.sqrt(p.shape[1]))
            head.eval()
            save_file({k: v.contiguous() for k, v in head.state_dict().items()},
                      os.path.join(folder, "aesthetic_head.safetensors"))
            t["aesthetic_scores"] = head(img / img.norm(dim=-1, keepdim=True))[:, 0]
            e = t["raw_rgb_image_embeds"]
            t["raw_rgb_aesthetic"] = head(e / e.norm(dim=-1, keepdim=True))[:, 0]

    for k, v in t.items():
        assert torch.isfinite(v.float()).all(), k
        t[k] = v.contiguous() if v.dtype == torch.int64 else v.float().contiguous()
    save_file(t, os.path.join(folder, "reference.safetensors"))
    params = sum(p.numel() for p in model.parameters())
    print(f"{case['name']}: params={params} T={ids.shape[1]} pool={pos.tolist()} probe_pool={ppos.tolist()} "
          f"|logits| max={out.logits_per_image.abs().max():.3f} resize err={max(errs):.1e}")


def describe(tok):
    bt = tok.backend_tokenizer
    m = json.loads(bt.to_str())["model"]
    print("tokenizer class:", type(tok).__module__ + "." + type(tok).__name__,
          "backend:", type(bt).__module__ + "." + type(bt).__name__)
    print("normalizer:", bt.normalizer)
    print("pre_tokenizer:", bt.pre_tokenizer)
    print("post_processor:", bt.post_processor)
    print("model:", {k: v for k, v in m.items() if k not in ("vocab", "merges")})
    print("bos/eos/pad/unk ids:", tok.bos_token_id, tok.eos_token_id, tok.pad_token_id, tok.unk_token_id,
          "padding_side:", tok.padding_side, "truncation_side:", tok.truncation_side)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(HERE, "clip"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    hf_logging.disable_progress_bar()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.makedirs(args.out, exist_ok=True)

    vocab, merges = train_vocabulary(corpus_lines(HERE))
    tok_dir = os.path.join(args.out, "tokenizer")
    shutil.rmtree(tok_dir, ignore_errors=True)
    write_tokenizer(tok_dir, vocab, merges)
    tok = CLIPTokenizer.from_pretrained(tok_dir)
    assert len(tok.get_vocab()) == len(vocab) and tok.eos_token_id == len(vocab) - 1
    tok.backend_tokenizer.save(os.path.join(tok_dir, "tokenizer.json"))
    describe(tok)

    cases = tokenizer_cases(tok, HERE)
    check_bytelevel_regex_is_noop(tok, [c["text"] for c in cases])
    same = CLIPTokenizer(tokenizer_file=os.path.join(tok_dir, "tokenizer.json"))
    for c in cases:
        assert same(c["text"], truncation=True, max_length=MAX_LEN)["input_ids"] == c["ids"]
    with open(os.path.join(args.out, "tokenizer_cases.json"), "w", encoding="utf-8") as f:
        f.write("[\n" + ",\n".join(json.dumps(c) for c in cases) + "\n]\n")  # one case a line, ASCII
    print(f"vocabulary {len(vocab)}, {len(cases)} tokenizer cases, "
          f"{sum(len(c['ids']) == MAX_LEN for c in cases)} truncated at {MAX_LEN}")

    for case in CASES:
        make_case(case, args.out, tok_dir, tok)


if __name__ == "__main__":
    main()
