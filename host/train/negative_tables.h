// Skip-gram's sampling tables, built on the host from the first epoch's walk counts: the
// unigram^0.75 negative distribution as Walker alias tables (Vose's method in double
// precision), one per segment the kernel draws from (the whole id range, or with row blocks
// each block; for metapath2vec++ each node type cut by the blocks), and word2vec's subsampling
// keep probability per node.
#pragma once
#include <cstdint>
#include <vector>

#include "host/graph/graph.h"
#include "host/ops/backend.h"

namespace grl {

// Entries [begin, end) of prob/alias describe a distribution over the ids [begin, end)
// proportional to weights[begin, end). All-zero weights give uniform.
void build_alias_table(const std::vector<double>& weights, int64_t begin, int64_t end,
                       std::vector<float>& prob, std::vector<int32_t>& alias);

class NegativeTables {
 public:
  // counts[v]: occurrences of node v in the walks; block_begin: the row blocks' first ids (and
  // n last); typed: metapath2vec++'s per-type tables too (spec.type_begin must be set). With
  // sample > 0, word2vec's subsampling: a node making up a fraction f of all positions is kept
  // with probability (sqrt(f / s) + 1) * s / f. Uploads into backend memory.
  NegativeTables(Backend& backend, const std::vector<int64_t>& counts,
                 const std::vector<int64_t>& block_begin, const SgnsSpec& spec, bool typed,
                 double sample);
  NegativeTables(const NegativeTables&) = delete;
  NegativeTables& operator=(const NegativeTables&) = delete;
  AliasView all() const { return all_; }
  AliasView typed() const { return typed_; }
  const float* keep() const { return keep_.data(); }  // null without subsampling

 private:
  Buffer<float> prob_, typed_prob_, keep_;
  Buffer<int32_t> alias_, typed_alias_;
  AliasView all_, typed_;
};

}  // namespace grl
