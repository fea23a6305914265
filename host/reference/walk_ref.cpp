#include "host/reference/walk_ref.h"

#include <atomic>

#include "host/core/parallel.h"
#include "kernels/walk_step.h"

namespace grl::ref {

void random_walks(CsrView g, const WalkSpec& s, Span<const NodeId> starts, int64_t num_walks,
                  int32_t* walks, unsigned long long* ended_early) {
  if (num_walks == 0 || starts.size == 0) return;
  std::atomic<unsigned long long> ended{0};
  parallel_chunks(
      num_walks,
      [&](int64_t lo, int64_t hi, int) {
        unsigned long long local = 0;
        for (int64_t w = lo; w < hi; ++w)
          local += walk_detail::walk_one(
              g, s, walk_detail::walk_start(s, starts, static_cast<uint64_t>(w)),
              static_cast<uint64_t>(w), walks + w * s.length);
        ended += local;
      },
      256);
  if (ended_early) *ended_early += ended.load();
}

void count_nodes(Span<const int32_t> walks, int64_t* counts) {
  for (int64_t i = 0; i < walks.size; ++i)
    if (walks[i] >= 0) ++counts[walks[i]];
}

}  // namespace grl::ref
