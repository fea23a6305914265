// CPU reference of kernels/walk.h (same arguments, no stream).
#pragma once
#include "kernels/walk.h"

namespace grl::ref {

void random_walks(CsrView graph, const WalkSpec& spec, Span<const NodeId> starts, int64_t num_walks,
                  int32_t* walks, unsigned long long* ended_early);
void count_nodes(Span<const int32_t> walks, int64_t* counts);

}  // namespace grl::ref
