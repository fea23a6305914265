// kernels/sampling.cu compiled for the emulator: the launchers the emulated backend calls.
#include "tests/emu/warp_emulator.h"
// (the emulator first: the kernel file uses its intrinsics)
#include "kernels/sampling.cu"
