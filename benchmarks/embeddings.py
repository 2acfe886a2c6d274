"""What keeping the learned space costs: a lenet5 run's test evaluation with and without the
penultimate vectors, the kept file's size, and the t-SNE of the test images.

The trainer evaluates the test set once with `inspection.embed` (probabilities and vectors in
one pass) where it called `model.predict`; the difference is the cost, in CPU seconds. t-SNE
runs as `mnist-lab runs embed --tsne` does, on the kept float16 vectors.

    python -m benchmarks.embeddings [--quick]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np


def _cpu(work) -> tuple[object, float]:
    started = time.process_time()
    result = work()
    return result, time.process_time() - started


def measure(quick: bool = False) -> dict:
    from mnist_lab.analysis.embeddings import compress, project
    from mnist_lab.analysis.inspection import embed
    from mnist_lab.config import preset
    from mnist_lab.data import load_mnist, normalize
    from mnist_lab.model import saved
    from mnist_lab.store import RunStore, artifacts
    from mnist_lab.training.train import train

    data = load_mnist()
    images = data.x_test[:2000] if quick else data.x_test
    with tempfile.TemporaryDirectory() as home:
        store = RunStore(Path(home))
        config = preset("lenet5").replace(epochs=1, subset=100 if quick else None)
        run_id = store.create_run(config.to_dict(), name="embeddings bench")
        train(config, store, run_id, data)
        model = saved.load_model(store.artifact(run_id, artifacts.MODEL_FILE))
        batch = normalize(images)
        embed(model, images[:10])  # both paths traced once before timing
        model.predict(batch[:10], verbose=0)
        _, predict_cpu = _cpu(lambda: model.predict(batch, batch_size=1000, verbose=0))
        (_, vectors, layer), embed_cpu = _cpu(lambda: embed(model, images))
        kept, compress_cpu = _cpu(lambda: compress(vectors))
        path = Path(home) / artifacts.EMBEDDINGS_FILE
        _, write_cpu = _cpu(lambda: artifacts.write_embeddings(path, kept, layer, vectors.shape[1]))
        size = path.stat().st_size
        started = time.perf_counter()
        _, tsne_cpu = _cpu(lambda: project(kept, "tsne"))
        tsne_wall = time.perf_counter() - started
        _, pca_cpu = _cpu(lambda: project(kept, "pca"))
    return {"embeddings": {
        "images": len(images), "layer": layer, "width": int(vectors.shape[1]),
        "file_bytes": size, "bytes_per_image": round(size / len(images), 1),
        "predict_cpu_s": round(predict_cpu, 2), "embed_cpu_s": round(embed_cpu, 2),
        "extra_cpu_s": round(embed_cpu + compress_cpu + write_cpu - predict_cpu, 2),
        "pca_cpu_s": round(pca_cpu, 3), "tsne_cpu_s": round(tsne_cpu, 1),
        "tsne_wall_s": round(tsne_wall, 1),
        "vectors_float16_exact_to": float(np.abs(kept.astype(np.float32) - vectors).max()),
    }}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    print(json.dumps(measure(parser.parse_args().quick), indent=2))
