// CPU reference of kernels/sgns.h: every centre in order, one thread (deterministic).
#pragma once
#include "kernels/sgns.h"

namespace grl::ref {

void sgns(Span<const int32_t> walks, int64_t num_walks, const SgnsSpec& spec, AliasView all,
          AliasView typed, MatrixView<float> syn0, MatrixView<float> syn1, SgnsStats* stats);

}  // namespace grl::ref
