#!/usr/bin/env python3
"""Runs grl's workloads through PyTorch Geometric on the same GPU, in the same run, and prints
grl/peer ratios with the accuracy each side reached on the same data.

Peers (what they are, honestly):
  sampling      PyG has no GPU sampler without pyg-lib (not installed on our GPU machines), so
                the peer is a vectorised PyTorch sampler: uniform WITH replacement per hop,
                deduplication and relabelling by torch.unique/isin/searchsorted. Counted like
                grl's: sampled edges per second, fanouts 15,10,5, batch 1024.
  aggregation   x.index_select + torch_geometric.utils.scatter (mean / max), 500,000
                destinations x 10 neighbours x 128 from a 2,000,000-row table; useful bytes
                counted exactly as grl's benchmark counts them, as a fraction of a torch
                device-to-device copy measured in the same run.
  training      3 x SAGEConv (mean), hidden 256, on the vectorised sampler's subgraphs,
                fanouts 15,10,5, batch 1024, Adam, on the products-sized graph: seeds/s.
  accuracy      the same model recipe on the demo sbm (grl's defaults: fanouts 25,10, hidden
                256, batch 512, 10 epochs, lr 0.01, dropout 0.5, weight decay 5e-4).
Skip-gram (with --walk-graph, the R-MAT graph of grl's BM_RandomWalk converted by grl):
  walks         a vectorised PyTorch uniform walker: 2M walks of length 40 from the first 2M
                non-isolated nodes, as BM_RandomWalk/uniform; walk steps per second.
  sgns          a hand-written PyTorch SGNS: (centre, context) pairs of those walks within a
                full window of 5, 1M-pair batches, 5 negatives per pair from unigram^0.75,
                dim 128, plain SGD through index_add_; positive pairs per second (BM_Sgns/128).
  metapath2vec  torch_geometric.nn.MetaPath2Vec as its example runs it (CPU loader workers,
                SparseAdam, batch 128 start nodes, walk length 40, context size 6, 5
                negatives, dim 128) on an academic graph of grl's BM_RandomWalk/metapath shape
                (500k authors, 1M papers, 5k venues, 8 areas, 3 authors per paper) generated
                here: same shape, not the same edges. Positive pairs per second (throughput
                only: its F1 is not measured here).
Needs only torch and torch_geometric; no network.

Usage: compare_pyg.py --products DIR --sbm DIR [--walk-graph DIR] [--grl-bench bench.json]
                      [--grl-e2e e2e.json] [--out compare.json] [--quick] [--only skipgram]
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from grl_graph import read_grl_graph  # noqa: E402


def timed(fn, warmup=2, iters=10):
    """Median milliseconds of fn() by CUDA events (wall clock on the CPU)."""
    for _ in range(warmup):
        fn()
    times = []
    cuda = torch.cuda.is_available()
    for _ in range(iters):
        if cuda:
            a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            a.record()
            fn()
            b.record()
            b.synchronize()
            times.append(a.elapsed_time(b))
        else:
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(times))


def copy_bandwidth(dev, mib=1024):
    src = torch.empty(mib << 18, dtype=torch.float32, device=dev).uniform_()
    dst = torch.empty_like(src)
    ms = timed(lambda: dst.copy_(src), 2, 10)
    return 2 * src.numel() * 4 / (ms / 1e3)


class Sampler:
    """Vectorised uniform sampler (with replacement), dedup + relabel, PyG-style nested prefix."""

    def __init__(self, rowptr, col):
        self.rowptr, self.col = rowptr, col

    def __call__(self, seeds, fanouts):
        dev = seeds.device
        nodes = seeds
        frontier = seeds
        srcs, dsts = [], []
        edges = 0
        base = 0  # local id of frontier[0]
        for k in fanouts:
            start = self.rowptr[frontier]
            deg = self.rowptr[frontier + 1] - start
            r = (torch.rand(frontier.numel(), k, device=dev) * deg[:, None]).long()
            mask = (deg > 0)[:, None].expand(-1, k)
            nb = self.col[(start[:, None] + r)[mask]].long()
            row = (torch.arange(frontier.numel(), device=dev)[:, None].expand(-1, k))[mask] + base
            edges += nb.numel()
            # New nodes in first-occurrence order are not needed for correctness here; sorted is fine.
            uniq = torch.unique(nb)
            new = uniq[~torch.isin(uniq, nodes)]
            all_nodes = torch.cat([nodes, new])
            order = torch.argsort(all_nodes)
            pos = torch.searchsorted(all_nodes[order], nb)
            local = order[pos]
            srcs.append(local)
            dsts.append(row)
            base = nodes.numel()
            nodes = all_nodes
            frontier = new
        edge_index = torch.stack([torch.cat(srcs), torch.cat(dsts)])
        return nodes, edge_index, edges


def uniform_walks(rowptr, col, starts, length, count=False):
    """Vectorised uniform walks; a walk at a node without neighbours stays there (ended).
    Returns (walks [n x length], steps actually taken if count else 0)."""
    cur = starts
    out = [cur]
    steps = 0
    for _ in range(length - 1):
        begin = rowptr[cur]
        deg = rowptr[cur + 1] - begin
        alive = deg > 0
        pick = begin + (torch.rand(cur.numel(), device=cur.device) * deg).long()
        nxt = torch.where(alive, col[torch.where(alive, pick, torch.zeros_like(pick))].long(), cur)
        if count:
            steps += int(alive.sum())
        cur = nxt
        out.append(cur)
    return torch.stack(out, dim=1), steps


def sgns_peer(walks, num_nodes, dim, window, negatives, batch, dev, iters):
    """Hand-written PyTorch SGNS over the walks' pairs: returns (ms per batch, pairs per batch)."""
    n, length = walks.shape
    centres, contexts = [], []
    for off in range(1, window + 1):  # full window both ways
        centres += [walks[:, :-off].reshape(-1), walks[:, off:].reshape(-1)]
        contexts += [walks[:, off:].reshape(-1), walks[:, :-off].reshape(-1)]
    c_all, o_all = torch.cat(centres), torch.cat(contexts)
    counts = torch.bincount(walks.reshape(-1), minlength=num_nodes).float()
    noise = counts.pow(0.75)
    noise /= noise.sum()
    emb_in = (torch.rand(num_nodes, dim, device=dev) - 0.5) / dim
    emb_out = torch.zeros(num_nodes, dim, device=dev)
    lr = 0.025
    state = {"i": 0}
    total = c_all.numel()

    def step():
        lo = (state["i"] * batch) % max(1, total - batch)
        state["i"] += 1
        c, o = c_all[lo:lo + batch], o_all[lo:lo + batch]
        neg = torch.multinomial(noise, c.numel() * negatives, replacement=True).view(-1, negatives)
        vc = emb_in[c]                                    # B x d
        vo = emb_out[o]                                   # B x d
        vn = emb_out[neg]                                 # B x k x d
        gpos = torch.sigmoid((vc * vo).sum(1)) - 1.0      # d loss / d score
        gneg = torch.sigmoid(torch.einsum("bd,bkd->bk", vc, vn))
        d_in = gpos[:, None] * vo + torch.einsum("bk,bkd->bd", gneg, vn)
        emb_out.index_add_(0, o, -lr * gpos[:, None] * vc)
        emb_out.index_add_(0, neg.reshape(-1), (-lr * gneg[:, :, None] * vc[:, None, :]).reshape(-1, dim))
        emb_in.index_add_(0, c, -lr * d_in)

    ms = timed(step, 2, iters)
    return ms, batch


def academic_edges(authors, papers, venues, areas, gen):
    """An academic graph of grl's synthetic:academic shape: each paper has an area, 3 authors and
    a venue, each of the paper's area with probability 0.9."""
    paper_area = torch.randint(0, areas, (papers,), generator=gen)

    def pick(count, k):
        same = torch.rand(papers, k, generator=gen) < 0.9
        inside = paper_area[:, None] + areas * torch.randint(0, count // areas, (papers, k), generator=gen)
        anywhere = torch.randint(0, count, (papers, k), generator=gen)
        return torch.where(same, inside, anywhere)

    au = pick(authors, 3)
    ve = pick(venues, 1)
    p3 = torch.arange(papers).repeat_interleave(3)
    writes = torch.stack([au.reshape(-1), p3])
    published = torch.stack([torch.arange(papers), ve.reshape(-1)])
    return {
        ("author", "writes", "paper"): writes,
        ("paper", "written_by", "author"): writes.flip(0),
        ("paper", "published_in", "venue"): published,
        ("venue", "publishes", "paper"): published.flip(0),
    }


def metapath2vec_peer(dev, quick):
    from torch_geometric.nn import MetaPath2Vec

    gen = torch.Generator().manual_seed(3)
    sizes = (500_000, 1_000_000, 5_000, 8) if not quick else (4_000, 8_000, 80, 8)
    edges = academic_edges(*sizes, gen)
    metapath = [("author", "writes", "paper"), ("paper", "published_in", "venue"),
                ("venue", "publishes", "paper"), ("paper", "written_by", "author")]
    context = 6
    model = MetaPath2Vec(edges, embedding_dim=128, metapath=metapath, walk_length=40,
                         context_size=context, walks_per_node=1, num_negative_samples=5,
                         sparse=True).to(dev)
    workers = min(16, os.cpu_count() or 1) if not quick else 0
    loader = model.loader(batch_size=128, shuffle=True, num_workers=workers)
    opt = torch.optim.SparseAdam(list(model.parameters()), lr=0.01)
    batches, pairs = 0, 0
    warm, measure = (5, 60) if not quick else (1, 3)
    t0 = None
    for pos_rw, neg_rw in loader:
        if batches == warm:
            if dev.type == "cuda":
                torch.cuda.synchronize()
            t0 = time.perf_counter()
        opt.zero_grad()
        loss = model.loss(pos_rw.to(dev), neg_rw.to(dev))
        loss.backward()
        opt.step()
        if batches >= warm:
            pairs += pos_rw.size(0) * (context - 1)
        batches += 1
        if batches == warm + measure:
            break
    if dev.type == "cuda":
        torch.cuda.synchronize()
    return pairs / (time.perf_counter() - t0)


def skipgram_peers(a, dev, rows):
    g = read_grl_graph(a.walk_graph)
    rowptr = torch.from_numpy(np.asarray(g["csr.offsets"])).to(dev)
    col = torch.from_numpy(np.asarray(g["csr.indices"])).to(dev)
    n = rowptr.numel() - 1
    deg = rowptr[1:] - rowptr[:-1]
    nonisolated = torch.nonzero(deg > 0).view(-1)
    num_walks, length = (2_000_000, 40) if not a.quick else (20_000, 40)
    starts = nonisolated[:num_walks]
    if starts.numel() < num_walks:
        starts = starts.repeat((num_walks + starts.numel() - 1) // starts.numel())[:num_walks]
    # Steps taken: counted once on a sample of the walks (ended walks take no more steps).
    _, sample_steps = uniform_walks(rowptr, col, starts[:50_000], length, count=True)
    steps = sample_steps * (num_walks / min(num_walks, 50_000))
    ms = timed(lambda: uniform_walks(rowptr, col, starts, length), 1, 5 if not a.quick else 2)
    wsps = steps / (ms / 1e3)
    rows.append({"name": "walk_steps_per_s", "peer_value": wsps, "unit": "steps/s",
                 "note": "vectorised PyTorch uniform walker"})
    print(f"PyTorch uniform walker: {ms:.1f} ms for {num_walks} walks of length {length}, {wsps:.3g} steps/s",
          flush=True)

    walks, _ = uniform_walks(rowptr, col, starts[:50_000], length)
    ms, pairs = sgns_peer(walks, n, 128, 5, 5, 1_000_000 if not a.quick else 20_000, dev, 10 if not a.quick else 2)
    pps = pairs / (ms / 1e3)
    rows.append({"name": "sgns_pairs_per_s", "peer_value": pps, "unit": "pairs/s",
                 "note": "hand-written PyTorch SGNS, 1M-pair batches"})
    print(f"PyTorch SGNS: {ms:.1f} ms per batch of {pairs} pairs, {pps:.3g} pairs/s", flush=True)
    del rowptr, col, walks

    pps = metapath2vec_peer(dev, a.quick)
    rows.append({"name": "metapath2vec_pairs_per_s", "peer_value": pps, "unit": "pairs/s",
                 "note": "PyG MetaPath2Vec, academic graph of the same shape"})
    print(f"PyG MetaPath2Vec: {pps:.3g} positive pairs/s", flush=True)


def build_model(in_dim, hidden, classes, layers, dropout):
    from torch_geometric.nn import SAGEConv

    class SAGE(torch.nn.Module):
        def __init__(self):
            super().__init__()
            dims = [in_dim] + [hidden] * (layers - 1) + [classes]
            self.convs = torch.nn.ModuleList(SAGEConv(dims[i], dims[i + 1], aggr="mean") for i in range(layers))

        def forward(self, x, edge_index):
            for i, conv in enumerate(self.convs):
                x = conv(x, edge_index)
                if i < len(self.convs) - 1:
                    x = torch.nn.functional.dropout(torch.relu(x), p=dropout, training=self.training)
            return x

    return SAGE()


def load_graph(directory, dev):
    g = read_grl_graph(directory)
    rowptr = torch.from_numpy(np.asarray(g["csr.offsets"])).to(dev)
    col = torch.from_numpy(np.asarray(g["csr.indices"])).to(dev)
    x = torch.from_numpy(np.asarray(g["features"])).to(dev)
    y = torch.from_numpy(np.asarray(g["labels.single"])).long().to(dev)
    return g, rowptr, col, x, y


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--products", help="grl graph dir of the products-sized sbm")
    ap.add_argument("--sbm", help="grl graph dir of the demo sbm")
    ap.add_argument("--walk-graph", help="grl graph dir of BM_RandomWalk's R-MAT graph (skip-gram peers)")
    ap.add_argument("--only", choices=["all", "sage", "skipgram"], default="all")
    ap.add_argument("--grl-bench", help="grl_bench JSON output (for ratios)")
    ap.add_argument("--grl-e2e", help="tools/gpu_e2e.py e2e.json (grl's accuracy on the demo sbm)")
    ap.add_argument("--out", default="compare.json")
    ap.add_argument("--quick", action="store_true", help="smaller sizes (for a smoke test)")
    a = ap.parse_args()
    if a.only != "skipgram" and not (a.products and a.sbm):
        ap.error("--products and --sbm are needed unless --only skipgram")
    if a.only == "skipgram" and not a.walk_graph:
        ap.error("--only skipgram needs --walk-graph")
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(0)
    import torch_geometric
    from torch_geometric.utils import scatter

    peer = f"PyG {torch_geometric.__version__} + torch {torch.__version__}"
    print(f"peer: {peer} on {torch.cuda.get_device_name() if dev.type == 'cuda' else 'cpu'}", flush=True)
    rows = []
    ceiling = copy_bandwidth(dev, 1024 if not a.quick else 16)
    print(f"copy ceiling (torch): {ceiling / 1e9:.0f} GB/s", flush=True)

    if a.walk_graph and a.only != "sage":
        skipgram_peers(a, dev, rows)
    if a.only != "skipgram":
        sage_rows(a, dev, rows, ceiling, scatter)
    report(a, rows, peer, ceiling)
    return 0


def sage_rows(a, dev, rows, ceiling, scatter):
    # Aggregation: index_select + scatter.
    table_rows, dst, k, dim = (2_000_000, 500_000, 10, 128) if not a.quick else (20_000, 5_000, 10, 32)
    table = torch.rand(table_rows, dim, device=dev)
    src = torch.randint(0, table_rows, (dst * k,), device=dev)
    index = torch.arange(dst, device=dev).repeat_interleave(k)
    useful = dst * k * dim * 4 + dst * dim * 4 + dst * k * 4
    for reduce in ("mean", "max"):
        ms = timed(lambda: scatter(table.index_select(0, src), index, dim=0, dim_size=dst, reduce=reduce))
        frac = useful / (ms / 1e3) / ceiling
        rows.append({"name": f"aggregate_{reduce}_bw_fraction", "peer_value": frac, "unit": "fraction"})
        print(f"PyG index_select+scatter({reduce}): {ms:.2f} ms, {frac:.3f} of copy", flush=True)
    del table, src, index

    # Sampling and training on the products-sized graph.
    g, rowptr, col, x, y = load_graph(a.products, dev)
    n = rowptr.numel() - 1
    sampler = Sampler(rowptr, col)
    fanouts, batch = [15, 10, 5], 1024
    perm = torch.randperm(n, device=dev)
    state = {"i": 0}

    def next_seeds():
        s = perm[(state["i"] * batch) % (n - batch):][:batch]
        state["i"] += 1
        return s

    edges = sampler(next_seeds(), fanouts)[2]
    ms = timed(lambda: sampler(next_seeds(), fanouts), 2, 10 if not a.quick else 3)
    seps = edges / (ms / 1e3)
    rows.append({"name": "sample_seps", "peer_value": seps, "unit": "edges/s",
                 "note": "vectorised PyTorch sampler, with replacement"})
    print(f"PyTorch vectorised sampler: {ms:.2f} ms per batch, {edges} edges, {seps:.3g} edges/s", flush=True)

    model = build_model(x.shape[1], 256, int(y.max()) + 1, 3, 0.5).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)

    def step():
        seeds = next_seeds()
        nodes, ei, _ = sampler(seeds, fanouts)
        model.train()
        opt.zero_grad()
        out = model(x[nodes], ei)[: seeds.numel()]
        loss = torch.nn.functional.cross_entropy(out, y[seeds])
        loss.backward()
        opt.step()

    ms = timed(step, 3, 20 if not a.quick else 3)
    sps = batch / (ms / 1e3)
    rows.append({"name": "sage_train_seeds_per_s", "peer_value": sps, "unit": "seeds/s"})
    print(f"PyG SAGE training step: {ms:.2f} ms, {sps:.0f} seeds/s", flush=True)
    del x, rowptr, col, g

    # Accuracy on the demo sbm with grl's default recipe.
    g, rowptr, col, x, y = load_graph(a.sbm, dev)
    n = rowptr.numel() - 1
    sampler = Sampler(rowptr, col)
    gen = torch.Generator(device="cpu").manual_seed(0)
    order = torch.randperm(n, generator=gen).to(dev)
    ntr, nva = int(0.6 * n), int(0.2 * n)
    train, test = order[:ntr], order[ntr + nva:]
    model = build_model(x.shape[1], 256, int(y.max()) + 1, 2, 0.5).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
    t0 = time.time()
    for epoch in range(10):
        model.train()
        for b in train[torch.randperm(ntr, device=dev)].split(512):
            nodes, ei, _ = sampler(b, [25, 10])
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x[nodes], ei)[: b.numel()], y[b]).backward()
            opt.step()
    if dev.type == "cuda":
        torch.cuda.synchronize()
    train_s = time.time() - t0
    model.eval()
    correct = 0
    with torch.no_grad():
        for b in test.split(2048):
            nodes, ei, _ = sampler(b, [25, 10])
            correct += int((model(x[nodes], ei)[: b.numel()].argmax(1) == y[b]).sum())
    acc = correct / test.numel()
    rows.append({"name": "sbm20k_test_accuracy", "peer_value": acc, "unit": "fraction"})
    rows.append({"name": "sbm20k_train_seeds_per_s", "peer_value": 10 * ntr / train_s, "unit": "seeds/s"})
    print(f"PyG SAGE on the demo sbm: test accuracy {acc:.4f}, {10 * ntr / train_s:.0f} seeds/s", flush=True)


def report(a, rows, peer, ceiling):
    # grl's side of each row, from this run's files.
    grl = {}
    if a.grl_bench and os.path.exists(a.grl_bench):
        for b in json.load(open(a.grl_bench)).get("benchmarks", []):
            if b.get("aggregate_name", "median") != "median" or b.get("error_occurred"):
                continue
            name = b["name"].replace("_median", "").replace("/manual_time", "").replace("/real_time", "")
            if name == "BM_AggregateMeanForward/tuned/128":
                grl["aggregate_mean_bw_fraction"] = b.get("frac_of_copy")
            elif name == "BM_AggregateMaxForward/tuned/128":
                grl["aggregate_max_bw_fraction"] = b.get("frac_of_copy")
            elif name == "BM_SampleProducts/graph":
                grl["sample_seps"] = b.get("items_per_second")
            elif name == "BM_SageTrainStep/products":
                grl["sage_train_seeds_per_s"] = b.get("items_per_second")
            elif name == "BM_RandomWalk/uniform":
                grl["walk_steps_per_s"] = b.get("items_per_second")
            elif name == "BM_Sgns/128":
                # The same kernel trains DeepWalk, node2vec and metapath2vec embeddings.
                grl["sgns_pairs_per_s"] = grl["metapath2vec_pairs_per_s"] = b.get("items_per_second")
    if a.grl_e2e and os.path.exists(a.grl_e2e):
        for r in json.load(open(a.grl_e2e)).get("results", []):
            if r["name"] == "sbm20k_test_accuracy_cuda":
                grl["sbm20k_test_accuracy"] = r["value"]
            if r["name"] == "sbm20k_train_seeds_per_s_cuda":
                grl["sbm20k_train_seeds_per_s"] = r["value"]
    results = []
    print(f"\n{'metric':32s} {'grl':>12s} {'peer':>12s} {'grl/peer':>9s}")
    for r in rows:
        v = grl.get(r["name"])
        ratio = v / r["peer_value"] if v and r["peer_value"] else None
        results.append({"name": r["name"], "value": v, "unit": r["unit"], "peer": peer + (
            " (" + r["note"] + ")" if "note" in r else ""), "peer_value": r["peer_value"]})
        print(f"{r['name']:32s} {v if v is not None else float('nan'):12.4g} {r['peer_value']:12.4g} "
              f"{ratio if ratio else float('nan'):9.2f}")
    with open(a.out, "w") as f:
        json.dump({"peer": peer, "copy_bytes_per_second": ceiling, "results": results}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
