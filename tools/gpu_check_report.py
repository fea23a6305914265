#!/usr/bin/env python3
"""Summarise a tools/gpu-check run: test and sanitizer verdicts, the benchmark table, and a
results file in the bench/results format ({gpu, commit, date, results: [{name, value, unit,
peer, peer_value}]}) holding only figures measured in this run."""
import argparse
import datetime
import json
import os
import re
import sys

# Tracked metrics: (metric name, benchmark name, counter, unit, scale).
METRICS = [
    ("copy_bw", "BM_DeviceCopy/4096_median", "bytes_per_second", "GB/s", 1e-9),
    ("h2d_pinned_bw", "BM_HostToDevicePinned/256_median", "bytes_per_second", "GB/s", 1e-9),
    ("aggregate_mean_bw_fraction", "BM_AggregateMeanForward/tuned/128_median", "frac_of_copy", "fraction", 1),
    ("aggregate_max_bw_fraction", "BM_AggregateMaxForward/tuned/128_median", "frac_of_copy", "fraction", 1),
    ("gather_bw_fraction", "BM_GatherRows/128_median", "frac_of_copy", "fraction", 1),
    ("segment_reduce_bw_fraction_products", "BM_SegmentReduce/tuned/products_median", "frac_of_copy", "fraction", 1),
    ("segment_reduce_bw_fraction_rmat", "BM_SegmentReduce/tuned/rmat_median", "frac_of_copy", "fraction", 1),
    ("segment_reduce_bw_fraction_rmat_simple", "BM_SegmentReduce/simple/rmat_median", "frac_of_copy", "fraction", 1),
    ("embed_all_nodes_per_s_full", "BM_SageEmbedAll/full_median", "items_per_second", "nodes/s", 1),
    ("embed_all_nodes_per_s_sampled", "BM_SageEmbedAll/sampled_median", "items_per_second", "nodes/s", 1),
    ("sample_seps", "BM_SampleProducts/graph_median", "items_per_second", "edges/s", 1),
    ("sample_seps_direct_launches", "BM_SampleProducts/direct_median", "items_per_second", "edges/s", 1),
    ("walk_steps_per_s", "BM_RandomWalk/uniform_median", "items_per_second", "steps/s", 1),
    ("walk_steps_per_s_node2vec", "BM_RandomWalk/node2vec_median", "items_per_second", "steps/s", 1),
    ("walk_steps_per_s_metapath", "BM_RandomWalk/metapath_median", "items_per_second", "steps/s", 1),
    ("walk_steps_per_s_simple", "BM_RandomWalkSimple/uniform_median", "items_per_second", "steps/s", 1),
    ("walk_steps_per_s_offsets64", "BM_RandomWalkOffsets64/uniform_median", "items_per_second", "steps/s", 1),
    ("sgns_pairs_per_s", "BM_Sgns/128_median", "items_per_second", "pairs/s", 1),
    ("sgns_pairs_per_s_dim64", "BM_Sgns/64_median", "items_per_second", "pairs/s", 1),
    ("sgns_pairs_per_s_atomic", "BM_SgnsAtomic/128_median", "items_per_second", "pairs/s", 1),
    ("sgns_pairs_per_s_shared_negatives", "BM_SgnsShared/128_median", "items_per_second", "pairs/s", 1),
    ("sgns_resident_warps", "BM_Sgns/128_median", "resident_warps", "warps", 1),
    ("sgns_pairs_per_s_l1_reads", "BM_SgnsL1Reads/128_median", "items_per_second", "pairs/s", 1),
    ("sgns_pairs_per_s_shared_span2", "BM_SgnsSharedSpan/128/2_median", "items_per_second", "pairs/s", 1),
    ("sgns_pairs_per_s_shared_span4", "BM_SgnsSharedSpan/128/4_median", "items_per_second", "pairs/s", 1),
    ("sage_train_seeds_per_s", "BM_SageTrainStep/products_median", "items_per_second", "seeds/s", 1),
    ("sage_train_seeds_per_s_tf32", "BM_SageTrainStep/products_tf32_median", "items_per_second", "seeds/s", 1),
    ("sage_train_seeds_per_s_lstm", "BM_SageTrainStep/products_lstm_median", "items_per_second", "seeds/s", 1),
    ("sage_train_seeds_per_s_host_features", "BM_SageTrainStepHostFeatures/zero_copy_median", "items_per_second", "seeds/s", 1),
    ("sage_train_seeds_per_s_host_features_cpu_gather", "BM_SageTrainStepHostFeatures/cpu_median", "items_per_second", "seeds/s", 1),
    ("gather_host_bw", "BM_GatherRowsHost/128_median", "bytes_per_second", "GB/s", 1e-9),
    ("dense_layer_tflops", "BM_DenseLayer/fp32/256_median", "TFLOPs", "TFLOP/s", 1),
    ("dense_layer_tflops_tf32", "BM_DenseLayer/tf32/256_median", "TFLOPs", "TFLOP/s", 1),
    ("lstm_gates_forward_bw_fraction", "BM_LstmGatesForward/128_median", "frac_of_copy", "fraction", 1),
    ("lstm_gates_backward_bw_fraction", "BM_LstmGatesBackward/128_median", "frac_of_copy", "fraction", 1),
    ("lstm_scatter_bw_fraction", "BM_LstmScatter/128_median", "frac_of_copy", "fraction", 1),
]


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--commit", default="unknown")
    args = ap.parse_args()
    out = args.out
    ok = True
    gpu = "unknown GPU"
    try:
        lines = open(os.path.join(out, "gpu.txt")).read().strip().splitlines()
        if len(lines) > 1:
            gpu = lines[1].split(",")[0].strip()
    except OSError:
        pass

    rows = []
    tests = load(os.path.join(out, "gpu-tests.json"))
    if tests:
        total, failed = tests.get("tests", 0), tests.get("failures", 0)
        skipped = sum(1 for s in tests.get("testsuites", []) for t in s.get("testsuite", [])
                      if t.get("result") == "SKIPPED")
        verdict = "PASS" if failed == 0 and skipped == 0 else ("FAIL" if failed else "SKIPPED")
        ok &= failed == 0
        rows.append(("gpu tests", f"{total - failed - skipped}/{total} passed, {skipped} skipped", verdict))
    else:
        ok = False
        rows.append(("gpu tests", "no result file", "FAIL"))

    try:
        san = open(os.path.join(out, "sanitizer.log")).read()
        m = re.search(r"ERROR SUMMARY: (\d+) error", san)
        if m:
            n = int(m.group(1))
            ok &= n == 0
            fails = re.search(r"(\d+) FAILED TEST", san)
            rows.append(("compute-sanitizer memcheck", f"{n} errors" + (", tests failed" if fails else ""),
                         "PASS" if n == 0 and not fails else "FAIL"))
        else:
            rows.append(("compute-sanitizer memcheck", san.strip().splitlines()[-1][:60] if san.strip() else "no output", "?"))
    except OSError:
        rows.append(("compute-sanitizer memcheck", "not run", "?"))

    bench = load(os.path.join(out, "bench.json"))
    by_name = {}
    bench_rows = []
    if bench:
        for b in bench.get("benchmarks", []):
            if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
                continue
            # Strip Google Benchmark's timing suffixes: BM_X/128/manual_time_median -> BM_X/128_median
            b["name"] = b["name"].replace("/manual_time", "").replace("/real_time", "")
            if b.get("run_type") == "iteration" and not b["name"].endswith("_median"):
                b["name"] += "_median"  # one repetition (--quick): the run is its own median
            by_name[b["name"]] = b
            if b.get("error_occurred"):
                bench_rows.append((b["name"], "ERROR " + b.get("error_message", ""), ""))
                continue
            t = f'{b.get("real_time", 0):.1f} {b.get("time_unit", "")}'
            extra = []
            if "bytes_per_second" in b:
                extra.append(f'{b["bytes_per_second"] / 1e9:.0f} GB/s')
            if "frac_of_copy" in b:
                extra.append(f'{100 * b["frac_of_copy"]:.0f}% of copy')
            if "items_per_second" in b:
                extra.append(f'{b["items_per_second"]:.3g} items/s')
            bench_rows.append((b["name"].replace("_median", ""), t, ", ".join(extra)))

    e2e = load(os.path.join(out, "e2e.json")) or {}
    for check in e2e.get("checks", []):
        ok &= bool(check.get("pass"))
        rows.append((check["name"], check.get("detail", ""), "PASS" if check.get("pass") else "FAIL"))

    results = []
    for name, bname, counter, unit, scale in METRICS:
        b = by_name.get(bname)
        if b and not b.get("error_occurred") and counter in b:
            results.append({"name": name, "value": b[counter] * scale, "unit": unit,
                            "peer": None, "peer_value": None})
    # Host-resident features (issue 5): the zero-copy gather against a plain pinned copy, and a
    # GraphSAGE step with features on the host against max(moving its feature bytes at the
    # pinned copy's bandwidth, the same step with features on the GPU). Lower ratio is better.
    h2d = by_name.get("BM_HostToDevicePinned/256_median", {}).get("bytes_per_second")
    gh = by_name.get("BM_GatherRowsHost/128_median", {}).get("bytes_per_second")
    if h2d and gh:
        results.append({"name": "h2d_bw_fraction", "value": gh / h2d, "unit": "fraction",
                        "peer": "plain pinned cudaMemcpy", "peer_value": 1.0})
    # Both ways of moving host features (--host-gather zero-copy | cpu): each one's ratio, and
    # the headline ratio for the default (zero-copy) with the other as its peer.
    gpu_step = by_name.get("BM_SageTrainStep/products_median", {})
    to_s = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    ratios = {}
    for how in ("zero_copy", "cpu"):
        host_step = by_name.get(f"BM_SageTrainStepHostFeatures/{how}_median", {})
        if h2d and host_step.get("real_time") and gpu_step.get("real_time") and "feature_bytes_per_step" in host_step:
            t_host = host_step["real_time"] * to_s[host_step.get("time_unit", "ms")]
            t_gpu = gpu_step["real_time"] * to_s[gpu_step.get("time_unit", "ms")]
            t_move = host_step["feature_bytes_per_step"] / h2d
            ratios[how] = t_host / max(t_move, t_gpu)
    if "zero_copy" in ratios:
        results.append({"name": "pipeline_host_features_epoch_ratio", "value": ratios["zero_copy"],
                        "unit": "ratio", "peer": "--host-gather cpu" if "cpu" in ratios else None,
                        "peer_value": ratios.get("cpu")})
    if "cpu" in ratios:
        results.append({"name": "pipeline_host_features_epoch_ratio_cpu_gather", "value": ratios["cpu"],
                        "unit": "ratio", "peer": None, "peer_value": None})
    # Sweeps (for bench/plot_results.py): one row per point, the axis values in the name.
    for name, b in by_name.items():
        if b.get("error_occurred"):
            continue
        if name.startswith("BM_SageSweep/") and "items_per_second" in b:
            point = name[len("BM_SageSweep/"):].replace("_median", "").replace("/", ",")
            results.append({"name": "sweep.sage_train_seeds_per_s[" + point + "]", "value": b["items_per_second"],
                            "unit": "seeds/s", "peer": None, "peer_value": None})
        if name.startswith("BM_AggregateMeanForward/tuned/") and "frac_of_copy" in b:
            dim = name.split("/")[2].replace("_median", "")
            results.append({"name": "sweep.aggregate_mean_bw_fraction[dim:" + dim + "]", "value": b["frac_of_copy"],
                            "unit": "fraction", "peer": None, "peer_value": None})
    for r in e2e.get("results", []):
        results.append(r)
    # Peers measured in the same run (bench/compare_pyg.py).
    compare = load(os.path.join(out, "compare.json")) or {}
    by_metric = {r["name"]: r for r in results}
    for c in compare.get("results", []):
        mine = by_metric.get(c["name"])
        if mine is not None:
            mine["peer"], mine["peer_value"] = c["peer"], c["peer_value"]
        elif c["name"] == "sbm20k_test_accuracy" and "sbm20k_test_accuracy_cuda" in by_metric:
            results.append({"name": "sbm20k_test_accuracy_vs_pyg", "value": by_metric["sbm20k_test_accuracy_cuda"]["value"],
                            "unit": "fraction", "peer": c["peer"], "peer_value": c["peer_value"]})
        elif c["name"] == "sbm20k_train_seeds_per_s" and "sbm20k_train_seeds_per_s_cuda" in by_metric:
            results.append({"name": "sbm20k_train_seeds_per_s_vs_pyg",
                            "value": by_metric["sbm20k_train_seeds_per_s_cuda"]["value"], "unit": "seeds/s",
                            "peer": c["peer"], "peer_value": c["peer_value"]})
    doc = {"gpu": gpu, "commit": args.commit,
           "date": datetime.date.today().isoformat(), "results": results}
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(doc, f, indent=1)

    print()
    print(f"== grl gpu-check: {gpu}, commit {args.commit[:12]} ==")
    for name, detail, verdict in rows:
        print(f"{verdict:8s} {name:34s} {detail}")
    print()
    for name, t, extra in bench_rows:
        print(f"  {name:52s} {t:>14s}  {extra}")
    print()
    for r in results:
        if r["name"].startswith("sweep."):
            continue
        peer = ""
        if r.get("peer_value") is not None and r.get("value"):
            peer = f"   peer {r['peer_value']:.4g} (x{r['value'] / r['peer_value']:.2f}) {r['peer']}"
        print(f"  {r['name']:34s} {r['value']:.4g} {r['unit']}{peer}")
    print("\nOVERALL:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
