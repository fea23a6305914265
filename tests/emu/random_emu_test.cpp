// kernels/random.cu under the emulator against host/reference/random_ref.h: bit-identical words and
// floats, for sizes that are and are not a multiple of the 4 words one Philox call gives.
#include "tests/emu/warp_emulator.h"
// (the emulator first: the kernel file uses its intrinsics)
#include "kernels/random.cu"
// (the kernel file before the tests' headers)
#include <gtest/gtest.h>

#include <vector>

#include "host/reference/random_ref.h"

namespace grl {
namespace {

TEST(RandomKernels, FillsEqualCpuReference) {
  for (int64_t n : {1, 3, 4, 1001, 4096 + 2}) {
    std::vector<uint32_t> want(n), got(n, 0xDEADBEEFu);
    ref::philox_fill({want.data(), n}, 7, RandomPurpose::kTest);
    launch_philox_fill({got.data(), n}, 7, RandomPurpose::kTest, nullptr);
    EXPECT_EQ(got, want) << "philox_fill, n = " << n;
    std::vector<float> fwant(n), fgot(n, -1.0f);
    ref::uniform_fill({fwant.data(), n}, -0.5f, 2.0f, 9, RandomPurpose::kTest);
    launch_uniform_fill({fgot.data(), n}, -0.5f, 2.0f, 9, RandomPurpose::kTest, nullptr);
    EXPECT_EQ(fgot, fwant) << "uniform_fill, n = " << n;
  }
}

}  // namespace
}  // namespace grl
