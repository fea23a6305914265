#include "host/reference/gather_ref.h"

#include <algorithm>
#include <cstring>

#include "host/core/parallel.h"

namespace grl::ref {

void gather_rows(MatrixView<const float> table, const int32_t* rows, MatrixView<float> out,
                 const int32_t* num_rows) {
  parallel_for(
      num_rows ? std::min<int64_t>(*num_rows, out.rows) : out.rows,
      [&](int64_t i) { std::memcpy(out.row(i), table.row(rows[i]), out.cols * sizeof(float)); },
      256);
}

void gather_rows_cached(MatrixView<const float> table, MatrixView<const float> cache,
                        const int32_t* cache_slot, const int32_t* rows, MatrixView<float> out,
                        unsigned long long* hits, const int32_t* num_rows) {
  unsigned long long h = 0;
  const int64_t n = num_rows ? std::min<int64_t>(*num_rows, out.rows) : out.rows;
  for (int64_t i = 0; i < n; ++i) {
    const int32_t s = cache_slot[rows[i]];
    h += s >= 0;
    std::memcpy(out.row(i), s >= 0 ? cache.row(s) : table.row(rows[i]), out.cols * sizeof(float));
  }
  *hits += h;
}

}  // namespace grl::ref
