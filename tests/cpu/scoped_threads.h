// Sets GRL_THREADS for the lifetime of the object, then restores the previous value: tests
// that run the same work on several thread counts and compare the results.
#pragma once
#include <cstdlib>
#include <optional>
#include <string>

namespace grl::test {

class ScopedThreads {
 public:
  explicit ScopedThreads(int n) {
    if (const char* old = std::getenv("GRL_THREADS")) old_ = old;
    setenv("GRL_THREADS", std::to_string(n).c_str(), 1);
  }
  ~ScopedThreads() {
    if (old_)
      setenv("GRL_THREADS", old_->c_str(), 1);
    else
      unsetenv("GRL_THREADS");
  }
  ScopedThreads(const ScopedThreads&) = delete;
  ScopedThreads& operator=(const ScopedThreads&) = delete;

 private:
  std::optional<std::string> old_;
};

}  // namespace grl::test
