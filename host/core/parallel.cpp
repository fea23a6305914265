#include "host/core/parallel.h"

#include <atomic>
#include <cstdlib>

namespace grl {

namespace {
std::atomic<int> g_threads{0};       // set_num_threads; 0 = GRL_THREADS or the hardware's
std::atomic<int> g_peak_workers{0};  // the most workers one parallel region used
}  // namespace

int num_threads() {
  if (const int n = g_threads.load(); n > 0) return n;
  if (const char* env = std::getenv("GRL_THREADS")) {
    int n = std::atoi(env);
    if (n > 0) return n;
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

void set_num_threads(int n) { g_threads.store(n > 0 ? n : 0); }

void note_workers(int workers) {
  int seen = g_peak_workers.load();
  while (workers > seen && !g_peak_workers.compare_exchange_weak(seen, workers)) {
  }
}

int take_peak_workers() { return std::max(1, g_peak_workers.exchange(0)); }

}  // namespace grl
