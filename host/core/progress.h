// Progress of a long phase, with its rate and the time left: a live bar on a terminal (redrawn
// at most ten times a second), plain lines elsewhere (logs, CI), at most every
// GRL_PROGRESS_SECONDS seconds (default 5; 0 prints every update, for tests).
//
//   Progress p("epoch 3/30", batches, "batches", enabled, log);
//   for (...) p.update(done, "loss 0.41");
//   p.finish();
// prints "epoch 3/30 [=======>      ] 45%  124/275 batches  12.3k batches/s  ETA 0:12  loss 0.41"
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace grl {

class Progress {
 public:
  using Log = std::function<void(const std::string&)>;
  // `rate_unit`/`rate_per_item` turn items into a rate worth printing (e.g. seeds per batch).
  Progress(std::string what, double total, std::string unit, bool enabled, Log log);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  // Also report a rate of something else per item (e.g. 512 seeds per batch: "seeds/s").
  void rate_of(std::string unit, double per_item);
  void update(double done, const std::string& extra = "");
  // Whether update(done) would print now (to skip computing an expensive `extra`).
  bool due(double done) const;
  // Clears a live bar (the caller prints the phase's summary line).
  void finish();

  // "1:02:03", "2:03", "0:07"
  static std::string clock(double seconds);
  // "12.3k", "4.56M"
  static std::string si(double value);

 private:
  using Clock = std::chrono::steady_clock;
  std::string line(double done, const std::string& extra) const;

  std::string what_, unit_, rate_unit_;
  double total_, rate_per_item_ = 1;
  bool enabled_, tty_;
  Log log_;
  Clock::time_point start_, last_;
  double interval_;
  bool drawn_ = false;
};

}  // namespace grl
