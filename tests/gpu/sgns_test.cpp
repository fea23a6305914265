// The serial SGNS kernel == the CPU reference up to float rounding, on the shared cases
// (tests/common/sgns_cases.h): basic, repeated targets and sparse windows, row ranges.
#include "kernels/sgns.h"

#include <gtest/gtest.h>

#include "host/reference/sgns_ref.h"
#include "tests/common/sgns_cases.h"
#include "tests/gpu/gpu_graphs.h"
#include "tests/gpu/gpu_test_util.h"

namespace grl {
namespace {
// The simple (one-warp) SGNS kernel of a case (tests/common/sgns_cases.h) on device copies of
// its tables, walks, alias table and keep probabilities.
void run_simple_kernel(const test::SgnsCase& c, const SgnsSpec& s, std::vector<float>& syn0,
                       std::vector<float>& syn1, SgnsStats& stats) {
  auto d0 = test::to_device(syn0), d1 = test::to_device(syn1);
  auto dw = test::to_device(c.walks);
  auto dp = test::to_device(c.prob);
  auto da = test::to_device(c.alias);
  auto dk = test::to_device(c.keep);
  test::DeviceBuffer<SgnsStats> dstats(1);
  test::fill_bytes(dstats, 0);
  SgnsSpec ds = s;
  ds.keep = s.keep ? dk.data() : nullptr;
  ds.atomic_updates = c.kernel_atomic;
  const AliasView all{dp.data(), da.data(), c.num_nodes()};
  auto [v0, v1] = test::case_views(c, d0.data(), d1.data());
  test::Stream st;
  launch_sgns(Span<const int32_t>{dw.data(), static_cast<int64_t>(c.walks.size())}, c.num_walks, ds,
              all, all, v0, v1, dstats.data(), KernelVariant::kSimple, st);
  st.synchronize();
  syn0 = test::to_host(d0);
  syn1 = test::to_host(d1);
  const SgnsStats got = test::to_host(dstats)[0];
  stats.pairs += got.pairs;
  stats.loss += got.loss;
}

void expect_simple_kernel_equals_reference(test::SgnsCaseGroup group) {
  for (const test::SgnsCase& c : test::sgns_cases(group, test::small_sizes())) {
    test::expect_kernel_equals_reference(c, run_simple_kernel);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(GpuSgns, SerialKernelEqualsCpuReference) {
  GRL_REQUIRE_GPU();
  expect_simple_kernel_equals_reference(test::SgnsCaseGroup::kBasic);
}

TEST(GpuSgns, SerialKernelEqualsCpuReferenceOnRepeatsAndSparseWindows) {
  GRL_REQUIRE_GPU();
  expect_simple_kernel_equals_reference(test::SgnsCaseGroup::kRepeatsAndSparseWindows);
}

TEST(GpuSgns, SerialKernelWithRangesEqualsCpuReference) {
  GRL_REQUIRE_GPU();
  expect_simple_kernel_equals_reference(test::SgnsCaseGroup::kRanges);
}

}  // namespace
}  // namespace grl
