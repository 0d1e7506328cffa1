"""Bottleneck-feature extraction time per image, per backbone, and what the cache saves.

    python benchmarks/bench_vision.py [--threads 1 2] [--batches 1 8] [--repeats 3]

Inception v3 runs with randomly initialised weights saved to a temporary file (the time of a
forward pass does not depend on the weights' values; the real file is not shipped);
EfficientNet-Lite0 with the weights its package ships. Each figure is the best of
``--repeats`` runs after one warm-up, on the CPU, through the same
:class:`~nnviz.backends.vision.FeatureExtractor` the scenario uses. Prints the load average
too: on a shared two-core machine, figures taken under load are slower.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def best_of(repeats: int, work) -> float:
    work()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import torch
    from vision_fakes import save_random_backbone

    from nnviz.backends.feature_cache import FeatureCache
    from nnviz.backends.vision import FeatureExtractor

    print(f"torch {torch.__version__}, load average {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as folder:
        inception = save_random_backbone("inception_v3", Path(folder) / "inception.pth")
        setups = [("inception_v3", str(inception)), ("efficientnet_lite0", "")]
        rng = np.random.default_rng(0)
        print(f"{'backbone':<20}{'size':>6}{'threads':>9}{'batch':>7}{'s/image':>10}"
              f"{'images/s':>10}")
        for name, weights in setups:
            for threads in args.threads:
                extractor = FeatureExtractor(name, weights, device="cpu", threads=threads,
                                             use_cache=False)
                torch.set_num_threads(threads)
                size = extractor.input_size
                for batch in args.batches:
                    pixels = rng.integers(0, 256, (batch, size, size, 3), dtype=np.uint8)
                    seconds = best_of(args.repeats, lambda p=pixels, e=extractor: e.compute(p))
                    print(f"{name:<20}{size:>6}{threads:>9}{batch:>7}{seconds / batch:>10.4f}"
                          f"{batch / seconds:>10.1f}")
        cache = FeatureCache(folder, "bench")
        digests = [f"{i:064x}" for i in range(200)]
        for digest in digests:
            cache.put(digest, rng.normal(size=2048))
        seconds = best_of(args.repeats, lambda: [cache.get(d) for d in digests])
        print(f"feature cache read: {seconds / len(digests) * 1e3:.3f} ms per image "
              f"(2048 floats)")


if __name__ == "__main__":
    main()
