// A CPU emulator of the CUDA execution model, enough to run grl's own kernel sources (not a copy
// of them) on a machine without a GPU: kernels/*.cu compiled by the host compiler, launches and
// all (GRL_LAUNCH, kernels/common/cuda_check.h), each block's threads run as fibers that meet at
// every warp-wide operation and every __syncthreads.
//
// Why: the GPU tests (tests/gpu) prove a kernel against its CPU reference only where a GPU is
// at hand. Under this emulator the same kernel source runs in every CI run, so a logic error
// in the lane arithmetic, a ballot, a shuffle, a shared-memory reduction, a batch's bookkeeping,
// an index or a launch's grid shows up without a device. What it cannot show: anything about
// speed, the memory model across concurrently running threads (here one thread runs at a time,
// one legal schedule of many), register spills and launch limits. Those need tools/gpu-check.
//
// Model:
// - A thread is a fiber (ucontext) with its own stack; all fibers share one OS thread. A thread
//   runs until it reaches a warp-wide operation (__shfl*_sync, __ballot_sync, __syncwarp) or
//   __syncthreads, leaves its operand there and hands over to the next thread that can run. The
//   last of its warp (block) to arrive releases the others, which then find all 32 operands,
//   and the warp (block) goes on from its first lane (thread). So between two such operations
//   threads run one after another, in index order, which equals SIMT execution for code whose
//   threads do not talk through memory between them (the CUDA rule anyway).
// - A warp-wide operation completes when every lane of its mask waits at an operation with that
//   mask (so sub-warp groups go independently, and masks may nest). Lanes of one mask at
//   different kinds of warp-wide operation, a shuffle width that is not a power of two, threads
//   that wait for threads that finished (also at
//   __syncthreads, which CUDA allows only in code the whole block reaches), an __stcs vector
//   store to a misaligned address and a launch CUDA would refuse are bugs: the emulator says so
//   and aborts. Other misaligned vector accesses are not caught.
// - __shared__ variables are function statics: one copy, which is right because one block runs
//   at a time; but they start zeroed and keep the previous block's values, so a read of shared
//   memory the block never wrote is not caught. Dynamic shared memory is not modelled (grl
//   launches use none).
// - Blocks run one after another. Within a block, by default, a warp runs until it finishes or
//   waits at __syncthreads before the next warp runs, and lanes go in index order: then a kernel
//   whose warps are independent runs its warps in a serial order, and can be compared with a
//   serial reference exactly. Schedule::interleave_warps switches warps at every warp-wide
//   operation instead, as a GPU runs them side by side (Hogwild kernels then race, as they do
//   there). Schedule::reverse runs blocks, warps and lanes last to first: a kernel whose threads
//   write outside their own outputs (a store that spills into the next thread's row) gives the
//   same result both ways only by luck, so a test that runs both orders catches it.
// - Atomics are plain read-modify-writes (one OS thread); __ldcg / __ldg / __stcs are plain
//   accesses; the stream argument of a launch is ignored (everything runs at the launch).
//
// Use: include this header first, then one kernel .cu file per translation unit (their
// anonymous namespaces would collide), then call its launchers on host memory.
#pragma once
#include <cuda_runtime.h>
#include <ucontext.h>

#include <algorithm>
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
#undef __shared__
#define __shared__ static

// The built-in variables, set by the emulator before each thread runs.
inline uint3 threadIdx;
inline uint3 blockIdx;
inline dim3 blockDim;
inline dim3 gridDim;

namespace grl::emu {

[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "warp emulator: %s\n", what);
  std::abort();
}

// The operations threads meet at (their tag: lanes at different ones are a bug).
enum Op : uint32_t { kShfl = 1, kShflXor, kBallot, kSyncwarp, kSyncthreads };

// One block's threads: their fibers, states, and the operands of their warp-wide operations.
class Block {
 public:
  static constexpr size_t kStack = 256 * 1024;  // touched pages only

  explicit Block(unsigned threads)
      : n_(static_cast<int>(threads)),
        stacks_(new char[threads * kStack]),
        ctx_(threads),
        state_(threads),
        mask_(threads),
        value_(threads),
        tag_(threads),
        result_(32 * threads) {}

  // Runs body on every thread of the block; thread t sees threadIdx.x == t.
  void run(bool reverse, bool interleave_warps, std::function<void()> body) {
    body_ = std::move(body);
    reverse_ = reverse;
    interleave_ = interleave_warps;
    block_arrived_ = 0;
    for (int t = 0; t < n_; ++t) {
      state_[t] = kRunnable;
      if (getcontext(&ctx_[t]) != 0) fail("getcontext failed");
      ctx_[t].uc_stack.ss_sp = stacks_.get() + t * kStack;
      ctx_[t].uc_stack.ss_size = kStack;
      ctx_[t].uc_link = nullptr;
      makecontext(&ctx_[t], &Block::thread_main, 0);
    }
    running() = this;
    current_ = reverse_ ? n_ - 1 : 0;
    threadIdx = uint3{static_cast<unsigned>(current_), 0, 0};
    if (swapcontext(&scheduler_, &ctx_[current_]) != 0) fail("swapcontext failed");
    running() = nullptr;
  }

  // A warp-wide operation over the lanes of `mask` (the calling lane among them): each leaves
  // `mine` and, once all of them wait at an operation with this mask, each gets its own copy
  // of the 32 slots (those of `mask` hold the operands, the rest 0), so lanes that go on
  // first cannot overwrite what slower ones still read, however masks nest.
  const uint64_t* warp_exchange(uint32_t mask, uint32_t tag, uint64_t mine) {
    const int t = current_, w = t / 32, lane = t % 32;
    if (!(mask >> lane & 1u)) fail("a lane calls a warp-wide operation with a mask without it");
    value_[t] = mine;
    tag_[t] = tag;
    mask_[t] = mask;
    state_[t] = kWaitWarp;
    bool complete = true;
    for (int l = 0; l < 32 && complete; ++l) {
      const int u = 32 * w + l;
      // Not there yet, or at another mask's operation (or finished: a deadlock, caught when no
      // thread can run).
      if ((mask >> l & 1u) && (state_[u] != kWaitWarp || mask_[u] != mask)) complete = false;
    }
    if (complete) {  // the last lane: check, hand out the operands, release
      for (int l = 0; l < 32; ++l)
        if ((mask >> l & 1u) && tag_[32 * w + l] != tag)
          fail("lanes of one mask reached different warp-wide operations");
      for (int l = 0; l < 32; ++l) {
        if (!(mask >> l & 1u)) continue;
        uint64_t* out = &result_[32 * (32 * w + l)];
        for (int k = 0; k < 32; ++k) out[k] = mask >> k & 1u ? value_[32 * w + k] : 0;
        state_[32 * w + l] = kRunnable;
      }
      // The lanes go on from the first, as SIMT does; interleaved, the next warp first.
      if (interleave_)
        restart(0, n_, reverse_ ? (32 * w - 1 + n_) % n_ : (32 * w + 32) % n_);
      else
        restart(32 * w, 32, reverse_ ? 31 : 0);
    } else {
      yield();
    }
    return &result_[32 * t];
  }

  void syncthreads() {
    const int t = current_;
    if (++block_arrived_ == n_) {
      block_arrived_ = 0;
      for (int u = 0; u < n_; ++u)
        if (state_[u] == kWaitBlock) state_[u] = kRunnable;
      restart(0, n_, reverse_ ? n_ - 1 : 0);  // the block goes on from its first thread
    } else {
      state_[t] = kWaitBlock;
      yield();
    }
  }

  int lane() const { return current_ % 32; }

  static Block*& running() {
    static Block* b = nullptr;
    return b;
  }

 private:
  enum State : uint8_t { kRunnable, kWaitWarp, kWaitBlock, kDone };

  // The next thread that can run after the current one, in the block's order (first within
  // the current warp unless warps interleave); -1: none.
  int next_runnable() const {
    if (!interleave_) {
      const int base = current_ / 32 * 32, lane = current_ % 32;
      for (int k = 1; k <= 32; ++k) {
        const int u = base + (reverse_ ? (lane - k + 64) % 32 : (lane + k) % 32);
        if (state_[u] == kRunnable) return u;
      }
    }
    for (int k = 1; k <= n_; ++k) {
      const int u = reverse_ ? (current_ - k + 2 * n_) % n_ : (current_ + k) % n_;
      if (state_[u] == kRunnable) return u;
    }
    return -1;
  }

  void check_no_waiter() const {
    for (int u = 0; u < n_; ++u)
      if (state_[u] != kDone)
        fail(state_[u] == kWaitWarp
                 ? "a lane waits at a warp-wide operation that others of its warp never reach"
                 : "threads wait at __syncthreads for threads that never reach it");
  }

  // Hands over to the first runnable thread of [begin, begin + count), going round in the
  // block's order from begin + first (the current thread stays runnable and gets its turn).
  void restart(int begin, int count, int first) {
    for (int k = 0; k < count; ++k) {
      const int u = begin + (reverse_ ? (first - k + count) % count : (first + k) % count);
      if (state_[u] != kRunnable) continue;
      if (u == current_) return;
      const int prev = current_;
      current_ = u;
      threadIdx = uint3{static_cast<unsigned>(u), 0, 0};
      if (swapcontext(&ctx_[prev], &ctx_[u]) != 0) fail("swapcontext failed");
      return;
    }
  }

  void yield() {
    const int next = next_runnable();
    if (next < 0) check_no_waiter();  // no one can run: a deadlock (it aborts)
    const int prev = current_;
    current_ = next;
    threadIdx = uint3{static_cast<unsigned>(next), 0, 0};
    if (swapcontext(&ctx_[prev], &ctx_[next]) != 0) fail("swapcontext failed");
  }

  static void thread_main() {
    Block& b = *running();
    b.body_();
    b.state_[b.current_] = kDone;
    const int next = b.next_runnable();
    if (next < 0) {
      b.check_no_waiter();
      setcontext(&b.scheduler_);
    } else {
      b.current_ = next;
      threadIdx = uint3{static_cast<unsigned>(next), 0, 0};
      setcontext(&b.ctx_[next]);
    }
    fail("setcontext returned");
  }

  int n_;
  std::unique_ptr<char[]> stacks_;
  std::vector<ucontext_t> ctx_;
  std::vector<State> state_;
  std::vector<uint32_t> mask_;    // the mask of the warp-wide operation it waits at
  std::vector<uint64_t> value_;   // its operand there
  std::vector<uint32_t> tag_;     // which operation
  std::vector<uint64_t> result_;  // [thread][lane]: the operands it got
  int block_arrived_ = 0;
  std::function<void()> body_;
  ucontext_t scheduler_{};
  bool reverse_ = false;
  bool interleave_ = false;
  int current_ = 0;
};

inline Block& current_block() {
  Block* b = Block::running();
  if (!b) fail("a warp-wide operation or barrier outside an emulated launch");
  return *b;
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

// How launches run.
struct Schedule {
  bool reverse = false;           // blocks, warps and lanes last to first
  bool interleave_warps = false;  // switch warps at every warp-wide operation
};
inline Schedule& schedule() {
  static Schedule s;
  return s;
}

// The launches in its scope run with schedule s (the old one comes back, also on a throw).
class ScheduleScope {
 public:
  explicit ScheduleScope(Schedule s) : old_(schedule()) { schedule() = s; }
  ~ScheduleScope() { schedule() = old_; }
  ScheduleScope(const ScheduleScope&) = delete;
  ScheduleScope& operator=(const ScheduleScope&) = delete;

 private:
  Schedule old_;
};

// Runs kernel(args...) over a 1-D or 2-D grid of 1-D blocks (whole warps), blocks one after
// another. Launches CUDA would refuse abort here.
template <class Kernel, class... Args>
void launch(dim3 grid, dim3 block, Kernel kernel, Args... args) {
  if (grid.z != 1 || block.y != 1 || block.z != 1) fail("only 1-D blocks and 2-D grids");
  if (block.x == 0 || block.x % 32 != 0) fail("blocks must be whole warps");
  if (block.x > 1024) fail("more than 1024 threads per block (CUDA refuses the launch)");
  if (grid.x == 0 || grid.y == 0) fail("an empty grid (CUDA refuses the launch)");
  if (grid.x > 0x7FFFFFFFu || grid.y > 65535) fail("a grid CUDA refuses (x < 2^31, y < 65536)");
  gridDim = grid;
  blockDim = block;
  const Schedule sc = schedule();
  const unsigned blocks = grid.x * grid.y;
  Block b(block.x);
  for (unsigned i = 0; i < blocks; ++i) {
    const unsigned k = sc.reverse ? blocks - 1 - i : i;
    blockIdx = uint3{k % grid.x, k / grid.x, 0};
    b.run(sc.reverse, sc.interleave_warps, [&] { kernel(args...); });
  }
}

// GRL_LAUNCH's emulated form: GRL_LAUNCH(grid, block, stream, kernel)(args...).
template <class Kernel>
struct Launcher {
  dim3 grid, block;
  Kernel kernel;
  template <class... Args>
  void operator()(Args&&... args) const {
    launch(grid, block, kernel, std::forward<Args>(args)...);
  }
};

template <class Kernel>
Launcher<Kernel> launcher(dim3 grid, dim3 block, Kernel kernel) {
  return {grid, block, kernel};
}

}  // namespace grl::emu

// ---- the runtime calls and CUB algorithms grl's kernel files make
// -------------------------------- Host versions, switched in by macro for the kernel file that
// follows (cuda_runtime.h is already included above, so its declarations keep their names).
namespace grl::emu {

inline cudaError_t memset_async(void* p, int value, size_t bytes, cudaStream_t = nullptr) {
  if (bytes) std::memset(p, value, bytes);
  return cudaSuccess;
}

inline cudaError_t memcpy_async(void* dst, const void* src, size_t bytes, cudaMemcpyKind,
                                cudaStream_t = nullptr) {
  if (bytes) std::memmove(dst, src, bytes);
  return cudaSuccess;
}

inline cudaError_t memset2d_async(void* p, size_t pitch, int value, size_t width, size_t height,
                                  cudaStream_t = nullptr) {
  for (size_t r = 0; r < height; ++r) std::memset(static_cast<char*>(p) + r * pitch, value, width);
  return cudaSuccess;
}

}  // namespace grl::emu

#define cudaMemsetAsync ::grl::emu::memset_async
#define cudaMemcpyAsync ::grl::emu::memcpy_async
#define cudaMemset2DAsync ::grl::emu::memset2d_async

// The two CUB device-wide algorithms grl calls (its kernel files leave <cub/...> out under
// GRL_WARP_EMULATION). Same contract: a null temp_storage asks for the bytes it needs.
namespace cub {

// What the stand-ins ask for: a caller that passes less than it was told aborts, as CUB fails.
inline constexpr size_t kTempBytes = 256;

struct DeviceRadixSort {
  // Stable sort of the pairs by bits [begin_bit, end_bit) of the keys (signed keys ordered as
  // CUB orders them: sign bit flipped).
  template <class K, class V>
  static cudaError_t SortPairs(void* temp_storage, size_t& temp_bytes, const K* keys_in,
                               K* keys_out, const V* values_in, V* values_out, int n,
                               int begin_bit = 0, int end_bit = int{sizeof(K) * 8},
                               cudaStream_t = nullptr) {
    static_assert(std::is_integral_v<K> && sizeof(K) <= 8);
    if (!temp_storage) {
      temp_bytes = kTempBytes;
      return cudaSuccess;
    }
    if (temp_bytes < kTempBytes) grl::emu::fail("cub::DeviceRadixSort: temp storage too small");
    using U = std::make_unsigned_t<K>;
    const U flip = std::is_signed_v<K> ? U{1} << (sizeof(K) * 8 - 1) : U{0};
    const int bits = end_bit - begin_bit;
    const U mask = bits >= int{sizeof(K) * 8} ? ~U{0} : static_cast<U>((U{1} << bits) - 1);
    auto digit = [&](K k) {
      return static_cast<U>((static_cast<U>(k) ^ flip) >> begin_bit) & mask;
    };
    std::vector<int> order(n);
    for (int i = 0; i < n; ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return digit(keys_in[a]) < digit(keys_in[b]); });
    std::vector<K> k(n);
    std::vector<V> v(n);
    for (int i = 0; i < n; ++i) k[i] = keys_in[order[i]], v[i] = values_in[order[i]];
    std::copy(k.begin(), k.end(), keys_out);
    std::copy(v.begin(), v.end(), values_out);
    return cudaSuccess;
  }
};

struct DeviceScan {
  template <class In, class Out>
  static cudaError_t ExclusiveSum(void* temp_storage, size_t& temp_bytes, In in, Out out, int n,
                                  cudaStream_t = nullptr) {
    if (!temp_storage) {
      temp_bytes = kTempBytes;
      return cudaSuccess;
    }
    if (temp_bytes < kTempBytes) grl::emu::fail("cub::DeviceScan: temp storage too small");
    std::remove_cv_t<std::remove_reference_t<decltype(in[0])>> sum{};  // CUB adds in the input type
    for (int i = 0; i < n; ++i) {  // in place too: read before write
      const auto x = in[i];
      out[i] = sum;
      sum += x;
    }
    return cudaSuccess;
  }
};

}  // namespace cub

// ---- the intrinsics grl's kernels use -----------------------------------------------------------
namespace grl::emu {
inline void check_width(int width) {
  if (width < 1 || width > 32 || (width & (width - 1)) != 0)
    fail("a shuffle width that is not a power of two up to 32");
}
}  // namespace grl::emu

// Lanes of width-wide groups (width a power of two up to 32), as CUDA defines them.
template <class T>
T __shfl_sync(unsigned mask, T var, int src_lane, int width = 32) {
  grl::emu::check_width(width);
  grl::emu::Block& b = grl::emu::current_block();
  const int lane = b.lane();
  const uint64_t* all = b.warp_exchange(mask, grl::emu::kShfl, grl::emu::to_bits(var));
  const int src = (lane & ~(width - 1)) + (src_lane & (width - 1));
  if (!(mask >> src & 1u)) grl::emu::fail("__shfl_sync reads a lane outside its mask");
  return grl::emu::from_bits<T>(all[src]);
}

template <class T>
T __shfl_xor_sync(unsigned mask, T var, int lane_mask, int width = 32) {
  grl::emu::check_width(width);
  grl::emu::Block& b = grl::emu::current_block();
  const int lane = b.lane();
  const uint64_t* all = b.warp_exchange(mask, grl::emu::kShflXor, grl::emu::to_bits(var));
  const int src = (lane ^ lane_mask) & 31;
  if (src / width > lane / width) return var;  // a later group: the caller's own value
  if (!(mask >> src & 1u)) grl::emu::fail("__shfl_xor_sync reads a lane outside its mask");
  return grl::emu::from_bits<T>(all[src]);
}

inline unsigned __ballot_sync(unsigned mask, int predicate) {
  const uint64_t* all =
      grl::emu::current_block().warp_exchange(mask, grl::emu::kBallot, predicate ? 1 : 0);
  unsigned bits = 0;
  for (int l = 0; l < 32; ++l)
    if (mask >> l & 1u) bits |= static_cast<unsigned>(all[l] & 1) << l;
  return bits;
}

inline void __syncwarp(unsigned mask = 0xFFFFFFFFu) {
  grl::emu::current_block().warp_exchange(mask, grl::emu::kSyncwarp, 0);
}

inline void __syncthreads() { grl::emu::current_block().syncthreads(); }

// CUDA's global integer and float min / max.
template <class A, class B>
constexpr std::common_type_t<A, B> min(A a, B b) {
  return b < a ? b : a;
}
template <class A, class B>
constexpr std::common_type_t<A, B> max(A a, B b) {
  return a < b ? b : a;
}

inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz(static_cast<unsigned>(x)); }
inline int __ffs(int x) { return __builtin_ffs(x); }

template <class T>
T __ldcg(const T* p) {
  return *p;
}

template <class T>
T __ldg(const T* p) {
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

template <class T>
T atomicMin(T* p, T v) {
  const T old = *p;
  *p = std::min(old, v);
  return old;
}

template <class T>
T atomicCAS(T* p, T compare, T v) {
  const T old = *p;
  if (old == compare) *p = v;
  return old;
}
