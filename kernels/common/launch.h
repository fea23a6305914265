// GRL_LAUNCH(grid, block, stream, kernel)(args...) is kernel<<<grid, block, 0, stream>>>(args...):
// the one spelling of a launch in kernels/, so that the warp emulator (tests/emu/warp_emulator.h)
// can compile a kernel file, launchers included, with the host compiler and run it on the CPU.
// The kernel comes last so that a template id with commas (k<4, true>) needs no parentheses.
#pragma once

#if defined(GRL_WARP_EMULATION)
#define GRL_LAUNCH(grid, block, stream, ...) \
  (static_cast<void>(stream), ::grl::emu::launcher((grid), (block), __VA_ARGS__))
#else
#define GRL_LAUNCH(grid, block, stream, ...) __VA_ARGS__<<<(grid), (block), 0, (stream)>>>
#endif
