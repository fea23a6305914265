// Basic scalar types shared by host code and kernels.
#pragma once
#include <cstdint>

namespace grl {

using NodeId = int32_t;     // node ids: graphs up to 2^31 - 1 nodes
using EdgeIndex = int64_t;  // CSR offsets: graphs beyond 2^31 edges

}  // namespace grl
