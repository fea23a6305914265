#include "host/core/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace grl {

Progress::Progress(std::string what, double total, std::string unit, bool enabled, Log log)
    : what_(std::move(what)),
      unit_(std::move(unit)),
      rate_unit_(unit_),
      total_(total),
      enabled_(enabled),
      tty_(enabled && ::isatty(fileno(stderr))),
      log_(std::move(log)),
      start_(Clock::now()),
      last_(start_) {
  interval_ = tty_ ? 0.1 : 5.0;
  if (const char* env = std::getenv("GRL_PROGRESS_SECONDS")) interval_ = std::atof(env);
  if (!log_) log_ = [](const std::string& s) { std::fprintf(stderr, "%s\n", s.c_str()); };
}

Progress::~Progress() { finish(); }

void Progress::rate_of(std::string unit, double per_item) {
  rate_unit_ = std::move(unit);
  rate_per_item_ = per_item;
}

std::string Progress::clock(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long long s = std::llround(seconds);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  return buf;
}

std::string Progress::si(double v) {
  char buf[32];
  const double a = std::fabs(v);
  if (a >= 1e9)
    std::snprintf(buf, sizeof buf, "%.3gG", v / 1e9);
  else if (a >= 1e6)
    std::snprintf(buf, sizeof buf, "%.3gM", v / 1e6);
  else if (a >= 1e4)
    std::snprintf(buf, sizeof buf, "%.3gk", v / 1e3);
  else if (a >= 100)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

std::string Progress::line(double done, const std::string& extra) const {
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  const double frac = total_ > 0 ? std::min(1.0, done / total_) : 0.0;
  std::string s = what_;
  if (tty_) {
    const int width = 24, full = static_cast<int>(width * frac);
    s += " [" + std::string(full, '=') + (full < width ? ">" : "") +
         std::string(width - full - (full < width ? 1 : 0), ' ') + "]";
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, " %3.0f%%  ", 100 * frac);
  s += buf + si(done) + "/" + si(total_) + " " + unit_;
  if (elapsed > 0 && done > 0) {
    s += "  " + si(done * rate_per_item_ / elapsed) + " " + rate_unit_ + "/s";
    s += "  ETA " + clock(elapsed * (total_ - done) / done);
  }
  if (!extra.empty()) s += "  " + extra;
  return s;
}

bool Progress::due(double done) const {
  return enabled_ && (std::chrono::duration<double>(Clock::now() - last_).count() >= interval_ ||
                      done >= total_);
}

void Progress::update(double done, const std::string& extra) {
  if (!due(done)) return;
  last_ = Clock::now();
  if (tty_) {
    std::fprintf(stderr, "\r%s\033[K", line(done, extra).c_str());
    std::fflush(stderr);
    drawn_ = true;
  } else {
    log_(line(done, extra));
  }
}

void Progress::finish() {
  if (drawn_) std::fprintf(stderr, "\r\033[K");
  drawn_ = false;
}

}  // namespace grl
