// A backend for the GPU tests on a machine without a GPU: the CPU backend (host memory,
// references), except that the operations whose kernel files tests/emu compiles run those
// kernels under the warp emulator, through their launchers:
//   walk.cu   random_walks, count_nodes        sgns.cu  sgns
//   dense.cu  every dense operation but gemm   lstm.cu  lstm_orders, lstm_gates_forward/backward
// Everything else (gemm, which is cuBLAS; sampling and aggregation, which use CUB; the LSTM
// scatter, which sorts with CUB) stays the CPU reference, so a GPU test of those passes
// trivially here; gpu_test_util.h's GRL_SKIP_EMULATED marks such tests.
#pragma once
#include <memory>

#include "host/ops/backend.h"

namespace grl::test {

std::unique_ptr<Backend> make_emulated_backend(const BackendOptions& options = {});

}  // namespace grl::test
