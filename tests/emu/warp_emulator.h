// A CPU emulator of the CUDA execution model, enough to run grl's own kernel sources (not a copy
// of them) on a machine without a GPU: kernels/*.cu compiled by the host compiler, each warp run
// as 32 lanes in lock-step at its warp-wide operations.
//
// Why: the GPU tests (tests/gpu) prove a kernel against its CPU reference only where a GPU is
// at hand. Under this emulator the same kernel source runs in every CI run, so a logic error
// in the lane arithmetic, a ballot, a shuffle, a batch's bookkeeping or an index shows up
// without a device. What it cannot show: anything about speed, the memory model across warps
// (warps here run one after another, one legal schedule of many), register spills and launch
// limits. Those still need tools/gpu-check.
//
// Model:
// - A lane is a fiber (ucontext) with its own stack; the 32 lanes of a warp share one OS thread.
//   A lane runs until a warp-wide operation (__shfl*_sync, __ballot_sync, __syncwarp), leaves
//   its operand there and hands over to the next lane; the last lane hands back to lane 0,
//   which then finds all 32 operands. So between two warp-wide operations lanes run one after
//   another, which equals SIMT execution for code whose lanes do not talk through memory
//   between such operations (grl's warp kernels do not: lanes own disjoint dimensions).
// - Only full masks (0xFFFFFFFF) are modelled, as grl uses no other. A warp whose lanes reach
//   different warp-wide operations, or finish at different ones, is a bug in the kernel: the
//   emulator says so and aborts. So does a vector store to a misaligned address.
// - Blocks and the warps of a block run one after another; there is no __syncthreads and no
//   __shared__ memory here, as grl's skip-gram and walk kernels use neither.
// - Order::kReverse runs blocks, warps and lanes last to first. A kernel whose threads write
//   outside their own outputs (a store that spills into the next thread's row) gives the same
//   result both ways only by luck: a test that runs both orders catches it.
// - Atomics are plain read-modify-writes (one OS thread); __ldcg / __stcs are plain accesses.
//
// Use: include this header, then the kernel's .cu file (its launch code is left out under
// GRL_WARP_EMULATION), then call grl::emu::launch(grid, block, kernel, args...).
#pragma once
#include <cuda_runtime.h>
#include <ucontext.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <type_traits>
#include <vector>

#define GRL_WARP_EMULATION 1
#ifndef __launch_bounds__
#define __launch_bounds__(...)
#endif

// The built-in variables, set by the emulator before each lane runs.
inline uint3 threadIdx;
inline uint3 blockIdx;
inline dim3 blockDim;
inline dim3 gridDim;

namespace grl::emu {

[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "warp emulator: %s\n", what);
  std::abort();
}

// One warp's lanes and the operand slots of its warp-wide operations (double-buffered: a lane
// may write the next operation's operand while later lanes still read this one's).
class Warp {
 public:
  static constexpr int kLanes = 32;
  static constexpr size_t kStack = 256 * 1024;

  Warp() : stacks_(new char[kLanes * kStack]) {}

  // Runs body on all 32 lanes, lane 0 first (reverse: lane 31 first); lane l sees
  // threadIdx.x == first_thread + l.
  void run(unsigned first_thread, bool reverse, std::function<void()> body) {
    body_ = std::move(body);
    first_thread_ = first_thread;
    step_ = reverse ? kLanes - 1 : 1;
    first_ = reverse ? kLanes - 1 : 0;
    for (int l = 0; l < kLanes; ++l) {
      done_[l] = false;
      ops_[l] = 0;
      if (getcontext(&lane_[l]) != 0) fail("getcontext failed");
      lane_[l].uc_stack.ss_sp = stacks_.get() + l * kStack;
      lane_[l].uc_stack.ss_size = kStack;
      lane_[l].uc_link = nullptr;
      makecontext(&lane_[l], &Warp::lane_main, 0);
    }
    running() = this;
    current_ = first_;
    threadIdx = uint3{first_thread_ + static_cast<unsigned>(first_), 0, 0};
    if (swapcontext(&scheduler_, &lane_[first_]) != 0) fail("swapcontext failed");
    running() = nullptr;
    for (int l = 0; l < kLanes; ++l)
      if (!done_[l]) fail("a lane waits at a warp-wide operation that other lanes never reached");
  }

  // The warp-wide exchange: every lane gives `mine` and gets all 32 operands (tag names the
  // operation, so lanes at different operations are caught).
  const uint64_t* exchange(uint32_t mask, uint32_t tag, uint64_t mine) {
    if (mask != 0xFFFFFFFFu) fail("only full-warp masks are emulated");
    const int lane = current_;
    const int slot = ops_[lane]++ & 1;
    value_[slot][lane] = mine;
    tag_[slot][lane] = tag;
    const int next = (lane + step_) % kLanes;
    if (done_[next]) fail("a lane reached a warp-wide operation after other lanes had finished");
    switch_to(next);
    for (int l = 0; l < kLanes; ++l)
      if (tag_[slot][l] != tag || ops_[l] < ops_[lane] - 1 || ops_[l] > ops_[lane] + 1)
        fail("lanes of one warp reached different warp-wide operations");
    return value_[slot];
  }

  int lane() const { return current_; }

  static Warp*& running() {
    static Warp* w = nullptr;
    return w;
  }

 private:
  void switch_to(int next) {
    const int prev = current_;
    current_ = next;
    threadIdx = uint3{first_thread_ + static_cast<unsigned>(next), 0, 0};
    if (swapcontext(&lane_[prev], &lane_[next]) != 0) fail("swapcontext failed");
  }

  static void lane_main() {
    Warp& w = *running();
    w.body_();
    const int lane = w.current_;
    w.done_[lane] = true;
    const int next = (lane + w.step_) % kLanes;
    if (next == w.first_) {
      setcontext(&w.scheduler_);
    } else {
      if (w.done_[next]) fail("lanes of one warp finished after different warp-wide operations");
      w.current_ = next;
      threadIdx = uint3{w.first_thread_ + static_cast<unsigned>(next), 0, 0};
      setcontext(&w.lane_[next]);
    }
    fail("setcontext returned");
  }

  std::unique_ptr<char[]> stacks_;
  std::function<void()> body_;
  unsigned first_thread_ = 0;
  ucontext_t scheduler_{};
  ucontext_t lane_[kLanes]{};
  bool done_[kLanes]{};
  int64_t ops_[kLanes]{};
  uint64_t value_[2][kLanes]{};
  uint32_t tag_[2][kLanes]{};
  int current_ = 0;
  int first_ = 0;  // the lane that runs first
  int step_ = 1;   // lane l hands over to lane (l + step_) % 32
};

inline Warp& current_warp() {
  Warp* w = Warp::running();
  if (!w) fail("a warp-wide operation outside an emulated launch");
  return *w;
}

template <class T>
uint64_t to_bits(T v) {
  static_assert(sizeof(T) <= 8 && std::is_trivially_copyable_v<T>);
  uint64_t b = 0;
  std::memcpy(&b, &v, sizeof(T));
  return b;
}

template <class T>
T from_bits(uint64_t b) {
  T v;
  std::memcpy(&v, &b, sizeof(T));
  return v;
}

enum Op : uint32_t { kShfl = 1, kShflXor, kBallot, kSyncwarp };

enum class Order { kForward, kReverse };

// Runs kernel(args...) over a 1-D grid of 1-D blocks (block a multiple of 32 threads): blocks
// in order, the warps of a block in order, each warp to its end (kReverse: all last to first).
template <class Kernel, class... Args>
void launch_ordered(Order order, unsigned grid, unsigned block, Kernel kernel, Args... args) {
  if (block == 0 || block % 32 != 0) fail("blocks must be whole warps");
  gridDim = dim3(grid, 1, 1);
  blockDim = dim3(block, 1, 1);
  const bool rev = order == Order::kReverse;
  const unsigned warps = block / 32;
  Warp warp;
  for (unsigned i = 0; i < grid; ++i) {
    blockIdx = uint3{rev ? grid - 1 - i : i, 0, 0};
    for (unsigned k = 0; k < warps; ++k)
      warp.run(32 * (rev ? warps - 1 - k : k), rev, [&] { kernel(args...); });
  }
}

template <class Kernel, class... Args>
void launch(unsigned grid, unsigned block, Kernel kernel, Args... args) {
  launch_ordered(Order::kForward, grid, block, kernel, args...);
}

}  // namespace grl::emu

// ---- the intrinsics grl's kernels use -----------------------------------------------------------
template <class T>
T __shfl_sync(unsigned mask, T var, int src_lane, int width = 32) {
  if (width != 32) grl::emu::fail("__shfl_sync: only width 32 is emulated");
  const uint64_t* all =
      grl::emu::current_warp().exchange(mask, grl::emu::kShfl, grl::emu::to_bits(var));
  return grl::emu::from_bits<T>(all[src_lane & 31]);
}

template <class T>
T __shfl_xor_sync(unsigned mask, T var, int lane_mask, int width = 32) {
  if (width != 32) grl::emu::fail("__shfl_xor_sync: only width 32 is emulated");
  grl::emu::Warp& w = grl::emu::current_warp();
  const int lane = w.lane();
  const uint64_t* all = w.exchange(mask, grl::emu::kShflXor, grl::emu::to_bits(var));
  return grl::emu::from_bits<T>(all[(lane ^ lane_mask) & 31]);
}

inline unsigned __ballot_sync(unsigned mask, int predicate) {
  const uint64_t* all =
      grl::emu::current_warp().exchange(mask, grl::emu::kBallot, predicate ? 1 : 0);
  unsigned bits = 0;
  for (int l = 0; l < 32; ++l) bits |= static_cast<unsigned>(all[l] & 1) << l;
  return bits;
}

inline void __syncwarp(unsigned mask = 0xFFFFFFFFu) {
  grl::emu::current_warp().exchange(mask, grl::emu::kSyncwarp, 0);
}

inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz(static_cast<unsigned>(x)); }
inline int __ffs(int x) { return __builtin_ffs(x); }

template <class T>
T __ldcg(const T* p) {
  return *p;
}

template <class T>
void __stcs(T* p, T v) {
  if (reinterpret_cast<uintptr_t>(p) % alignof(T) != 0) grl::emu::fail("__stcs: misaligned store");
  *p = v;
}

template <class T>
T atomicAdd(T* p, T v) {
  const T old = *p;
  *p = old + v;
  return old;
}
