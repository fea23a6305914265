// A backend for the GPU tests on a machine without a GPU: the CUDA backend's own code
// (host/ops/cuda_backend_cuda.cpp, compiled by emulated_backend.cpp against host stand-ins for
// the CUDA runtime and cuBLAS), its kernels run by the warp emulator through their launchers
// (kernels/*.cu compiled by tests/emu/kernels_*.cpp and the emulator tests), "device" memory
// being host memory. Only cuBLAS's own arithmetic is the CPU reference gemm; the tests that
// train through --device cuda skip here (gpu_test_util.h's GRL_SKIP_EMULATED).
#pragma once
#include <memory>

#include "host/ops/backend.h"

namespace grl::test {

std::unique_ptr<Backend> make_emulated_backend(const BackendOptions& options = {});

}  // namespace grl::test
