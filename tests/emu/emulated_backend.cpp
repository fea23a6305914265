// The emulated backend (emulated_backend.h) is the CUDA backend itself: host/ops/
// cuda_backend_cuda.cpp compiled here against host stand-ins for the CUDA runtime and cuBLAS
// (cuda_stand_ins.h). Its kernel operations call the launchers that tests/emu compiles with the
// warp emulator (kernels_*.cpp, sgns_emu_test.cpp, walk_emu_test.cpp define them in this
// executable), so CI runs the backend's forwarding, lanes, events, stage marks, memory and
// operand handling (the row-major GEMM swap included) as a GPU run does, on host memory.
#include "tests/emu/cuda_stand_ins.h"
// (the stand-ins first: they replace the runtime calls of the file below)
#include "host/ops/cuda_backend_cuda.cpp"
