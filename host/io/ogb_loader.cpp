// OGB node-property-prediction loader, raw CSV layout (files plain or gzipped), in DIR or DIR/raw:
//
//   edge.csv            `src,dst`, 0-based node ids
//   num-node-list.csv   one line: the node count N (required)
//   node-feat.csv       optional, N rows of comma-separated floats
//   node-label.csv      optional, N rows: one class id ("nan" or empty: unlabelled), or a 0/1
//                       row per node (more than one column: multi-label)
//   DIR/split/<scheme>/{train,valid,test}.csv   optional, one node id per line
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

#include "host/core/error.h"
#include "host/io/loaders.h"
#include "host/io/text_reader.h"

namespace grl {
namespace {

namespace fs = std::filesystem;

// Single-label class ids are dense; a larger id is a corrupt file, not a real class count.
constexpr int32_t kMaxClasses = 1 << 20;

bool is_dir(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

NodeId read_node_count(const std::string& file) {
  LineReader reader(file);
  std::vector<std::string_view> fields;
  std::string_view line;
  int64_t n = -1;
  while (reader.next(line)) {
    if (is_blank_or_comment(line)) continue;
    if (n >= 0)
      reader.fail("expected a single line (the node count of one graph), found another line");
    split_fields(line, fields);
    if (fields.size() != 1)
      reader.fail("expected 1 field (the node count), got " + std::to_string(fields.size()));
    n = parse_int(fields[0], reader, "node count");
    if (n < 1 || n > std::numeric_limits<NodeId>::max())
      reader.fail("expected a node count in [1, " +
                  std::to_string(std::numeric_limits<NodeId>::max()) + "], got " +
                  std::to_string(n));
  }
  if (n < 0) throw InputError(file, 0, "expected the node count, found no data");
  return static_cast<NodeId>(n);
}

NodeId parse_node(std::string_view field, const LineReader& reader, NodeId n) {
  int64_t v = parse_int(field, reader, "node id");
  if (v < 0 || v >= n)
    reader.fail("node id " + std::to_string(v) + " out of range [0, " + std::to_string(n) + ")");
  return static_cast<NodeId>(v);
}

Features read_features(const std::string& file, NodeId n) {
  Features f;
  std::vector<float> values;
  LineReader reader(file);
  std::vector<std::string_view> fields;
  std::string_view line;
  int64_t rows = 0;
  while (reader.next(line)) {
    split_fields(line, fields);
    if (rows == 0) {
      if (fields.empty()) reader.fail("expected comma-separated feature values, got an empty line");
      f.dim = static_cast<int64_t>(fields.size());
      values.reserve(static_cast<size_t>(std::min<int64_t>(int64_t{n} * f.dim, int64_t{1} << 24)));
    } else if (static_cast<int64_t>(fields.size()) != f.dim) {
      reader.fail("expected " + std::to_string(f.dim) + " feature values as on line 1, got " +
                  std::to_string(fields.size()));
    }
    if (rows == n)
      reader.fail("more feature rows than nodes (num-node-list.csv gives " + std::to_string(n) +
                  ")");
    for (std::string_view field : fields) {
      double v = parse_double(field, reader, "for a feature value");
      if (!std::isfinite(v))
        reader.fail("expected a finite feature value, got " + quote_field(field));
      values.push_back(static_cast<float>(v));
    }
    ++rows;
  }
  if (rows != n)
    throw InputError(
        file, 0,
        "expected " + std::to_string(n) + " rows (one per node), got " + std::to_string(rows));
  f.rows = n;
  f.values = Array<float>(std::move(values));
  return f;
}

bool is_nan_field(std::string_view s) {
  return s.size() == 3 && (s[0] | 0x20) == 'n' && (s[1] | 0x20) == 'a' && (s[2] | 0x20) == 'n';
}

Labels read_labels(const std::string& file, NodeId n) {
  Labels labels;
  LineReader reader(file);
  std::vector<std::string_view> fields;
  std::string_view line;
  int64_t rows = 0;
  size_t width = 0;  // fixed by line 1; 1: single label, > 1: multi-label 0/1 matrix
  int32_t max_class = -1;
  while (reader.next(line)) {
    // An empty line is a row too: an unlabelled node.
    split_fields(line, fields);
    size_t w = std::max<size_t>(fields.size(), 1);
    if (rows == 0) {
      width = w;
      labels.multi_label = width > 1;
      if (labels.multi_label) labels.multi_offsets.push_back(0);
    } else if (w != width) {
      reader.fail("expected " + std::to_string(width) +
                  (width == 1 ? " field (class id)" : " fields (0/1 per class)") +
                  " as on line 1, got " + std::to_string(w));
    }
    if (rows == n)
      reader.fail("more label rows than nodes (num-node-list.csv gives " + std::to_string(n) + ")");
    if (!labels.multi_label) {
      int32_t c = -1;
      if (!fields.empty() && !fields[0].empty() && !is_nan_field(fields[0])) {
        double v = 0;
        if (!try_parse_double(fields[0], v) || v < 0 || v != std::floor(v) || v >= kMaxClasses)
          reader.fail("expected a class id (an integer in [0, " + std::to_string(kMaxClasses) +
                      "), or nan for unlabelled), got " + quote_field(fields[0]));
        c = static_cast<int32_t>(v);
        max_class = std::max(max_class, c);
      }
      labels.single.push_back(c);
    } else {
      for (size_t k = 0; k < width; ++k) {
        double v = 0;
        if (!try_parse_double(fields[k], v) || (v != 0 && v != 1))
          reader.fail("expected 0 or 1 for class " + std::to_string(k) + ", got " +
                      quote_field(fields[k]));
        if (v == 1) labels.multi_classes.push_back(static_cast<int32_t>(k));
      }
      labels.multi_offsets.push_back(static_cast<int64_t>(labels.multi_classes.size()));
    }
    ++rows;
  }
  if (rows != n)
    throw InputError(
        file, 0,
        "expected " + std::to_string(n) + " rows (one per node), got " + std::to_string(rows));
  labels.num_classes = labels.multi_label ? static_cast<int32_t>(width) : max_class + 1;
  return labels;
}

std::vector<NodeId> read_split_set(const std::string& file, NodeId n) {
  LineReader reader(file);
  std::vector<std::string_view> fields;
  std::string_view line;
  std::vector<NodeId> ids;
  while (reader.next(line)) {
    if (is_blank_or_comment(line)) continue;
    split_fields(line, fields);
    if (fields.size() != 1)
      reader.fail("expected 1 field (node id), got " + std::to_string(fields.size()));
    ids.push_back(parse_node(fields[0], reader, n));
  }
  if (ids.empty()) throw InputError(file, 0, "no node ids found (expected one node id per line)");
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

// The split directory to read: DIR/split/<scheme>, or the only scheme present; "" for none.
std::string find_split_dir(const std::string& dir, const std::string& scheme) {
  const std::string root = dir + "/split";
  std::vector<std::string> schemes;
  if (is_dir(root)) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(root, ec))
      if (entry.is_directory()) schemes.push_back(entry.path().filename().string());
    std::sort(schemes.begin(), schemes.end());
  }
  std::string available;
  for (const auto& s : schemes) available += (available.empty() ? "" : ", ") + s;
  if (!scheme.empty()) {
    if (!is_dir(root + "/" + scheme))
      throw UsageError("split scheme '" + scheme + "' not found in " + root +
                       " (available: " + (available.empty() ? "none" : available) + ")");
    return root + "/" + scheme;
  }
  if (schemes.empty()) return {};
  if (schemes.size() > 1)
    throw UsageError(root + " holds several split schemes (" + available +
                     "); choose one with the split scheme option");
  return root + "/" + schemes[0];
}

}  // namespace

Graph load_ogb(const std::string& dir, const LoadOptions& options) {
  std::string base = dir + "/raw";
  if (optional_file(base + "/edge.csv").empty()) base = dir;
  if (optional_file(base + "/edge.csv").empty())
    throw InputError(dir + "/raw/edge.csv", 0,
                     "no such file (nor .gz, nor edge.csv[.gz] directly in " + dir +
                         "); expected the OGB raw layout: edge.csv, num-node-list.csv, ...");
  // Choose the split before parsing anything: a usage problem is reported at once.
  const std::string split_dir = find_split_dir(dir, options.split_scheme);

  const NodeId n = read_node_count(resolve_maybe_gz(base + "/num-node-list.csv"));

  Graph g;
  g.directed = options.directed.value_or(false);
  const std::string edge_file = resolve_maybe_gz(base + "/edge.csv");
  EdgeList edges;
  {
    LineReader reader(edge_file);
    std::vector<std::string_view> fields;
    std::string_view line;
    while (reader.next(line)) {
      if (is_blank_or_comment(line)) continue;
      split_fields(line, fields);
      if (fields.size() != 2)
        reader.fail("expected 2 fields (src,dst), got " + std::to_string(fields.size()));
      edges.src.push_back(parse_node(fields[0], reader, n));
      edges.dst.push_back(parse_node(fields[1], reader, n));
    }
  }
  const int64_t edge_lines = static_cast<int64_t>(edges.size());
  if (edge_lines == 0) throw InputError(edge_file, 0, "no edges found (expected lines 'src,dst')");
  CsrBuildOptions build;
  build.symmetrize = !g.directed;
  build.drop_self_loops = !options.keep_self_loops;
  CsrBuildStats stats;
  g.csr = build_csr(std::move(edges), n, n, build, &stats);
  g.ids = IdMap::identity(n);

  if (std::string f = optional_file(base + "/node-feat.csv"); !f.empty())
    g.features = read_features(f, n);
  if (std::string f = optional_file(base + "/node-label.csv"); !f.empty())
    g.labels = read_labels(f, n);
  if (!split_dir.empty()) {
    g.split.train = read_split_set(resolve_maybe_gz(split_dir + "/train.csv"), n);
    g.split.valid = read_split_set(resolve_maybe_gz(split_dir + "/valid.csv"), n);
    g.split.test = read_split_set(resolve_maybe_gz(split_dir + "/test.csv"), n);
  }

  g.stats.add("input_edge_lines", edge_lines);
  g.stats.add("self_loops_dropped", stats.self_loops);
  g.stats.add("duplicate_edges_merged", edge_lines - stats.self_loops - g.num_edges());
  return g;
}

}  // namespace grl
