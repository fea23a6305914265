// GPU sampler == CPU reference, element for element (same Philox draws, same first-occurrence
// relabelling), over graphs with hubs, zero-degree nodes and the top id, with and without
// replacement, repeated seeds, partial batches and an empty batch; weighted graphs too.
#include <gtest/gtest.h>

#include "host/graph/alias_table.h"
#include "host/ops/backend.h"
#include "host/pipeline/sample_plan.h"
#include "host/reference/sampling_ref.h"
#include "tests/gpu/gpu_graphs.h"
#include "tests/gpu/gpu_test_util.h"

namespace grl {
namespace {

struct Case {
  std::vector<int> fanouts;
  bool replace;
  int64_t batch;
  bool repeats;
};

// A weighted csr (csr.weighted()) samples in proportion to its weights, through `alias`.
void compare(const Csr& csr, const std::vector<NodeId>& seeds, const SampleLayout& L,
             const SampleParams& p, const std::string& what,
             const Array<EdgeAlias>* alias = nullptr) {
  const int K = L.num_hops;
  // CPU reference.
  std::vector<NodeId> r_nodes(L.max_nodes + 1);
  std::vector<int32_t> r_hop(K + 1), r_seed(seeds.size() + 1), r_cnt(L.total_rows + 1),
      r_nbr(L.total_slots + 1);
  CsrView host_view = csr.view();
  if (alias) host_view.alias = alias->data();
  ref::sample_neighbors(
      host_view, Span<const NodeId>{seeds.data(), static_cast<int64_t>(seeds.size())}, L, p,
      SampleOutput{r_nodes.data(), r_hop.data(), r_seed.data(), r_cnt.data(), r_nbr.data()});
  // GPU.
  test::Stream s;
  auto off = test::to_device(csr.offsets.to_vector());
  auto idx = test::to_device(csr.indices.to_vector());
  auto d_seeds = test::to_device(seeds);
  test::DeviceBuffer<NodeId> nodes(L.max_nodes + 1);
  test::DeviceBuffer<int32_t> hop(K + 1), seed_local(seeds.size() + 1), cnt(L.total_rows + 1),
      nbr(L.total_slots + 1);
  test::poison(nodes);
  test::poison(hop);
  test::poison(seed_local);
  test::poison(cnt);
  test::poison(nbr);
  test::DeviceBuffer<char> scratch(sample_scratch_bytes(L));
  CsrView g{off.data(), idx.data(), nullptr, csr.num_rows(), csr.num_edges()};
  auto d_weights = test::to_device(alias ? csr.weights.to_vector() : std::vector<float>{});
  auto d_alias = test::to_device(alias ? alias->to_vector() : std::vector<EdgeAlias>{});
  if (alias) {
    g.weights = d_weights.data();
    g.alias = d_alias.data();
  }
  launch_sample_neighbors(
      g, Span<const NodeId>{d_seeds.data(), static_cast<int64_t>(seeds.size())}, L, p,
      SampleOutput{nodes.data(), hop.data(), seed_local.data(), cnt.data(), nbr.data()},
      bind_sample_scratch(L, scratch.data()), s);
  s.synchronize();
  auto g_hop = test::to_host(hop, K + 1);
  ASSERT_EQ(g_hop, r_hop) << what;
  auto g_nodes = test::to_host(nodes, r_hop[K]);
  for (int32_t i = 0; i < r_hop[K]; ++i) ASSERT_EQ(g_nodes[i], r_nodes[i]) << what << " node " << i;
  auto g_seed = test::to_host(seed_local, seeds.size());
  for (size_t i = 0; i < seeds.size(); ++i)
    ASSERT_EQ(g_seed[i], r_seed[i]) << what << " seed " << i;
  auto g_cnt = test::to_host(cnt, L.total_rows);
  auto g_nbr = test::to_host(nbr, L.total_slots);
  int64_t edges = 0;
  for (int h = 0; h < K; ++h) {
    const int32_t rows = r_hop[h] - (h == 0 ? 0 : r_hop[h - 1]);
    for (int32_t r = 0; r < rows; ++r) {
      const int64_t ri = L.row_offset[h] + r;
      ASSERT_EQ(g_cnt[ri], r_cnt[ri]) << what << " hop " << h + 1 << " row " << r;
      for (int j = 0; j < r_cnt[ri]; ++j) {
        const int64_t si = L.slot_offset[h] + int64_t{r} * L.fanouts[h] + j;
        ASSERT_EQ(g_nbr[si], r_nbr[si])
            << what << " hop " << h + 1 << " row " << r << " slot " << j;
      }
      edges += r_cnt[ri];
    }
  }
  SUCCEED() << what << ": " << r_hop[K] << " nodes, " << edges << " sampled edges";
}

TEST(GpuSampling, EqualsCpuReference) {
  GRL_REQUIRE_GPU();
  const bool small = test::small_sizes();
  const NodeId n = small ? 3000 : 200000;
  const Csr csr = test::random_csr(n, small ? 30000 : 3000000, 11);
  const std::vector<Case> cases = {
      {{5}, false, 64, false},           {{25, 10}, false, 512, true},
      {{15, 10, 5}, false, 1024, false}, {{15, 10, 5}, true, 1024, true},
      {{1, 1, 1, 1}, false, 300, false}, {{40, 3}, false, 200, true},
      {{255}, false, 50, false},         {{2, 2}, true, 1, false},
  };
  for (const Case& c : cases) {
    for (uint32_t epoch : {0u, 7u}) {
      SampleLayout L = make_sample_layout(c.batch, c.fanouts, n);
      auto seeds = test::random_seeds(n, c.batch, 100 + epoch, c.repeats);
      SampleParams p{12345, epoch, c.replace};
      std::string what = "fanouts[0]=" + std::to_string(c.fanouts[0]) +
                         " hops=" + std::to_string(c.fanouts.size()) +
                         " replace=" + std::to_string(c.replace) +
                         " epoch=" + std::to_string(epoch);
      compare(csr, seeds, L, p, what);
      if (HasFatalFailure()) return;
      // A partial batch in the same layout.
      std::vector<NodeId> half(seeds.begin(), seeds.begin() + seeds.size() / 2);
      compare(csr, half, L, p, what + " half batch");
      if (HasFatalFailure()) return;
    }
  }
}

// Weighted graphs: draws through each row's alias table (with and without replacement), zero
// weights, rows of zero weight only, and a hub whose heavy edge sends the sampler to its exact
// scan, on the same graphs and cases as above.
TEST(GpuSampling, WeightedEqualsCpuReference) {
  GRL_REQUIRE_GPU();
  const bool small = test::small_sizes();
  const NodeId n = small ? 3000 : 200000;
  Csr csr = test::random_csr(n, small ? 30000 : 3000000, 12);
  test::add_random_weights(csr, 5);
  const Array<EdgeAlias> alias = build_edge_alias(csr);
  NodeId hub = 0;
  for (NodeId v = 0; v < n; ++v)
    if (csr.degree(v) > csr.degree(hub)) hub = v;
  const std::vector<Case> cases = {
      {{5}, false, 64, false},     {{25, 10}, false, 512, true}, {{15, 10, 5}, true, 1024, false},
      {{40, 3}, false, 200, true}, {{255}, false, 50, false},    {{2, 2}, true, 1, false},
  };
  for (const Case& c : cases) {
    for (uint32_t epoch : {0u, 3u}) {
      SampleLayout L = make_sample_layout(c.batch, c.fanouts, n);
      auto seeds = test::random_seeds(n, c.batch, 200 + epoch, c.repeats);
      seeds[0] = hub;  // every batch takes the heavy row
      SampleParams p{777, epoch, c.replace};
      const std::string what = "weighted fanouts[0]=" + std::to_string(c.fanouts[0]) +
                               " hops=" + std::to_string(c.fanouts.size()) +
                               " replace=" + std::to_string(c.replace) +
                               " epoch=" + std::to_string(epoch);
      compare(csr, seeds, L, p, what, &alias);
      if (HasFatalFailure()) return;
    }
  }
}

TEST(GpuSampling, DegenerateCases) {
  GRL_REQUIRE_GPU();
  // A star (hub 0), a path, isolated nodes and the top id.
  EdgeList e;
  const NodeId n = 1000;
  for (NodeId v = 1; v < 600; ++v) {
    e.src.push_back(0);
    e.dst.push_back(v);
  }
  for (NodeId v = 600; v < 700; ++v) {
    e.src.push_back(v);
    e.dst.push_back(v + 1);
  }
  e.src.push_back(n - 1);
  e.dst.push_back(n - 2);
  Csr csr = build_csr(std::move(e), n, n, CsrBuildOptions{});
  SampleLayout L = make_sample_layout(16, {3, 2}, n);
  for (bool replace : {false, true}) {
    compare(csr, {}, L, SampleParams{1, 0, replace}, "empty batch");
    compare(csr, {800, 900, 950}, L, SampleParams{1, 0, replace}, "isolated seeds");
    compare(csr, {0, 0, 0, n - 1, 650, 0}, L, SampleParams{1, 0, replace}, "hub, repeats, top id");
    compare(csr, {n - 1, n - 2, 1, 2, 3}, L, SampleParams{9, 3, replace}, "degree below fanout");
  }
}

// The CUDA backend captures the sampler as a CUDA graph and replays it: new seed contents in the
// same buffers, and new epochs (new captures, evicting old ones), must still match the reference.
TEST(GpuSampling, BackendGraphReplaysMatchReference) {
  GRL_REQUIRE_GPU();
  const NodeId n = test::small_sizes() ? 3000 : 50000;
  const Csr csr = test::random_csr(n, int64_t{n} * 10, 21);
  auto be = test::make_gpu_backend();
  const int64_t batch = 256;
  SampleLayout L = make_sample_layout(batch, {10, 5}, n);
  Buffer<EdgeIndex> off(*be, csr.offsets.size(), "t");
  Buffer<NodeId> idx(*be, csr.indices.size(), "t"), seeds(*be, batch, "t"),
      nodes(*be, L.max_nodes, "t");
  Buffer<int32_t> hop(*be, L.num_hops + 1, "t"), seed_local(*be, batch, "t"),
      cnt(*be, L.total_rows, "t"), nbr(*be, L.total_slots, "t");
  Buffer<char> scratch(*be, be->sample_scratch_bytes(L), "t");
  off.upload(csr.offsets.data(), csr.offsets.size());
  idx.upload(csr.indices.data(), csr.indices.size());
  CsrView g{off.data(), idx.data(), nullptr, n, csr.num_edges()};
  for (int round = 0; round < 14; ++round) {
    const uint32_t epoch =
        static_cast<uint32_t>(round / 2);  // 7 epochs: more than the graph cache holds
    const int64_t size = round % 3 == 2 ? batch / 2 : batch;
    auto s = test::random_seeds(n, size, 500 + round, false);
    seeds.upload(s.data(), s.size());
    SampleParams p{77, epoch, false};
    be->sample_neighbors(
        g, Span<const NodeId>{seeds.data(), static_cast<int64_t>(s.size())}, L, p,
        SampleOutput{nodes.data(), hop.data(), seed_local.data(), cnt.data(), nbr.data()},
        scratch.data());
    std::vector<int32_t> got_hop(L.num_hops + 1);
    hop.download(got_hop.data(), got_hop.size());
    std::vector<NodeId> got_nodes(got_hop[L.num_hops]);
    nodes.download(got_nodes.data(), got_nodes.size());
    std::vector<NodeId> r_nodes(L.max_nodes);
    std::vector<int32_t> r_hop(L.num_hops + 1), r_seed(batch), r_cnt(L.total_rows),
        r_nbr(L.total_slots);
    ref::sample_neighbors(
        csr.view(), Span<const NodeId>{s.data(), static_cast<int64_t>(s.size())}, L, p,
        SampleOutput{r_nodes.data(), r_hop.data(), r_seed.data(), r_cnt.data(), r_nbr.data()});
    ASSERT_EQ(got_hop, r_hop) << "round " << round;
    for (size_t i = 0; i < got_nodes.size(); ++i)
      ASSERT_EQ(got_nodes[i], r_nodes[i]) << "round " << round << " node " << i;
  }
}

}  // namespace
}  // namespace grl
