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
//
// l1_rows > 0 also models the SMs' L1 caches, which are not coherent with each other: warps
// 64p .. 64p + 63 run on SM p, whose L1 holds the l1_rows rows (of either table) it read most
// recently. A read that hits returns the SM's copy, however stale; every write (store or atomic)
// goes to the table and drops the writing SM's copy of that row. This is what the kernel's
// default loads (ld.ca) allow; loads that bypass L1 (ld.cg) are l1_rows = 0.
void sgns_lockstep(Span<const int32_t> walks, int64_t num_walks, const SgnsSpec& spec,
                   AliasView all, AliasView typed, MatrixView<float> syn0, MatrixView<float> syn1,
                   SgnsStats* stats, int warps, int l1_rows = 0);

}  // namespace grl::ref
