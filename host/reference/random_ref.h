// CPU twins of kernels/random.h, same arguments (minus the stream).
#pragma once
#include "kernels/random.h"

namespace grl::ref {

void philox_fill(Span<uint32_t> out, uint64_t seed, RandomPurpose purpose);
void uniform_fill(Span<float> out, float lo, float hi, uint64_t seed, RandomPurpose purpose);

}  // namespace grl::ref
