// The skip-gram kernels of kernels/sgns.cu, compiled for the CPU and run under the warp emulator
// (warp_emulator.h), against ref::sgns on the GPU tests' cases (tests/common/sgns_cases.h).
// So every CI run executes the kernels' lane logic (the batched loads and their repeat fix-up,
// the ballot-based context scan, shared negatives, row ranges), not only compiles it.
#include "tests/emu/warp_emulator.h"
// The kernel source itself, launchers included.
#include "kernels/sgns.cu"
// (the kernel first: the emulator's intrinsics must be declared before it)
#include <gtest/gtest.h>

#include <string>
#include <type_traits>

#include "tests/common/sgns_cases.h"

namespace grl {
namespace {

// f(std::integral_constant<int, KPL>{}) with the dimensions per lane launch_sgns picks for dim.
template <class F>
void with_kpl(int64_t dim, F&& f) {
  const int64_t kpl = (dim + 31) / 32;
  if (kpl <= 1)
    f(std::integral_constant<int, 1>{});
  else if (kpl <= 2)
    f(std::integral_constant<int, 2>{});
  else if (kpl <= 4)
    f(std::integral_constant<int, 4>{});
  else if (kpl <= 8)
    f(std::integral_constant<int, 8>{});
  else
    f(std::integral_constant<int, 16>{});
}

enum class Launch {
  kSimple,            // launch_sgns, simple: the oracle (one warp, every centre in order)
  kTunedAsLaunched,   // launch_sgns, tuned: one warp per centre, so (warps in turn) serial
  kTunedFewWarps,     // 2 blocks: each warp strides over many centres (an order of its own)
  kTunedInterleaved,  // launch_sgns, tuned, a block's 4 warps side by side (they race)
};

void run_emulated(Launch how, const test::SgnsCase& c, const SgnsSpec& s, std::vector<float>& syn0,
                  std::vector<float>& syn1, SgnsStats& stats) {
  SgnsSpec ks = s;
  ks.atomic_updates = c.kernel_atomic;
  const AliasView all{c.prob.data(), c.alias.data(), c.num_nodes()};
  auto [v0, v1] = test::case_views(c, syn0.data(), syn1.data());
  const Span<const int32_t> walks{c.walks.data(), static_cast<int64_t>(c.walks.size())};
  if (how != Launch::kTunedFewWarps) {
    emu::ScheduleScope order({.interleave_warps = how == Launch::kTunedInterleaved});
    launch_sgns(walks, c.num_walks, ks, all, all, v0, v1, &stats,
                how == Launch::kSimple ? KernelVariant::kSimple : KernelVariant::kTuned, nullptr);
    return;
  }
  const bool shared = s.share_negatives && s.negatives > 0;
  with_kpl(c.dim, [&](auto kpl) {
    constexpr int KPL = decltype(kpl)::value;
    auto go = [&](auto shared_c) {
      constexpr bool SHARED = decltype(shared_c)::value;
      emu::launch(2, 32 * kWarpsPerBlock, sgns_tuned_kernel<KPL, SHARED>, walks, c.num_walks, ks,
                  all, all, v0, v1, &stats);
    };
    if (shared)
      go(std::true_type{});
    else
      go(std::false_type{});
  });
}

// Every case of every group (the GPU tests' cases at their small sizes).
void expect_emulated_equals_reference(Launch how) {
  for (test::SgnsCaseGroup g :
       {test::SgnsCaseGroup::kBasic, test::SgnsCaseGroup::kRepeatsAndSparseWindows,
        test::SgnsCaseGroup::kRanges})
    for (const test::SgnsCase& c : test::sgns_cases(g, true)) {
      test::expect_kernel_equals_reference(c, [how](auto&&... a) { run_emulated(how, a...); });
      if (::testing::Test::HasFatalFailure()) return;
    }
}

// The tuned kernel as launch_sgns launches it, its warps run one after another: the serial order,
// so it too must equal the reference. (The simple kernel's test is GpuSgns.Serial*, which runs
// here too.)
TEST(SgnsKernels, TunedKernelAsLaunchedEqualsCpuReference) {
  expect_emulated_equals_reference(Launch::kTunedAsLaunched);
}

// Two other legal schedules of the tuned kernel: fewer warps than centres, each striding over
// the walks, and a block's warps side by side. Every centre is still trained once (the same
// pairs), in another order, so the loss is close to the serial one but not equal.
TEST(SgnsKernels, TunedKernelOtherSchedulesTrainTheSamePairs) {
  for (Launch how : {Launch::kTunedFewWarps, Launch::kTunedInterleaved})
    for (const test::SgnsCase& c : test::sgns_cases(test::SgnsCaseGroup::kBasic, true)) {
      const std::string name =
          c.name + (how == Launch::kTunedFewWarps ? ", 2 blocks" : ", warps interleaved");
      SgnsSpec s = c.spec;
      s.keep = c.keep.empty() ? nullptr : c.keep.data();
      std::vector<float> a0 = test::initial_table(c, 1), a1 = test::initial_table(c, 2);
      std::vector<float> b0 = a0, b1 = a1;
      SgnsStats serial, other;
      run_emulated(Launch::kSimple, c, s, a0, a1, serial);
      run_emulated(how, c, s, b0, b1, other);
      EXPECT_GT(serial.pairs, 0u) << name;
      EXPECT_EQ(other.pairs, serial.pairs) << name;
      EXPECT_NEAR(other.loss, serial.loss, 0.02 * serial.loss) << name;
      EXPECT_NE(b1, a1) << name << ": the order should differ from the serial one";
    }
}

}  // namespace
}  // namespace grl
