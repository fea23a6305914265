// A backend for the GPU tests on a machine without a GPU: the CPU backend's memory (host
// memory), lanes and timing, with every kernel operation running its kernel under the warp
// emulator through its launcher (kernels/*.cu compiled by tests/emu/kernels_*.cpp and the
// emulator tests). Only gemm, which is cuBLAS, is the CPU reference; gpu_test_util.h's
// GRL_SKIP_EMULATED marks the GPU test that would then compare the CPU with itself.
#pragma once
#include <memory>

#include "host/ops/backend.h"

namespace grl::test {

std::unique_ptr<Backend> make_emulated_backend(const BackendOptions& options = {});

}  // namespace grl::test
