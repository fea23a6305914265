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

// Compressed sparse rows: the neighbours of row r are indices[offsets[r] .. offsets[r+1]).
struct CsrView {
  const EdgeIndex* offsets = nullptr;  // num_rows + 1
  const NodeId* indices = nullptr;     // num_edges
  const float* weights = nullptr;      // num_edges, or null when unweighted
  NodeId num_rows = 0;
  EdgeIndex num_edges = 0;
  GRL_HD EdgeIndex degree(NodeId r) const { return offsets[r + 1] - offsets[r]; }
};

}  // namespace grl
