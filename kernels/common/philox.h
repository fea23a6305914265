// Philox4x32-10 (Salmon, Moraes, Dror, Shaw: "Parallel random numbers: as easy as 1, 2, 3",
// SC'11), written once for host and device so the CPU and the GPU draw identical numbers.
//
// A draw is a pure function of a key and a counter. grl fixes their meaning:
//   key     = the run's 64-bit seed;
//   counter = (a, b, c, purpose): three words saying which draw this is (for a neighbour
//             sample: node, slot block, epoch/hop), and the purpose, so draws for different
//             jobs (sampling, dropout, splits, ...) never collide.
// Never key a draw by thread index or visiting order: then the result depends on the launch
// shape and cannot match the CPU reference.
#pragma once
#include <cmath>
#include <cstdint>

#include "kernels/common/hd.h"

namespace grl {

// What a random draw is for; one counter word, so streams of different purposes never overlap.
enum class RandomPurpose : uint32_t {
  kTest = 0,
  kSplit = 1,
  kNeighborSample = 2,
  kDropout = 3,
  kInit = 4,
  kShuffle = 5,
  kWalk = 6,
  kNegative = 7,
  kWindow = 8,
  kSynthetic = 9,
  kPermutation = 10,
  kSubsample = 11,
  kLstmOrder = 12,
  kUnsupNegative = 13,   // unsupervised GraphSAGE's per-batch negatives
  kStartOrder = 14,      // the order of walk starts within a pass (skip-gram)
  kEdgeSplit = 15,       // which edges a link-prediction split holds out (keyed by edge)
  kEdgeNegative = 16,    // the non-edges a link-prediction split samples as negatives
  kLinkEvalSplit = 17,   // link-prediction evaluation: which labelled pairs train the regression
  kWeightedSample = 18,  // weighted neighbour sampling (kernels/weighted_draw.h)
};

struct Philox4 {
  uint32_t v[4];
};

namespace philox_detail {
constexpr uint32_t kMul0 = 0xD2511F53u;
constexpr uint32_t kMul1 = 0xCD9E8D57u;
constexpr uint32_t kWeyl0 = 0x9E3779B9u;
constexpr uint32_t kWeyl1 = 0xBB67AE85u;

GRL_HD uint32_t mulhi32(uint32_t a, uint32_t b) {
#if defined(__CUDA_ARCH__)
  return __umulhi(a, b);
#else
  return static_cast<uint32_t>((static_cast<uint64_t>(a) * b) >> 32);
#endif
}
}  // namespace philox_detail

// The raw generator: 10 rounds over a 128-bit counter with a 64-bit key.
GRL_HD Philox4 philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0,
                             uint32_t k1) {
  using namespace philox_detail;
#if defined(__CUDACC__)
#pragma unroll
#endif
  for (int round = 0; round < 10; ++round) {
    uint32_t hi0 = mulhi32(kMul0, c0), lo0 = kMul0 * c0;
    uint32_t hi1 = mulhi32(kMul1, c2), lo1 = kMul1 * c2;
    uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0;
    c1 = n1;
    c2 = n2;
    c3 = n3;
    k0 += kWeyl0;
    k1 += kWeyl1;
  }
  return Philox4{{c0, c1, c2, c3}};
}

// Four 32-bit draws for (seed, purpose, a, b, c).
GRL_HD Philox4 philox(uint64_t seed, RandomPurpose purpose, uint32_t a, uint32_t b, uint32_t c) {
  return philox4x32_10(a, b, c, static_cast<uint32_t>(purpose), static_cast<uint32_t>(seed),
                       static_cast<uint32_t>(seed >> 32));
}

// Integer in [0, n) by multiply-high (Lemire); identical integer arithmetic on host and device.
GRL_HD uint32_t random_below(uint32_t x, uint32_t n) { return philox_detail::mulhi32(x, n); }

// 64-bit range: uses two words. For n < 2^32 prefer random_below.
GRL_HD uint64_t random_below64(uint32_t lo, uint32_t hi, uint64_t n) {
  uint64_t x = (static_cast<uint64_t>(hi) << 32) | lo;
#if defined(__CUDA_ARCH__)
  return __umul64hi(x, n);
#else
  return static_cast<uint64_t>((static_cast<unsigned __int128>(x) * n) >> 64);
#endif
}

// Float in [0, 1) with 24 random bits: exact in float, so host and device agree bit for bit.
GRL_HD float random_unit(uint32_t x) { return static_cast<float>(x >> 8) * (1.0f / 16777216.0f); }

// Uniform float in [lo, hi): one fused multiply-add, so host and device round identically.
GRL_HD float random_uniform(uint32_t x, float lo, float hi) {
#if defined(__CUDA_ARCH__)
  return __fmaf_rn(hi - lo, random_unit(x), lo);
#else
  return std::fma(hi - lo, random_unit(x), lo);
#endif
}

// Position i of a pseudo-random permutation of [0, n) (n <= 2^32) chosen by `keys`: a four-round
// balanced Feistel network on 2h bits (4^h >= n), each round r -> l ^ mix(r ^ key), walked
// through its cycle until it lands in [0, n) (a bijection of [0, 4^h) restricted to [0, n) by
// cycle-walking stays a bijection; fewer than 4 rounds of walking on average since 4^h < 4n).
// Requires i < n (else the cycle walk never lands).
GRL_HD uint32_t random_permute(uint32_t i, uint64_t n, Philox4 keys) {
  int h = 1;
  while ((uint64_t{1} << (2 * h)) < n) ++h;
  const uint32_t mask = (uint32_t{1} << h) - 1;
  uint64_t x = i;
  do {
    uint32_t l = static_cast<uint32_t>(x >> h), r = static_cast<uint32_t>(x) & mask;
    for (int k = 0; k < 4; ++k) {
      uint32_t f = r ^ keys.v[k];  // murmur3's finaliser as the round function
      f ^= f >> 16;
      f *= 0x85EBCA6Bu;
      f ^= f >> 13;
      f *= 0xC2B2AE35u;
      f ^= f >> 16;
      const uint32_t nr = l ^ (f & mask);
      l = r;
      r = nr;
    }
    x = (static_cast<uint64_t>(l) << h) | r;
  } while (x >= n);
  return static_cast<uint32_t>(x);
}

}  // namespace grl
