"""The built-in embedding models' own speed by batch size, thread count, OpenMP wait policy and
length order, on chunk-like texts of mixed lengths: what the ingestion pipeline could tune.

Each setting runs in a fresh process (thread counts are fixed when a model's native runtime
starts). Per model it prints texts/s for batches of 8, 16, 32 and 64 texts given to the
engine in one call; the same texts sorted by length into batches (``bucketed``: what
length-bucketing would give); and, for e5, 1 and 2 OpenMP threads and ``OMP_WAIT_POLICY``
passive against the default. Rounds alternate the settings; the figure is each setting's best
round, and the ratio column is to the first setting of its model (the ingestion pipeline's
default: what the engine gets from a batch of 32 chunks — e5 takes 16 texts a call — with the
model's default threads).

Usage: ``python benchmarks/embedding_shapes.py [--texts 256] [--rounds 3] [--models e5,use]``
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MODELS = {
    "e5": "multilingual-e5-small@Builtin",
    "use": "universal-sentence-encoder-multilingual@Builtin",
}


def chunk_texts(count: int) -> list[str]:
    """``count`` texts of 40 to 2,000 characters, shuffled, from the test samples' prose."""
    from tests.samples import finding_text

    chooser = random.Random(17)
    texts = []
    for number in range(count):
        prose = " ".join(finding_text(number * 7 + k) for k in range(6))
        texts.append(prose[: chooser.randint(40, 2000)])
    return texts


def run_setting(model_key: str, threads: int, batch: int, bucketed: bool, count: int) -> float:
    """In this process: texts/s of the model over ``count`` texts in batches of ``batch``."""
    from ragloom.providers.embedding.builtin_e5 import MultilingualE5
    from ragloom.providers.embedding.builtin_use import UniversalSentenceEncoder

    kind = MultilingualE5 if model_key == "e5" else UniversalSentenceEncoder
    model = kind(MODELS[model_key], threads=threads, batch_size=batch)  # the engine gets whole batches
    texts = chunk_texts(count)
    if bucketed:
        texts = sorted(texts, key=len)
    model.embed_documents(texts[:batch])  # warm-up: first call pays lazy loads
    started = time.perf_counter()
    for start in range(0, len(texts), batch):
        model.embed_documents(texts[start : start + batch])
    return len(texts) / (time.perf_counter() - started)


def settings_for(model_key: str) -> list[dict[str, object]]:
    default_batch = 16 if model_key == "e5" else 32  # what the engine gets from a pipeline batch of 32
    base: dict[str, object] = {"model": model_key, "threads": 2, "batch": default_batch, "bucketed": False, "wait": ""}
    sizes = [size for size in (8, 16, 32, 64) if size != default_batch]
    rows = [base, *({**base, "batch": size} for size in sizes), {**base, "bucketed": True}]
    rows.append({**base, "threads": 1})
    if model_key == "e5":
        rows.append({**base, "wait": "PASSIVE"})
        rows.append({**base, "batch": 64, "bucketed": True})
    return rows


def label(setting: dict[str, object]) -> str:
    words = [f"batch {setting['batch']}", f"{setting['threads']} threads"]
    if setting["bucketed"]:
        words.append("bucketed")
    if setting["wait"]:
        words.append(f"OMP_WAIT_POLICY={setting['wait']}")
    return ", ".join(words)


def in_child(setting: dict[str, object], count: int) -> float:
    env = dict(os.environ)
    if setting["wait"]:
        env["OMP_WAIT_POLICY"] = str(setting["wait"])
    done = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(setting), "--texts", str(count)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--models", default="e5,use")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        setting = json.loads(options.child)
        print(run_setting(setting["model"], setting["threads"], setting["batch"], setting["bucketed"], options.texts))
        return
    lengths = [len(text) for text in chunk_texts(options.texts)]
    print(f"{options.texts} texts of {min(lengths)}-{max(lengths)} characters (mean {sum(lengths) / len(lengths):.0f})")
    for key in options.models.split(","):
        settings = settings_for(key.strip())
        best = [0.0] * len(settings)
        for _round in range(options.rounds):
            for number, setting in enumerate(settings):
                best[number] = max(best[number], in_child(setting, options.texts))
        for setting, rate in zip(settings, best, strict=True):
            print(f"{key:<4}{label(setting):<48}{rate:>9.1f} texts/s   x{rate / best[0]:.2f}")


if __name__ == "__main__":
    main()
