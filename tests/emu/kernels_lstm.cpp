// kernels/lstm.cu compiled for the emulator: the LSTM launchers the emulated backend calls
// (launch_lstm_scatter too, but its transpose is CUB's: the emulated backend does not call it).
#include "tests/emu/warp_emulator.h"
// (the emulator first: the kernel file uses its intrinsics)
#include "kernels/lstm.cu"
