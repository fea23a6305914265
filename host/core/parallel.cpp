#include "host/core/parallel.h"

#include <cstdlib>

namespace grl {

int num_threads() {
  if (const char* env = std::getenv("GRL_THREADS")) {
    int n = std::atoi(env);
    if (n > 0) return n;
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

}  // namespace grl
