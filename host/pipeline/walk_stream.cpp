#include "host/pipeline/walk_stream.h"

#include <utility>

#include "host/core/error.h"
#include "host/pipeline/lane_scope.h"

namespace grl {

WalkStream::WalkStream(Backend& be, CsrView graph, std::vector<WalkSource> sources,
                       int64_t max_walks, int length, Comm* ranks)
    : be_(be),
      graph_(graph),
      sources_(std::move(sources)),
      length_(length),
      ranks_(ranks && ranks->size() > 1 ? ranks : nullptr) {
  if (ranks_ && !be.shares_host_memory())
    throw Error("walk shares are gathered in host memory; a GPU rank walks whole chunks");
  for (Buffer<int32_t>& b : buffers_)
    b = Buffer<int32_t>(be, static_cast<size_t>(max_walks * length), "walks");
  for (int b = 0; b < 2; ++b) {
    generated_[b] = be.new_event();
    consumed_[b] = be.new_event();
  }
}

std::pair<int64_t, int64_t> WalkStream::walk_share(const WalkChunk& k, int32_t* out,
                                                   unsigned long long* ended_early) {
  const std::pair<int64_t, int64_t> share =
      ranks_ ? ranks_->share(k.walks) : std::pair<int64_t, int64_t>{0, k.walks};
  WalkSpec s = sources_[k.source].spec;
  s.first_walk = k.first_walk + static_cast<uint64_t>(share.first);
  s.start_offset = k.start_offset + static_cast<uint64_t>(share.first);
  const int64_t walks = share.second - share.first;
  be_.random_walks(graph_, s, sources_[k.source].starts, walks, out + share.first * length_,
                   ended_early);
  generated_walks_ += static_cast<uint64_t>(walks);
  return share;
}

Span<const int32_t> WalkStream::generate_share_now(const WalkChunk& k,
                                                   unsigned long long* ended_early) {
  const std::pair<int64_t, int64_t> share = walk_share(k, buffers_[0].data(), ended_early);
  return {buffers_[0].data() + share.first * length_, (share.second - share.first) * length_};
}

void WalkStream::generate(const WalkChunk& k, int b) {
  LaneScope sample_lane(be_, Backend::kLaneSample);
  if (used_[b]) be_.wait_event(consumed_[b]);
  int32_t* out = buffers_[b].data();
  walk_share(k, out, nullptr);
  if (ranks_)
    ranks_->allgather_shares(out, k.walks, sizeof(int32_t) * static_cast<size_t>(length_));
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
