// Non-owning views passed by value to kernels and to their CPU references alike (the
// reference in host/reference/ has the same signature as the launcher in kernels/, so the
// views are memory-space neutral: the caller knows whether the pointers are host or device).
#pragma once
#include <cstdint>

#include "kernels/common/hd.h"
#include "kernels/common/types.h"

namespace grl {

template <class T>
struct Span {
  T* data = nullptr;
  int64_t size = 0;
  GRL_HD T& operator[](int64_t i) const { return data[i]; }
  GRL_HD bool empty() const { return size == 0; }
};

// Row-major matrix; `stride` (in elements) >= cols lets rows be padded for aligned vector loads.
template <class T>
struct MatrixView {
  T* data = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  int64_t stride = 0;
  GRL_HD T* row(int64_t r) const { return data + r * stride; }
  GRL_HD T& at(int64_t r, int64_t c) const { return data[r * stride + c]; }
};

// One entry of a row's alias table (Walker/Vose), for draws in proportion to edge weights
// (kernels/weighted_draw.h): position j of the row is kept when a uniform coin falls below
// `prob`, else the row's position `alias` is taken. prob < 0 marks a row whose weights are all
// zero (no neighbour can be drawn).
struct EdgeAlias {
  float prob;
  int32_t alias;  // a position within the row
};

// Compressed sparse rows: the neighbours of row r are indices[offsets[r] .. offsets[r+1]).
// Draws follow the edge weights where `alias` is set (walks read it alone; the sampler also
// reads `weights`); without it they are uniform, whatever `weights` holds.
struct CsrView {
  const EdgeIndex* offsets = nullptr;  // num_rows + 1
  const NodeId* indices = nullptr;     // num_edges
  const float* weights = nullptr;      // num_edges, or null when unweighted
  NodeId num_rows = 0;
  EdgeIndex num_edges = 0;
  const EdgeAlias* alias = nullptr;  // num_edges: each row's alias table, or null
  GRL_HD EdgeIndex degree(NodeId r) const { return offsets[r + 1] - offsets[r]; }
};

}  // namespace grl
