// CPU reference of kernels/sampling.h: the same semantics, written as the obvious sequential
// loop. It is the oracle of the GPU sampler (exact equality) and the CPU backend's sampler.
#pragma once
#include "kernels/sampling.h"

namespace grl::ref {

void sample_neighbors(CsrView graph, Span<const NodeId> seeds, const SampleLayout& layout,
                      const SampleParams& params, const SampleOutput& out);

// The picks of one node: positions in its adjacency row, in slot order (the shared definition
// both backends implement). Returns the count; writes up to `fanout` positions.
int sample_positions(int64_t degree, int fanout, NodeId node, int hop, const SampleParams& params,
                     int64_t* positions);

}  // namespace grl::ref
