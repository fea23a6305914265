// Walks on the GPU == the CPU reference exactly (uniform, weighted, node2vec, meta-path; counts
// and early ends too), both kernel variants, 32- and 64-bit offsets.
#include "kernels/walk.h"

#include <gtest/gtest.h>

#include "host/graph/alias_table.h"
#include "host/io/synthetic.h"
#include "host/reference/walk_ref.h"
#include "tests/gpu/gpu_graphs.h"
#include "tests/gpu/gpu_test_util.h"

namespace grl {
namespace {

struct DeviceCsr {
  test::DeviceBuffer<EdgeIndex> off;
  test::DeviceBuffer<NodeId> idx;
  CsrView view;
  explicit DeviceCsr(const Csr& c)
      : off(test::to_device(c.offsets.to_vector())), idx(test::to_device(c.indices.to_vector())) {
    view = CsrView{off.data(), idx.data(), nullptr, c.num_rows(), c.num_edges()};
  }
};

// Walks of the CPU reference with spec s against both GPU kernels with spec ds (s with device
// pointers where it has any).
void compare_walks(CsrView host_g, CsrView dev_g, const WalkSpec& s, const WalkSpec& ds,
                   const std::vector<NodeId>& starts, int64_t walks, const std::string& what) {
  std::vector<int32_t> want(walks * s.length);
  unsigned long long want_ended = 0;
  ref::random_walks(host_g, s,
                    Span<const NodeId>{starts.data(), static_cast<int64_t>(starts.size())}, walks,
                    want.data(), &want_ended);
  test::Stream st;
  auto d_starts = test::to_device(starts);
  for (KernelVariant v : {KernelVariant::kSimple, KernelVariant::kTuned}) {
    const std::string name = what + (v == KernelVariant::kTuned ? " (tuned)" : " (simple)");
    test::DeviceBuffer<int32_t> out(walks * s.length);
    test::DeviceBuffer<unsigned long long> ended(1);
    test::poison(out);
    test::fill_bytes(ended, 0);
    launch_random_walks(dev_g, ds,
                        Span<const NodeId>{d_starts.data(), static_cast<int64_t>(starts.size())},
                        walks, out.data(), ended.data(), v, st);
    st.synchronize();
    auto got = test::to_host(out);
    for (size_t i = 0; i < got.size(); ++i)
      ASSERT_EQ(got[i], want[i]) << name << ": walk " << i / s.length << " step " << i % s.length;
    EXPECT_EQ(test::to_host(ended)[0], want_ended) << name;
  }
}
void compare_walks(CsrView host_g, CsrView dev_g, const WalkSpec& s,
                   const std::vector<NodeId>& starts, int64_t walks, const std::string& what) {
  compare_walks(host_g, dev_g, s, s, starts, walks, what);
}

TEST(GpuWalks, EqualCpuReference) {
  GRL_REQUIRE_GPU();
  const NodeId n = test::small_sizes() ? 2000 : 50000;
  const Csr csr = test::random_csr(n, int64_t{n} * 8, 31);
  DeviceCsr d(csr);
  std::vector<NodeId> starts(n);
  for (NodeId v = 0; v < n; ++v) starts[v] = v;
  WalkSpec s;
  s.length = 20;
  s.seed = 4;
  s.first_walk = 1000;
  s.start_offset = 17;
  compare_walks(csr.view(), d.view, s, starts, n + 123, "uniform");
  if (HasFatalFailure()) return;
  s.shuffle_starts = true;  // two passes and part of a third, each in its own order
  compare_walks(csr.view(), d.view, s, starts, 2 * n + 123, "uniform, shuffled starts");
  if (HasFatalFailure()) return;
  // The 32-bit offsets, as the trainer passes them on the GPU (host walks use the 64-bit ones):
  // without the 64-bit ones, which the trainer then leaves on the host.
  auto d_off32 = test::to_device(csr.offsets32());
  WalkSpec ds = s;
  ds.offsets32 = d_off32.data();
  CsrView no64 = d.view;
  no64.offsets = nullptr;
  compare_walks(csr.view(), no64, s, ds, starts, n + 5, "uniform, 32-bit offsets");
  if (HasFatalFailure()) return;
  s.kind = ds.kind = WalkSpec::kNode2vec;  // its membership test reads them too
  s.p = ds.p = 0.5f;
  s.q = ds.q = 2.0f;
  compare_walks(csr.view(), no64, s, ds, starts, n / 2, "node2vec, 32-bit offsets");
  if (HasFatalFailure()) return;
  compare_walks(csr.view(), d.view, s, starts, n / 2, "node2vec");
  if (HasFatalFailure()) return;
  // Node counts of a walk set.
  std::vector<int32_t> w(50000);
  for (size_t i = 0; i < w.size(); ++i)
    w[i] = i % 7 == 3 ? -1 : static_cast<int32_t>((i * 2654435761u) % n);
  std::vector<int64_t> want(n, 0);
  ref::count_nodes(Span<const int32_t>{w.data(), static_cast<int64_t>(w.size())}, want.data());
  test::Stream st;
  auto dw = test::to_device(w);
  test::DeviceBuffer<int64_t> counts(n);
  test::fill_bytes(counts, 0);
  launch_count_nodes(Span<const int32_t>{dw.data(), static_cast<int64_t>(w.size())}, counts.data(),
                     st);
  st.synchronize();
  ASSERT_EQ(test::to_host(counts), want);
}

// Weighted walks (each row's alias table): uniform-kind and node2vec steps, rows whose weights
// are all zero (the walk ends there, counted), zero-weight edges, both kernels and offsets.
TEST(GpuWalks, WeightedEqualCpuReference) {
  GRL_REQUIRE_GPU();
  const NodeId n = test::small_sizes() ? 2000 : 50000;
  Csr csr = test::random_csr(n, int64_t{n} * 8, 32);
  test::add_random_weights(csr, 9);
  const Array<EdgeAlias> alias = build_edge_alias(csr);
  DeviceCsr d(csr);
  auto d_alias = test::to_device(alias.to_vector());
  CsrView host_g = csr.view();
  host_g.alias = alias.data();
  d.view.alias = d_alias.data();  // walks read the alias tables alone
  auto d_off32 = test::to_device(csr.offsets32());
  std::vector<NodeId> starts(n);
  for (NodeId v = 0; v < n; ++v) starts[v] = v;
  for (int length : {24, 7}) {
    WalkSpec s;
    s.length = length;
    s.seed = 6;
    s.first_walk = 50;
    s.shuffle_starts = true;
    const std::string len = ", length " + std::to_string(length);
    compare_walks(host_g, d.view, s, starts, n + 77, "weighted" + len);
    if (HasFatalFailure()) return;
    WalkSpec ds = s;
    ds.offsets32 = d_off32.data();
    CsrView no64 = d.view;
    no64.offsets = nullptr;
    compare_walks(host_g, no64, s, ds, starts, n + 5, "weighted, 32-bit offsets" + len);
    if (HasFatalFailure()) return;
    s.kind = ds.kind = WalkSpec::kNode2vec;
    s.p = ds.p = 0.25f;
    s.q = ds.q = 4.0f;
    compare_walks(host_g, no64, s, ds, starts, n / 2, "weighted node2vec" + len);
    if (HasFatalFailure()) return;
  }
}

TEST(GpuWalks, MetapathEqualsCpuReference) {
  GRL_REQUIRE_GPU();
  AcademicParams ap;
  Graph g = make_academic(ap);
  const char* path[5] = {"author", "paper", "venue", "paper", "author"};
  WalkSpec hs, ds;
  hs.kind = ds.kind = WalkSpec::kMetapath;
  hs.length = ds.length = 28;  // a multiple of 4: the tuned kernel's buffered stores
  hs.cycle = ds.cycle = 4;
  hs.seed = ds.seed = 8;
  std::vector<std::unique_ptr<DeviceCsr>> rels;
  for (int k = 0; k < 4; ++k) {
    const int32_t a = g.find_node_type(path[k]), b = g.find_node_type(path[k + 1]);
    for (const Relation& r : g.relations)
      if (r.src_type == a && r.dst_type == b) {
        rels.push_back(std::make_unique<DeviceCsr>(r.csr));
        hs.steps[k] = MetapathStep{r.csr.view(), g.node_types[a].begin};
        ds.steps[k] = MetapathStep{rels.back()->view, g.node_types[a].begin};
      }
  }
  const NodeType& au = g.node_types[g.find_node_type("author")];
  std::vector<NodeId> starts;
  for (NodeId v = 0; v < au.count; ++v) starts.push_back(au.begin + v);
  std::vector<int32_t> want(starts.size() * 3 * hs.length);
  unsigned long long want_ended = 0;
  ref::random_walks(g.csr.view(), hs,
                    Span<const NodeId>{starts.data(), static_cast<int64_t>(starts.size())},
                    static_cast<int64_t>(starts.size()) * 3, want.data(), &want_ended);
  test::Stream st;
  auto d_starts = test::to_device(starts);
  test::DeviceBuffer<int32_t> out(want.size());
  test::DeviceBuffer<unsigned long long> ended(1);
  test::fill_bytes(ended, 0);
  test::poison(out);
  launch_random_walks(
      CsrView{}, ds, Span<const NodeId>{d_starts.data(), static_cast<int64_t>(starts.size())},
      static_cast<int64_t>(starts.size()) * 3, out.data(), ended.data(), KernelVariant::kTuned, st);
  st.synchronize();
  ASSERT_EQ(test::to_host(out), want);
  EXPECT_EQ(test::to_host(ended)[0], want_ended);
}

}  // namespace
}  // namespace grl
