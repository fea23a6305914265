// The walk kernels of kernels/walk.cu, compiled for the CPU and run under the warp emulator
// (warp_emulator.h) through launch_random_walks, against ref::random_walks: the same walks
// exactly, early ends counted, every output position written. Covers the tuned kernel's
// buffered 16-byte stores (rows whose length is a multiple of 8, and of 4 only: half the rows
// then straddle two sectors) and the 32-bit offsets, which the GPU tests also cover, so that
// they run in every CI run.
#include "tests/emu/warp_emulator.h"
// The kernel source itself, launchers included.
#include "kernels/walk.cu"
// (the kernel first: the emulator's intrinsics must be declared before it)
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "host/io/synthetic.h"
#include "host/reference/walk_ref.h"
#include "tests/gpu/gpu_graphs.h"

namespace grl {
namespace {

static_assert(alignof(int4) == 16, "the emulated __stcs checks int4 stores for 16-byte alignment");

// launch_random_walks with both variants (the tuned one falls back to the simple loop when the
// length is not a multiple of 4) against the reference.
void compare_walks(CsrView g, const WalkSpec& s, const std::vector<NodeId>& starts, int64_t walks,
                   const std::string& what) {
  const Span<const NodeId> st{starts.data(), static_cast<int64_t>(starts.size())};
  std::vector<int32_t> want(walks * s.length);
  unsigned long long want_ended = 0;
  ref::random_walks(g, s, st, walks, want.data(), &want_ended);
  constexpr int32_t kPoison = 0x7F7F7F7F;  // unwritten positions show
  constexpr size_t kGuard = 8;             // positions past the last row: must stay untouched
  for (KernelVariant v : {KernelVariant::kSimple, KernelVariant::kTuned}) {
    // Threads run in both orders: a store into a neighbour's row is overwritten by the
    // neighbour in one of them and shows.
    for (bool reverse : {false, true}) {
      const std::string name = what + (v == KernelVariant::kTuned ? " (tuned" : " (simple") +
                               (reverse ? ", reverse order)" : ")");
      std::vector<int32_t> got(want.size() + kGuard, kPoison);
      ASSERT_EQ(reinterpret_cast<uintptr_t>(got.data()) % 16, 0u);
      unsigned long long ended = 0;
      {
        emu::ScheduleScope order({.reverse = reverse});
        launch_random_walks(g, s, st, walks, got.data(), &ended, v, nullptr);
      }
      for (size_t i = 0; i < want.size(); ++i)
        ASSERT_EQ(got[i], want[i]) << name << ": walk " << i / s.length << " step " << i % s.length;
      for (size_t i = want.size(); i < got.size(); ++i)
        ASSERT_EQ(got[i], kPoison) << name << ": written past the last walk";
      EXPECT_EQ(ended, want_ended) << name;
    }
  }
}

TEST(WalkKernels, EqualCpuReference) {
  const NodeId n = 1000;
  const Csr csr = test::random_csr(n, int64_t{n} * 8, 31);
  std::vector<NodeId> starts(n);
  for (NodeId v = 0; v < n; ++v) starts[v] = v;
  const std::vector<uint32_t> off32 = csr.offsets32();
  WalkSpec s;
  s.seed = 4;
  s.first_walk = 1000;
  s.start_offset = 17;
  for (int length : {24, 20, 7}) {  // a multiple of 8, of 4 only, neither (tuned: simple loop)
    s.length = length;
    const std::string len = ", length " + std::to_string(length);
    s.kind = WalkSpec::kUniform;
    s.shuffle_starts = false;
    s.offsets32 = nullptr;
    compare_walks(csr.view(), s, starts, n + 123, "uniform" + len);
    s.shuffle_starts = true;  // two passes and part of a third, each in its own order
    compare_walks(csr.view(), s, starts, 2 * n + 123, "uniform, shuffled starts" + len);
    s.offsets32 = off32.data();
    // With 32-bit offsets the 64-bit ones are not read (the trainer leaves them on the host).
    CsrView no64 = csr.view();
    no64.offsets = nullptr;
    compare_walks(no64, s, starts, n + 5, "uniform, 32-bit offsets" + len);
    s.kind = WalkSpec::kNode2vec;  // its membership test reads the offsets too
    s.p = 0.5f;
    s.q = 2.0f;
    compare_walks(no64, s, starts, n / 2, "node2vec, 32-bit offsets" + len);
    s.offsets32 = nullptr;
    compare_walks(csr.view(), s, starts, n / 2, "node2vec" + len);
    if (HasFatalFailure()) return;
  }
}

TEST(WalkKernels, MetapathEqualsCpuReference) {
  Graph g = make_academic(AcademicParams{});
  const char* path[5] = {"author", "paper", "venue", "paper", "author"};
  WalkSpec s;
  s.kind = WalkSpec::kMetapath;
  s.length = 28;
  s.cycle = 4;
  s.seed = 8;
  for (int k = 0; k < 4; ++k) {
    const int32_t a = g.find_node_type(path[k]), b = g.find_node_type(path[k + 1]);
    for (const Relation& r : g.relations)
      if (r.src_type == a && r.dst_type == b)
        s.steps[k] = MetapathStep{r.csr.view(), g.node_types[a].begin};
  }
  const NodeType& au = g.node_types[g.find_node_type("author")];
  std::vector<NodeId> starts;
  for (NodeId v = 0; v < au.count; ++v) starts.push_back(au.begin + v);
  compare_walks(CsrView{}, s, starts, static_cast<int64_t>(starts.size()) * 2, "metapath");
}

// Node counts, as launched and with a grid far smaller than the walks (the grid-stride loop).
TEST(WalkKernels, CountNodesEqualsCpuReference) {
  const NodeId n = 500;
  std::vector<int32_t> w(20000);
  for (size_t i = 0; i < w.size(); ++i)
    w[i] = i % 7 == 3 ? -1 : static_cast<int32_t>((i * 2654435761u) % n);
  const Span<const int32_t> ws{w.data(), static_cast<int64_t>(w.size())};
  std::vector<int64_t> want(n, 0), got(n, 0);
  ref::count_nodes(ws, want.data());
  launch_count_nodes(ws, got.data(), nullptr);
  EXPECT_EQ(got, want);
  std::fill(got.begin(), got.end(), 0);
  emu::launch(3, 64, count_nodes_kernel, ws, got.data());  // each thread strides over many
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace grl
