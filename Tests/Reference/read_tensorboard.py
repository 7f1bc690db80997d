#!/usr/bin/env python3
"""Reads DIPP's TensorBoard event files with TensorBoard's own reader and prints each scalar
series as `tag step:value ...` (values formatted with %g).

Pinned: tensorboard==2.20.0 (install: pip install tensorboard==2.20.0).
Usage: python3 read_tensorboard.py FOLDER
"""
import sys

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def main(folder):
    accumulator = EventAccumulator(folder, size_guidance={"scalars": 0})
    accumulator.Reload()
    for tag in sorted(accumulator.Tags()["scalars"]):
        events = accumulator.Scalars(tag)
        print(tag, " ".join(f"{e.step}:{e.value:g}" for e in events))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
