#include "host/pipeline/walk_stream.h"

#include <utility>

#include "host/pipeline/lane_scope.h"

namespace grl {

WalkStream::WalkStream(Backend& be, CsrView graph, std::vector<WalkSource> sources,
                       int64_t max_walks, int length)
    : be_(be), graph_(graph), sources_(std::move(sources)), length_(length) {
  for (Buffer<int32_t>& b : buffers_)
    b = Buffer<int32_t>(be, static_cast<size_t>(max_walks * length), "walks");
  for (int b = 0; b < 2; ++b) {
    generated_[b] = be.new_event();
    consumed_[b] = be.new_event();
  }
}

const int32_t* WalkStream::generate_now(const WalkChunk& k, unsigned long long* ended_early) {
  WalkSpec s = sources_[k.source].spec;
  s.first_walk = k.first_walk;
  s.start_offset = k.start_offset;
  be_.random_walks(graph_, s, sources_[k.source].starts, k.walks, buffers_[0].data(), ended_early);
  return buffers_[0].data();
}

void WalkStream::generate(const WalkChunk& k, int b) {
  LaneScope sample_lane(be_, Backend::kLaneSample);
  if (used_[b]) be_.wait_event(consumed_[b]);
  WalkSpec s = sources_[k.source].spec;
  s.first_walk = k.first_walk;
  s.start_offset = k.start_offset;
  be_.random_walks(graph_, s, sources_[k.source].starts, k.walks, buffers_[b].data(), nullptr);
  be_.record_event(generated_[b]);
}

void WalkStream::begin(std::vector<WalkChunk> chunks) {
  chunks_ = std::move(chunks);
  if (!chunks_.empty()) generate(chunks_[0], 0);
}

const int32_t* WalkStream::acquire(size_t j) {
  const int b = static_cast<int>(j % 2);
  if (j + 1 < chunks_.size()) generate(chunks_[j + 1], 1 - b);
  be_.wait_event(generated_[b]);
  return buffers_[b].data();
}

void WalkStream::release(size_t j) {
  const int b = static_cast<int>(j % 2);
  be_.record_event(consumed_[b]);
  used_[b] = true;
}

}  // namespace grl
