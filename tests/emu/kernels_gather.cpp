// kernels/gather.cu compiled for the emulator: the gather launchers the emulated backend calls.
#include "tests/emu/warp_emulator.h"
// (the emulator first: the kernel file uses its intrinsics)
#include "kernels/gather.cu"
