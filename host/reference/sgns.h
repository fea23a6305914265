// CPU reference of kernels/sgns.h: every centre in order, one thread (deterministic).
#pragma once
#include "kernels/sgns.h"

namespace grl::ref {

void sgns(Span<const int32_t> walks, int64_t num_walks, const SgnsSpec& spec, AliasView all,
          AliasView typed, MatrixView<float> syn0, MatrixView<float> syn1, SgnsStats* stats);

// A CPU model of the tuned kernel's lock-free concurrency, for studying its effect on quality
// without a GPU. `warps` centres train at once, taken in the kernel's walk-major order as slots
// free up, and advance in lock-step, one target per step: every warp reads its target row before
// any warp writes, then the writes land in warp order. A store (spec.atomic_updates false) writes
// the value read plus g v, so of several warps writing one row in a step only the last update
// survives; an atomic add keeps them all. The centre's delta is added to syn0 when its window
// ends (an atomic add in the kernel, so never lost). warps = 1 is exactly sgns() above. Shared
// negatives are not modelled.
void sgns_lockstep(Span<const int32_t> walks, int64_t num_walks, const SgnsSpec& spec,
                   AliasView all, AliasView typed, MatrixView<float> syn0, MatrixView<float> syn1,
                   SgnsStats* stats, int warps);

}  // namespace grl::ref
