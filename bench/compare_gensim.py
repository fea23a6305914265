#!/usr/bin/env python3
"""DeepWalk quality: grl walk against gensim's Word2Vec on equivalent uniform walks.

For each seed: grl walk trains on its own walks; gensim (sg=1, hs=0, the same window,
dimensions, negatives, sample and epochs, one worker) trains on uniform walks drawn here the
same way (every pass over the nodes in its own random order, walks of --walk-length nodes).
Both embeddings are scored by the same evaluator, grl eval (one-vs-rest logistic regression,
Micro/Macro-F1 at --train-ratio, --repeats random splits), and the means over seeds printed.

  python3 bench/compare_gensim.py --grl build/grl --blogcatalog $GRL_DATASETS/blogcatalog \\
      --walks-per-node 10 --seeds 0,1,2

gensim comes from PyPI (pip install gensim); the product itself never uses it.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np


def load_graph(directory):
    """Undirected CSR of BlogCatalog's edges.csv (self-loops dropped, duplicates merged)."""
    e = np.loadtxt(os.path.join(directory, "edges.csv"), delimiter=None, dtype=np.int64,
                   converters=None, ndmin=2, comments="#")
    ids = np.unique(e)
    src = np.searchsorted(ids, e[:, 0])
    dst = np.searchsorted(ids, e[:, 1])
    keep = src != dst
    src, dst = src[keep], dst[keep]
    s = np.concatenate([src, dst])
    d = np.concatenate([dst, src])
    pairs = np.unique(s * len(ids) + d)
    s, d = pairs // len(ids), pairs % len(ids)
    offsets = np.zeros(len(ids) + 1, dtype=np.int64)
    np.add.at(offsets, s + 1, 1)
    return ids, np.cumsum(offsets), d


def uniform_walks(offsets, indices, walks_per_node, length, seed):
    """walks_per_node passes over the nodes, each in its own random order."""
    rng = np.random.default_rng(seed)
    n = len(offsets) - 1
    deg = np.diff(offsets)
    out = []
    for _ in range(walks_per_node):
        cur = rng.permutation(n)
        cur = cur[deg[cur] > 0]
        walk = np.empty((len(cur), length), dtype=np.int64)
        walk[:, 0] = cur
        for t in range(1, length):
            r = (rng.random(len(cur)) * deg[cur]).astype(np.int64)
            cur = indices[offsets[cur] + r]
            walk[:, t] = cur
        out.append(walk)
    return np.concatenate(out)


def grl_eval(grl, embeddings, labels, ratio, repeats):
    r = subprocess.run([grl, "eval", "--embeddings", embeddings, "--labels", labels,
                        "--train-ratio", str(ratio), "--repeats", str(repeats), "--json"],
                       check=True, capture_output=True, text=True)
    j = json.loads(r.stdout)
    row = j["results"][0]
    return row["micro_f1"], row["macro_f1"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--grl", default="build/grl")
    ap.add_argument("--blogcatalog", required=True)
    ap.add_argument("--walks-per-node", type=int, default=10)
    ap.add_argument("--walk-length", type=int, default=40)
    ap.add_argument("--window", type=int, default=10)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--negatives", type=int, default=5)
    ap.add_argument("--sample", type=float, default=1e-3)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--train-ratio", type=float, default=0.5)
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--only", choices=["grl", "gensim"], help="run one side only")
    ap.add_argument("--grl-args", default="", help="extra flags for grl walk")
    ap.add_argument("--workers", type=int, default=1,
                    help="gensim's workers and grl's --threads (training speed at equal threads)")
    a = ap.parse_args()
    seeds = [int(s) for s in a.seeds.split(",")]
    labels = "blogcatalog:" + a.blogcatalog
    tmp = tempfile.mkdtemp(prefix="grl-gensim-")
    res = {"grl": [], "gensim": []}
    if a.only != "grl":
        from gensim.models import Word2Vec
        ids, offsets, indices = load_graph(a.blogcatalog)
    for seed in seeds:
        if a.only != "gensim":
            out = os.path.join(tmp, f"grl_{seed}.npy")
            t0 = time.time()
            r = subprocess.run([a.grl, "walk", "--graph", labels, "--device", "cpu", "-q", "--json",
                            "--threads", str(a.workers),
                            "--walks-per-node", str(a.walks_per_node),
                            "--walk-length", str(a.walk_length), "--window", str(a.window),
                            "--dim", str(a.dim), "--negatives", str(a.negatives),
                            "--sample", str(a.sample), "--epochs", str(a.epochs),
                            "--seed", str(seed), "--out", out] + a.grl_args.split(),
                           check=True, capture_output=True, text=True)
            train_s = json.loads(r.stdout)["train_seconds"]
            f1 = grl_eval(a.grl, out, labels, a.train_ratio, a.repeats)
            res["grl"].append(f1)
            print(f"grl    seed {seed}: micro {f1[0]:.4f} macro {f1[1]:.4f} "
                  f"(training {train_s:.1f} s on {a.workers} thread(s); {time.time() - t0:.0f} s "
                  f"in all)", flush=True)
        if a.only != "grl":
            t0 = time.time()
            walks = uniform_walks(offsets, indices, a.walks_per_node, a.walk_length, seed)
            sentences = [[str(ids[v]) for v in w] for w in walks]
            t1 = time.time()
            m = Word2Vec(sentences, vector_size=a.dim, window=a.window, negative=a.negatives,
                         sample=a.sample, sg=1, hs=0, min_count=0, epochs=a.epochs,
                         workers=a.workers, seed=seed)
            train_s = time.time() - t1
            out = os.path.join(tmp, f"gensim_{seed}.txt")
            m.wv.save_word2vec_format(out)
            f1 = grl_eval(a.grl, out, labels, a.train_ratio, a.repeats)
            res["gensim"].append(f1)
            print(f"gensim seed {seed}: micro {f1[0]:.4f} macro {f1[1]:.4f} "
                  f"(vocabulary + training {train_s:.1f} s on {a.workers} worker(s); "
                  f"{time.time() - t0:.0f} s in all)", flush=True)
    for k, v in res.items():
        if v:
            m = np.mean(np.array(v), axis=0)
            print(f"{k:6s} mean over seeds {a.seeds}: micro {m[0]:.4f} macro {m[1]:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
