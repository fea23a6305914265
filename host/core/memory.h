// How much memory this machine has free for a run, read before allocating anything large.
#pragma once
#include <cstdint>
#include <string>

namespace grl {

// Bytes of host memory available to a new allocation without swapping (Linux's MemAvailable),
// or -1 when it cannot be read.
int64_t host_available_bytes();

// "12.3 GiB"
std::string gib_string(double bytes);

}  // namespace grl
