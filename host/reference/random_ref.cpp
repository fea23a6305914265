#include "host/reference/random_ref.h"

namespace grl::ref {

void philox_fill(Span<uint32_t> out, uint64_t seed, RandomPurpose purpose) {
  for (int64_t i = 0; i < out.size; ++i) {
    int64_t q = i / 4;
    out[i] =
        philox(seed, purpose, static_cast<uint32_t>(q), static_cast<uint32_t>(q >> 32), 0).v[i % 4];
  }
}

void uniform_fill(Span<float> out, float lo, float hi, uint64_t seed, RandomPurpose purpose) {
  for (int64_t i = 0; i < out.size; ++i) {
    int64_t q = i / 4;
    uint32_t w =
        philox(seed, purpose, static_cast<uint32_t>(q), static_cast<uint32_t>(q >> 32), 0).v[i % 4];
    out[i] = random_uniform(w, lo, hi);
  }
}

}  // namespace grl::ref
