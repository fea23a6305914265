// A row-major matrix in backend memory, sized once for an upper bound of rows: views take the
// batch's actual row count. Rows are padded to a multiple of 4 floats, so every row starts
// 16-byte aligned and the kernels' float4 paths apply.
#pragma once
#include <algorithm>
#include <cstdint>

#include "host/ops/backend.h"

namespace grl {

inline int64_t pad4(int64_t x) { return (x + 3) / 4 * 4; }

inline MatrixView<const float> as_const(MatrixView<float> m) {
  return {m.data, m.rows, m.cols, m.stride};
}

struct MatrixBuffer {
  Buffer<float> buf;
  int64_t cap = 0, cols = 0, stride = 0;
  MatrixBuffer() = default;
  // `bytes` accumulates the backend memory allocated.
  MatrixBuffer(Backend& b, int64_t rows, int64_t c, const char* what, size_t& bytes)
      : buf(b, static_cast<size_t>(std::max<int64_t>(rows, 1) * pad4(c)), what),
        cap(rows),
        cols(c),
        stride(pad4(c)) {
    bytes += buf.size() * sizeof(float);
  }
  MatrixView<float> view(int64_t rows) const { return {buf.data(), rows, cols, stride}; }
  MatrixView<const float> cview(int64_t rows) const { return {buf.data(), rows, cols, stride}; }
};

}  // namespace grl
