// kernels/segment_reduce.cu compiled for the emulator: the launcher the emulated backend calls.
#include "tests/emu/warp_emulator.h"
// (the emulator first: the kernel file uses its intrinsics)
#include "kernels/segment_reduce.cu"
