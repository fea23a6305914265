#!/usr/bin/env python3
"""GraphSAGE test accuracy over seeds, for every aggregator: mean +- sd.

  python3 bench/sage_seeds.py --grl build/grl --graph planetoid:$GRL_DATASETS/cora/cora \\
      --seeds 10 [--aggr mean,max,pool,lstm] [-- extra grl sage flags]

Each run is `grl sage --device cpu --seed S --aggr A --json` with the defaults otherwise
(random 60/20/20 split drawn from the seed); prints one line per run and the summary.
"""
import argparse
import json
import statistics
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--grl", default="build/grl")
    ap.add_argument("--graph", required=True)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--aggr", default="mean,max,pool,lstm")
    ap.add_argument("extra", nargs="*", help="flags passed to grl sage (after --)")
    a = ap.parse_args()
    summary = {}
    for aggr in a.aggr.split(","):
        acc, best = [], []
        for seed in range(a.seeds):
            r = subprocess.run([a.grl, "sage", "--graph", a.graph, "--device", "cpu", "--seed",
                                str(seed), "--aggr", aggr, "--json", "-q"] + a.extra,
                               check=True, capture_output=True, text=True)
            j = json.loads(r.stdout)
            acc.append(j["test_accuracy"])
            best.append(j.get("best_epoch", -1))
            print(f"{aggr} seed {seed}: test accuracy {acc[-1]:.4f} (best epoch {best[-1]}, "
                  f"{j.get('epochs', '?')} epochs)", flush=True)
        summary[aggr] = (statistics.mean(acc), statistics.stdev(acc) if len(acc) > 1 else 0.0)
    for aggr, (m, s) in summary.items():
        print(f"{aggr}: {m:.4f} +- {s:.4f} over {a.seeds} seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
