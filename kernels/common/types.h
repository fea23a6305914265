// Basic scalar types shared by kernels and host code (the lowest layer: no dependencies).
#pragma once
#include <cstdint>

namespace grl {

using NodeId = int32_t;     // node ids: graphs up to 2^31 - 1 nodes
using EdgeIndex = int64_t;  // CSR offsets: graphs beyond 2^31 edges

}  // namespace grl
