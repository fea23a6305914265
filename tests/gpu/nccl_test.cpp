// NCCL as grl loads it (host/dist/nccl.h) on one GPU and one rank: every entry point the
// trainers use resolves and runs in stream order without an error. One rank's sum leaves the
// buffer as it was and its exchange moves nothing, so what this checks is the plumbing (the
// library, the communicator, the stream and events); the sums' and transfers' meaning is tested
// across CPU ranks with stand-ins (tests/mpi, sage_gpu_test.cpp). tools/gpu-check puts the
// nvidia-nccl-cu13 package's library on the path; where NCCL is missing the test says so.
#include "host/dist/nccl.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "host/dist/comm.h"
#include "tests/gpu/gpu_test_util.h"

namespace grl {
namespace {

TEST(GpuNccl, OneRankSumsAndExchangesInStreamOrder) {
  GRL_REQUIRE_GPU();
  GRL_SKIP_EMULATED("NCCL runs on a GPU");
  auto be = test::make_gpu_backend();
  std::string why;
  std::unique_ptr<DeviceComm> nccl = DeviceComm::open(Comm::self(), &why);
  if (!nccl) GTEST_SKIP() << why;
  EXPECT_EQ(nccl->describe().rfind("NCCL", 0), 0u) << nccl->describe();
  std::vector<float> h(100003);
  for (size_t i = 0; i < h.size(); ++i) h[i] = 0.25f * static_cast<float>(i % 977);
  Buffer<float> d = test::upload(*be, h);
  // Two sums queued behind the upload, the second on a part of the first's range, then the lane
  // waits for them; an exchange to itself and an empty one are skipped.
  nccl->sum_after(d.data(), static_cast<int64_t>(h.size()), be->lane_stream());
  nccl->sum_after(d.data() + 17, 4096, be->lane_stream());
  nccl->join(be->lane_stream());
  nccl->exchange({{d.data(), 64 * sizeof(float), 0, 0}}, be->lane_stream());
  nccl->exchange({}, be->lane_stream());
  be->synchronize();
  EXPECT_EQ(test::download(d), h);
}

}  // namespace
}  // namespace grl
