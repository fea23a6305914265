// Where the engine puts topology and features (host/pipeline/placement.h): the auto rule against
// hand-worked budgets, explicit requests, the CPU backend, and the flag parser.
#include "host/pipeline/placement.h"

#include <gtest/gtest.h>

#include "host/core/error.h"

namespace grl {
namespace {

constexpr int64_t GiB = int64_t{1} << 30;

TEST(Placement, AutoPutsTopologyFirstThenFeatures) {
  // 10 GiB free, 1 GiB reserved: 9 GiB of budget.
  auto both = choose_placement(Placement::kAuto, Placement::kAuto, 2 * GiB, 7 * GiB, 10 * GiB, GiB);
  EXPECT_EQ(both.graph, Placement::kGpu);
  EXPECT_EQ(both.features, Placement::kGpu);
  auto split =
      choose_placement(Placement::kAuto, Placement::kAuto, 2 * GiB, 8 * GiB, 10 * GiB, GiB);
  EXPECT_EQ(split.graph, Placement::kGpu);
  EXPECT_EQ(split.features, Placement::kHost);
  auto none = choose_placement(Placement::kAuto, Placement::kAuto, 10 * GiB, GiB, 10 * GiB, GiB);
  EXPECT_EQ(none.graph, Placement::kHost);
  EXPECT_EQ(none.features, Placement::kGpu) << "features still fit once the graph is on the host";
  auto neither =
      choose_placement(Placement::kAuto, Placement::kAuto, 10 * GiB, 10 * GiB, 10 * GiB, GiB);
  EXPECT_EQ(neither.graph, Placement::kHost);
  EXPECT_EQ(neither.features, Placement::kHost);
  EXPECT_NE(split.reason.find("pinned host"), std::string::npos) << split.reason;
  EXPECT_NE(split.reason.find("10.00 GiB"), std::string::npos) << split.reason;
}

TEST(Placement, ExplicitRequestsAreKeptAndTakeTheirShare) {
  // Features forced onto the GPU use 8 of the 9 GiB: the 2 GiB graph no longer fits.
  auto c = choose_placement(Placement::kAuto, Placement::kGpu, 2 * GiB, 8 * GiB, 10 * GiB, GiB);
  EXPECT_EQ(c.graph, Placement::kHost);
  EXPECT_EQ(c.features, Placement::kGpu);
  EXPECT_NE(c.reason.find("(as asked)"), std::string::npos);
  // Host requested although everything would fit.
  c = choose_placement(Placement::kHost, Placement::kHost, GiB, GiB, 100 * GiB, GiB);
  EXPECT_EQ(c.graph, Placement::kHost);
  EXPECT_EQ(c.features, Placement::kHost);
  // GPU requested although it does not fit: kept (the allocation then reports the shortfall).
  c = choose_placement(Placement::kGpu, Placement::kAuto, 50 * GiB, GiB, 10 * GiB, GiB);
  EXPECT_EQ(c.graph, Placement::kGpu);
  EXPECT_EQ(c.features, Placement::kHost);
}

// Host-resident features need per-slot rows on the GPU (host_feature_bytes): charged only when
// the features do go to the host, and the graph gives way when both would not fit.
TEST(Placement, HostFeatureRowsAreChargedOnlyWhenFeaturesGoToTheHost) {
  // 9 GiB of budget: 2 + 7 fit, so the 3 GiB of host-feature rows are not needed.
  auto c = choose_placement(Placement::kAuto, Placement::kAuto, 2 * GiB, 7 * GiB, 10 * GiB, GiB,
                            3 * GiB);
  EXPECT_EQ(c.graph, Placement::kGpu);
  EXPECT_EQ(c.features, Placement::kGpu);
  // 2 + 8 do not fit; the features go to the host and their 3 GiB fit beside the graph.
  c = choose_placement(Placement::kAuto, Placement::kAuto, 2 * GiB, 8 * GiB, 10 * GiB, GiB,
                       3 * GiB);
  EXPECT_EQ(c.graph, Placement::kGpu);
  EXPECT_EQ(c.features, Placement::kHost);
  // With 8 GiB of rows they do not: the graph moves to the host, and then the features fit.
  c = choose_placement(Placement::kAuto, Placement::kAuto, 2 * GiB, 8 * GiB, 10 * GiB, GiB,
                       8 * GiB);
  EXPECT_EQ(c.graph, Placement::kHost);
  EXPECT_EQ(c.features, Placement::kGpu);
  c = choose_placement(Placement::kAuto, Placement::kAuto, 2 * GiB, 12 * GiB, 10 * GiB, GiB,
                       8 * GiB);
  EXPECT_EQ(c.graph, Placement::kHost);
  EXPECT_EQ(c.features, Placement::kHost);
  // Features asked for on the host: their rows come first, and the 7 GiB graph no longer fits.
  c = choose_placement(Placement::kAuto, Placement::kHost, 7 * GiB, GiB, 10 * GiB, GiB, 3 * GiB);
  EXPECT_EQ(c.graph, Placement::kHost);
  c = choose_placement(Placement::kAuto, Placement::kHost, 6 * GiB, GiB, 10 * GiB, GiB, 3 * GiB);
  EXPECT_EQ(c.graph, Placement::kGpu);
}

TEST(Placement, CpuBackendKeepsEverythingInHostMemory) {
  auto c = choose_placement(Placement::kGpu, Placement::kAuto, GiB, GiB, -1, GiB);
  EXPECT_EQ(c.graph, Placement::kHost);
  EXPECT_EQ(c.features, Placement::kHost);
  EXPECT_NE(c.reason.find("cpu backend"), std::string::npos);
}

TEST(Placement, ParsesFlagsWithClearErrors) {
  EXPECT_EQ(parse_placement("auto"), Placement::kAuto);
  EXPECT_EQ(parse_placement("gpu"), Placement::kGpu);
  EXPECT_EQ(parse_placement("host"), Placement::kHost);
  try {
    parse_placement("device");
    FAIL() << "expected a UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("a placement must be gpu, host or auto"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace grl
