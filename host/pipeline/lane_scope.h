// The one way to queue work on a backend lane other than the current one: a scope. Work queued
// while a LaneScope lives goes to its lane; when the scope ends (also by an exception) the
// previous lane is current again, so no caller can leave the backend on the wrong lane.
//
//   {
//     LaneScope sample(be, Backend::kLaneSample);
//     be.wait_event(consumed);   // the sample lane waits for the compute that read the slot
//     be.sample_neighbors(...);  // queued on the sample lane
//     be.record_event(sampled);
//   }                            // back on the compute lane
#pragma once
#include "host/ops/backend.h"

namespace grl {

class LaneScope {
 public:
  LaneScope(Backend& backend, int lane) : backend_(backend), previous_(backend.lane()) {
    backend_.set_lane(lane);
  }
  ~LaneScope() { backend_.set_lane(previous_); }
  LaneScope(const LaneScope&) = delete;
  LaneScope& operator=(const LaneScope&) = delete;

 private:
  Backend& backend_;
  int previous_;
};

}  // namespace grl
