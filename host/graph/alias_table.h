// Walker alias tables built on the host (Vose's method, in double precision): for skip-gram's
// negative distribution (host/train/negative_tables.h) and for draws in proportion to edge
// weights, one table per adjacency row (kernels/weighted_draw.h reads them on CPU and GPU).
#pragma once
#include <cstdint>

#include "host/core/array.h"
#include "host/graph/graph.h"
#include "kernels/common/views.h"

namespace grl {

// prob[i], alias[i] (indices in [0, n)) for draws of i in proportion to w[i] >= 0: keep i when
// a uniform coin falls below prob[i], else take alias[i]. All-zero weights give uniform.
// A zero weight gets prob 0: it is never drawn.
void vose_alias(const double* w, int64_t n, float* prob, int32_t* alias);

// The graph's edge weights fit for weighted draws: every weight >= 0 (finite: the loaders check
// that). Throws ConfigError naming the first negative edge and the way out (--ignore-weights).
void check_draw_weights(const Graph& graph);

// One alias table per row of csr (csr.weighted()), positions local to the row; a row whose
// weights are all zero gets prob -1 in every entry (no neighbour can be drawn). O(edges) time
// on all threads, 8 bytes per edge.
Array<EdgeAlias> build_edge_alias(const Csr& csr);

// What the trainers draw through: check_draw_weights(graph), then build_edge_alias of its CSR
// (graph.csr.weighted()).
Array<EdgeAlias> draw_tables(const Graph& graph);

}  // namespace grl
