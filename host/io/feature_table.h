// Node features from an attribute table (CSV with a header), for graphs that carry none or to
// extend the ones they have (`grl sage --features FILE.csv`).
//
//   - the node id column is the one the id_column option names (default: id, node or node_id);
//   - a column is numeric when its first present value is a number: every value must then be
//     a number (else an error names the row and column); optionally standardised;
//   - other columns are categorical (one-hot over their sorted vocabulary), or bag-of-words
//     when a value holds several space-separated tokens (binary over the token vocabulary);
//     the categorical option forces columns to be categorical;
//   - missing values (empty, NA, NaN, null) become 0 plus one indicator column per column that
//     has any, and are counted; graph nodes without a row are all-missing;
//   - ragged rows, ids not in the graph, duplicate ids and a table without rows are errors
//     naming the row; numeric columns far from unit scale without standardisation warn.
// The fitted encoder (kinds, vocabularies, means, deviations) is saved in the model file, so
// `grl embed` / `grl predict` encode new nodes' attributes exactly as training did (unseen
// categories and tokens encode as zeros, and are counted).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "host/graph/graph.h"

namespace grl {

struct FeatureTableOptions {
  std::string id_column;                 // "" = id, node or node_id
  std::vector<std::string> categorical;  // forced categorical columns
  bool standardize = false;
};

struct FeatureColumn {
  enum Kind : int { kNumeric = 0, kCategorical = 1, kBagOfWords = 2 } kind = kNumeric;
  std::string name;
  std::vector<std::string> vocab;  // categorical / bag-of-words, sorted
  double mean = 0, scale = 1;      // numeric: x -> (x - mean) / scale
  bool missing_indicator = false;
};

// What encoding a table did: the dimensions it produced and what it had to cope with.
struct FeatureTableReport {
  int64_t rows = 0, missing_values = 0, nodes_without_row = 0, unseen_categories = 0;
};

class FeatureEncoder {
 public:
  // Learns the columns from the table at `path` (rows keyed by node names of `g`).
  static FeatureEncoder fit(const std::string& path, const Graph& g,
                            const FeatureTableOptions& options);
  // Encodes the table for every node of `g` (num_nodes x dim), with the learnt columns.
  std::vector<float> encode(const std::string& path, const Graph& g,
                            FeatureTableReport* report) const;

  int64_t dim() const;
  const std::vector<FeatureColumn>& columns() const { return columns_; }
  // What fit() noticed that does not stop it: numeric columns far from unit scale without
  // standardisation (|x| above kUnitScaleLimit, or a spread above a fifth of it). Messages
  // name options as {field} (host/core/error.h).
  const std::vector<std::string>& warnings() const { return warnings_; }
  static constexpr double kUnitScaleLimit = 50.0;
  std::string to_json() const;
  static FeatureEncoder from_json(const std::string& json);

 private:
  std::string id_column_;
  std::vector<FeatureColumn> columns_;
  std::vector<std::string> warnings_;
};

// Appends `values` (num_nodes x dim) to the graph's features (or sets them if it has none).
void append_features(Graph& g, const std::vector<float>& values, int64_t dim);

}  // namespace grl
