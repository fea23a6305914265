// Skip-gram kernel cases shared by the GPU tests (tests/gpu, on a device) and the emulator tests
// (tests/emu, the same kernel source on the CPU): walks, alias tables, keep probabilities and a
// spec each, and the check that a kernel trains exactly what ref::sgns trains (up to float
// rounding: the kernel reduces its dot products in a tree, the reference in order).
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "host/io/synthetic.h"
#include "host/reference/sgns_ref.h"
#include "host/reference/walk_ref.h"
#include "host/train/negative_tables.h"
#include "host/train/skipgram.h"
#include "kernels/common/philox.h"
#include "kernels/sgns.h"

namespace grl::test {

// `walks` uniform walks of `length` on g from nodes 0, 1, ... (the CPU reference's).
inline std::vector<int32_t> uniform_walks(const Graph& g, int length, uint64_t seed,
                                          int64_t walks) {
  const NodeId n = g.num_nodes();
  WalkSpec ws;
  ws.length = length;
  ws.seed = seed;
  std::vector<NodeId> starts(n);
  for (NodeId v = 0; v < n; ++v) starts[v] = v;
  std::vector<int32_t> w(walks * length);
  ref::random_walks(g.csr.view(), ws, Span<const NodeId>{starts.data(), n}, walks, w.data(),
                    nullptr);
  return w;
}

struct SgnsCase {
  std::string name;
  std::vector<int32_t> walks;
  int64_t num_walks = 0;
  SgnsSpec spec;  // keep stays null here: the check points it at `keep` (host or device copy)
  std::vector<float> keep;  // empty: keep every node
  std::vector<float> prob;  // the negatives' alias table over all nodes
  std::vector<int32_t> alias;
  int64_t dim = 0;
  // The kernel under test also adds to the context table by atomic adds (--atomic-updates):
  // the same arithmetic, so it must still equal the reference.
  bool kernel_atomic = false;
  NodeId num_nodes() const { return static_cast<NodeId>(prob.size()); }
};

// The views of a case's centre and context rows inside whole tables at syn0 / syn1 (host or
// device memory): with row ranges they cover those rows only.
inline std::pair<MatrixView<float>, MatrixView<float>> case_views(const SgnsCase& c, float* syn0,
                                                                  float* syn1) {
  const SgnsSpec& s = c.spec;
  const NodeId n = c.num_nodes();
  const NodeId c0 = s.centre_begin, c1 = s.centre_end < 0 ? n : s.centre_end;
  const NodeId u0 = s.context_begin, u1 = s.context_end < 0 ? n : s.context_end;
  return {MatrixView<float>{syn0 + c0 * c.dim, c1 - c0, c.dim, c.dim},
          MatrixView<float>{syn1 + u0 * c.dim, u1 - u0, c.dim, c.dim}};
}

enum class SgnsCaseGroup {
  // Uniform walks, a small window; subsampling, shared negatives (one draw per window and per
  // 2 context slots) and atomic context updates in the second of each pair of cases.
  kBasic,
  // The per-context path's corners: negatives that repeat within a pair (three nodes carry most
  // of the weight), more negatives than one batch of loads holds (7: two batches at dim 128,
  // three at dim 200), and subsampling so sparse that a window reaches past 32 positions.
  kRepeatsAndSparseWindows,
  // Row partitions: a centre and a context range, and an alias table per context range; rows
  // outside the ranges must stay as they were.
  kRanges,
};

// small: the sizes for compute-sanitizer and the emulator.
inline std::vector<SgnsCase> sgns_cases(SgnsCaseGroup group, bool small) {
  const Graph g = make_academic(AcademicParams{});
  const NodeId n = g.num_nodes();
  std::vector<SgnsCase> cases;
  SgnsCase c;
  c.prob.resize(n);
  c.alias.resize(n);
  c.spec.lr0 = 0.05f;
  if (group == SgnsCaseGroup::kBasic) {
    c.spec.length = 12;
    c.num_walks = small ? 60 : 300;
    c.walks = uniform_walks(g, c.spec.length, 2, c.num_walks);
    build_alias_table(std::vector<double>(n, 1.0), 0, n, c.prob, c.alias);
    c.spec.window = 3;
    c.spec.negatives = 4;
    c.spec.seed = 6;
    c.spec.total_walks = c.num_walks;
    for (int64_t dim : {16, 100}) {
      for (bool second : {false, true}) {
        SgnsCase k = c;
        k.dim = dim;
        k.spec.share_negatives = second;
        k.spec.shared_span = second && dim == 100 ? 2 : 0;
        k.kernel_atomic = second;
        if (second) {
          k.keep.resize(n);
          for (NodeId v = 0; v < n; ++v) k.keep[v] = v % 3 == 0 ? 0.3f : 1.0f;
        }
        k.name = "basic, dim " + std::to_string(dim) +
                 (second ? ", subsampled, shared negatives, atomic updates" : "");
        cases.push_back(std::move(k));
      }
    }
  } else if (group == SgnsCaseGroup::kRepeatsAndSparseWindows) {
    c.spec.length = 80;
    c.num_walks = small ? 20 : 100;
    c.walks = uniform_walks(g, c.spec.length, 3, c.num_walks);
    std::vector<double> weight(n, 1.0);
    for (NodeId v = 0; v < 3; ++v) weight[v] = 0.2 * n;  // each about 1/8 of the draws
    build_alias_table(weight, 0, n, c.prob, c.alias);
    c.keep.resize(n);
    for (NodeId v = 0; v < n; ++v) c.keep[v] = v % 10 == 0 ? 1.0f : 0.1f;
    c.spec.window = 10;
    c.spec.negatives = 7;
    c.spec.seed = 8;
    c.spec.total_walks = c.num_walks;
    for (int64_t dim : {16, 128, 200}) {  // 8, 6 and 3 targets per batch of loads
      SgnsCase k = c;
      k.dim = dim;
      k.name = "repeats and sparse windows, dim " + std::to_string(dim);
      cases.push_back(std::move(k));
    }
  } else {
    c.spec.length = 12;
    c.num_walks = small ? 200 : 1000;
    c.walks = uniform_walks(g, c.spec.length, 3, c.num_walks);
    const NodeId c0 = n / 4, c1 = n / 2, u0 = n / 3, u1 = 3 * (n / 4);
    std::vector<double> weight(n);
    for (NodeId v = 0; v < n; ++v) weight[v] = 1.0 + v % 5;
    for (auto [b, e] : {std::pair<NodeId, NodeId>{0, u0}, {u0, u1}, {u1, n}})
      build_alias_table(weight, b, e, c.prob, c.alias);
    c.dim = 48;
    c.spec.window = 4;
    c.spec.negatives = 5;
    c.spec.seed = 11;
    c.spec.total_walks = c.num_walks;
    c.spec.centre_begin = c0;
    c.spec.centre_end = c1;
    c.spec.context_begin = u0;
    c.spec.context_end = u1;
    c.name = "row ranges, dim 48";
    cases.push_back(std::move(c));
  }
  return cases;
}

// Tables before training: uniform in [-0.1, 0.1), the same for every run of a case.
inline std::vector<float> initial_table(const SgnsCase& c, uint64_t which) {
  std::vector<float> t(c.num_nodes() * c.dim);
  for (size_t i = 0; i < t.size(); ++i)
    t[i] = random_uniform(philox(which, RandomPurpose::kTest, static_cast<uint32_t>(i), 0, 0).v[0],
                          -0.1f, 0.1f);
  return t;
}

// ref::sgns on case c against `run(c, spec, syn0, syn1, stats)`, which trains the whole tables
// syn0 / syn1 in place with the kernel under test (spec: the case's, keep pointing at a host
// copy; the kernel's own memory is the runner's business) and adds to stats.
template <class Run>
void expect_kernel_equals_reference(const SgnsCase& c, Run&& run) {
  SgnsSpec s = c.spec;
  s.keep = c.keep.empty() ? nullptr : c.keep.data();
  std::vector<float> want0 = initial_table(c, 1), want1 = initial_table(c, 2);
  std::vector<float> got0 = want0, got1 = want1;
  const NodeId n = c.num_nodes();
  const AliasView all{c.prob.data(), c.alias.data(), n};
  auto [v0, v1] = case_views(c, want0.data(), want1.data());
  SgnsStats want, got;
  ref::sgns(Span<const int32_t>{c.walks.data(), static_cast<int64_t>(c.walks.size())}, c.num_walks,
            s, all, all, v0, v1, &want);
  run(c, s, got0, got1, got);
  EXPECT_GT(want.pairs, 0u) << c.name;
  EXPECT_EQ(got.pairs, want.pairs) << c.name;
  EXPECT_NEAR(got.loss, want.loss, 1e-4 * want.loss) << c.name;
  for (size_t i = 0; i < want0.size(); ++i) {
    ASSERT_NEAR(got0[i], want0[i], 1e-4 + 1e-3 * std::fabs(want0[i])) << c.name << ": syn0 " << i;
    ASSERT_NEAR(got1[i], want1[i], 1e-4 + 1e-3 * std::fabs(want1[i])) << c.name << ": syn1 " << i;
  }
}

}  // namespace grl::test
