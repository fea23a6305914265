// A fast 64-bit checksum for grl's binary files (graphs, models): detects truncation and
// corruption, not tampering. Four independent multiply-xor lanes over 8-byte words.
#pragma once
#include <cstddef>
#include <cstdint>

namespace grl {

uint64_t checksum64(const void* data, size_t bytes, uint64_t seed = 0);

}  // namespace grl
