#!/usr/bin/env python3
"""Plots from the tracked results in bench/results/*.json (PNG files into bench/plots/):
  throughput_vs_batch.png, throughput_vs_fanout.png, throughput_vs_hidden.png  (GraphSAGE
  training seeds/s on the products-sized graph, from the newest run with sweep rows),
  aggregate_bw_vs_dim.png (gather + mean aggregation as a fraction of copy bandwidth),
  results_over_time.png (headline metrics of every run that measured them, in commit order).
Usage: bench/plot_results.py [--results DIR] [--out DIR]   (needs matplotlib)"""
import argparse
import glob
import json
import os
import re
import subprocess

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

BASE = {"batch": 1024, "f1": 15, "f2": 10, "f3": 5, "hidden": 256}


def commit_time(commit, repo):
    try:
        out = subprocess.run(["git", "-C", repo, "show", "-s", "--format=%ct", commit.replace("-dirty", "")],
                             capture_output=True, text=True, timeout=10)
        return int(out.stdout.strip())
    except (ValueError, OSError, subprocess.SubprocessError):
        return 0


def load_runs(results_dir):
    runs = []
    for path in glob.glob(os.path.join(results_dir, "*.json")):
        with open(path) as f:
            d = json.load(f)
        d["_path"] = path
        d["_time"] = commit_time(d.get("commit", ""), os.path.dirname(os.path.abspath(results_dir)))
        d["_values"] = {r["name"]: r["value"] for r in d.get("results", []) if r.get("value") is not None}
        runs.append(d)
    runs.sort(key=lambda d: (d.get("date", ""), d["_time"], d["_path"]))
    return runs


def sweep_points(values):
    """{(batch, f1, f2, f3, hidden): seeds/s}, including the headline point."""
    pts = {}
    for name, v in values.items():
        m = re.match(r"sweep\.sage_train_seeds_per_s\[(.*)\]", name)
        if m:
            kv = dict(p.split(":") for p in m.group(1).split(","))
            pts[tuple(int(kv[k]) for k in ("batch", "f1", "f2", "f3", "hidden"))] = v
    if "sage_train_seeds_per_s" in values:
        pts[tuple(BASE[k] for k in ("batch", "f1", "f2", "f3", "hidden"))] = values["sage_train_seeds_per_s"]
    return pts


def varying(pts, axis):
    keys = ("batch", "f1", "f2", "f3", "hidden")
    out = []
    for p, v in pts.items():
        d = dict(zip(keys, p))
        others = [k for k in keys if k not in axis]
        if all(d[k] == BASE[k] for k in others):
            out.append((p, v))
    return sorted(out)


def finish(fig, ax, title, path, gpu, commit):
    ax.set_title(f"{title}\n{gpu}, commit {commit[:7]}", fontsize=10)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print("wrote", path)


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--results", default=os.path.join(here, "results"))
    ap.add_argument("--out", default=os.path.join(here, "plots"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    runs = load_runs(a.results)
    with_sweeps = [r for r in runs if any(k.startswith("sweep.") for k in r["_values"])]
    if with_sweeps:
        r = with_sweeps[-1]
        gpu, commit = r["gpu"], r["commit"]
        pts = sweep_points(r["_values"])
        for axis, fname, label in ((("batch",), "throughput_vs_batch.png", "batch size (seeds)"),
                                   (("hidden",), "throughput_vs_hidden.png", "hidden width")):
            series = varying(pts, axis)
            x = [p[0] if axis == ("batch",) else p[4] for p, _ in series]
            fig, ax = plt.subplots(figsize=(5.5, 3.6))
            ax.plot(x, [v / 1e3 for _, v in series], "o-")
            ax.set_xscale("log", base=2)
            ax.set_xlabel(label)
            ax.set_ylabel("training seeds/s (thousands)")
            ax.set_xticks(x, [str(v) for v in x])
            finish(fig, ax, "GraphSAGE training throughput (fp32, 3 layers)", os.path.join(a.out, fname), gpu, commit)
        series = varying(pts, ("f1", "f2", "f3"))
        fig, ax = plt.subplots(figsize=(5.5, 3.6))
        labels = [f"{p[1]},{p[2]},{p[3]}" for p, _ in series]
        ax.bar(labels, [v / 1e3 for _, v in series])
        ax.set_xlabel("fanouts (hop 1 first)")
        ax.set_ylabel("training seeds/s (thousands)")
        finish(fig, ax, "GraphSAGE training throughput vs fanouts", os.path.join(a.out, "throughput_vs_fanout.png"),
               gpu, commit)
        dims = sorted((int(re.search(r"dim:(\d+)", k).group(1)), v) for k, v in r["_values"].items()
                      if k.startswith("sweep.aggregate_mean_bw_fraction"))
        if dims:
            fig, ax = plt.subplots(figsize=(5.5, 3.6))
            ax.plot([d for d, _ in dims], [100 * v for _, v in dims], "o-", label="grl gather + mean")
            peer = next((x for x in r.get("results", []) if x["name"] == "aggregate_mean_bw_fraction"), None)
            if peer and peer.get("peer_value"):
                ax.plot([128], [100 * peer["peer_value"]], "s", label="PyG index_select + scatter (dim 128)")
            ax.set_xscale("log", base=2)
            ax.set_xticks([d for d, _ in dims], [str(d) for d, _ in dims])
            ax.set_ylim(0, 100)
            ax.set_xlabel("feature width")
            ax.set_ylabel("% of device-to-device copy bandwidth")
            ax.legend(fontsize=8)
            finish(fig, ax, "Fused gather + mean, 500k dst x 10 neighbours", os.path.join(a.out, "aggregate_bw_vs_dim.png"),
                   gpu, commit)
    if runs:
        panels = (("sage_train_seeds_per_s", 1e3, "GraphSAGE training seeds/s (k, fp32)"),
                  ("sample_seps", 1e9, "sampled edges/s (billions)"),
                  ("sgns_pairs_per_s", 1e6, "SGNS pairs/s (millions, dim 128)"))
        fig, axes = plt.subplots(1, len(panels), figsize=(12, 3.6))
        for ax, (metric, scale, unit) in zip(axes, panels):
            have = [r for r in runs if r["_values"].get(metric)]  # each panel: the runs that measured it
            ax.plot(range(len(have)), [r["_values"][metric] / scale for r in have], "o-")
            ax.set_xticks(range(len(have)), [f"{r.get('date', '')[5:]}\n{r.get('commit', '')[:7]}" for r in have],
                          fontsize=7)
            ax.set_ylabel(unit, fontsize=8)
            ax.grid(alpha=0.3)
        fig.suptitle("Results over time (" + runs[-1]["gpu"] + ")", fontsize=10)
        fig.tight_layout()
        path = os.path.join(a.out, "results_over_time.png")
        fig.savefig(path, dpi=110)
        plt.close(fig)
        print("wrote", path)


if __name__ == "__main__":
    main()
