#!/usr/bin/env python3
"""Reference for DIPP's safetensors reader and writer, using the real `safetensors` package.

Pinned: safetensors==0.7.0, numpy>=1.24 (install: pip install safetensors==0.7.0 numpy).

  python3 safetensors_reference.py make-fixture OUT   writes the fixture DIPP's tests read
  python3 safetensors_reference.py check FILE         checks a file DIPP wrote (exit 0 = OK)

The fixture holds F32, F16, BF16 and F64 tensors with values exactly representable in each
dtype, plus metadata. BF16 has no numpy dtype, so its raw bytes (the top 16 bits of float32)
go through safetensors' own serializer.
"""
import struct
import sys

import numpy as np
import safetensors
from safetensors.numpy import load_file


def make_fixture(path):
    f32 = (np.arange(6, dtype=np.float32) * 0.5 - 1.0).reshape(2, 3)
    f16 = np.array([0.5, -1.25, 3.0, 65504.0], dtype=np.float16)
    f64 = np.array([[1.0e-3], [-2.5]], dtype=np.float64)
    bf16_values = np.array([1.5, -2.0, 0.15625], dtype=np.float32)
    bf16_bytes = b"".join(struct.pack("<H", v >> 16) for v in bf16_values.view(np.uint32).tolist())
    scalar = np.array(7.0, dtype=np.float32)
    tensors = {
        "layer.f32": {"dtype": "float32", "shape": [2, 3], "data": f32.tobytes()},
        "layer.f16": {"dtype": "float16", "shape": [4], "data": f16.tobytes()},
        "layer.bf16": {"dtype": "bfloat16", "shape": [3], "data": bf16_bytes},
        "layer.f64": {"dtype": "float64", "shape": [2, 1], "data": f64.tobytes()},
        "scalar": {"dtype": "float32", "shape": [], "data": scalar.tobytes()},
    }
    safetensors.serialize_file(tensors, path, metadata={"format": "pt", "written_by": "safetensors 0.7.0"})


def check(path):
    """The file DIPP's test writes: weight = [[0, .25, .5], [.75, 1, 1.25]], bias = [1, -2],
    empty = shape [0, 3], metadata {"step": "12"}."""
    tensors = load_file(path)
    expected = {
        "weight": np.arange(6, dtype=np.float32).reshape(2, 3) * 0.25,
        "bias": np.array([1.0, -2.0], dtype=np.float32),
        "empty": np.zeros((0, 3), dtype=np.float32),
    }
    if set(tensors) != set(expected):
        sys.exit(f"tensor names {sorted(tensors)} != {sorted(expected)}")
    for name, value in expected.items():
        got = tensors[name]
        if got.dtype != np.float32 or got.shape != value.shape or not np.array_equal(got, value):
            sys.exit(f"{name}: got {got.dtype} {got.shape} {got.tolist()}")
    with safetensors.safe_open(path, framework="numpy") as f:
        if f.metadata() != {"step": "12"}:
            sys.exit(f"metadata {f.metadata()}")
    print("OK")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("make-fixture", "check"):
        sys.exit(__doc__)
    (make_fixture if sys.argv[1] == "make-fixture" else check)(sys.argv[2])
