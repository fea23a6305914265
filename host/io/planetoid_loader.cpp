// Planetoid / LINQS raw loader (Cora, CiteSeer): PREFIX.content[.gz] and PREFIX.cites[.gz].
//
//   PREFIX.content  <paper_id> <f_0> ... <f_{d-1}> <class_label>   (TAB, or runs of blanks)
//   PREFIX.cites    <cited_paper_id> <citing_paper_id>              (edge citing -> cited)
//
// Paper ids are kept as strings in file order; class labels become class ids in alphabetical
// order. Citations naming a paper without a content line are skipped and counted.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>

#include "host/core/error.h"
#include "host/io/loaders.h"
#include "host/io/text_reader.h"

namespace grl {
namespace {

// Splits on runs of spaces and tabs (not commas: LINQS ids and labels are free text).
void split_blanks(std::string_view line, std::vector<std::string_view>& out) {
  out.clear();
  size_t i = 0, n = line.size();
  for (;;) {
    while (i < n && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i == n) return;
    size_t j = i;
    while (j < n && line[j] != ' ' && line[j] != '\t') ++j;
    out.push_back(line.substr(i, j - i));
    i = j;
  }
}

}  // namespace

Graph load_planetoid(const std::string& prefix, const LoadOptions& options) {
  Graph g;
  g.directed = options.directed.value_or(false);

  // ---- PREFIX.content: one paper per line.
  const std::string content_file = resolve_maybe_gz(prefix + ".content");
  std::unordered_map<std::string, NodeId> index;
  std::vector<std::string> names;
  std::vector<int64_t> first_line;  // line of each paper, for duplicate errors
  std::vector<float> values;
  std::unordered_map<std::string, int32_t> label_index;  // label -> id in order of appearance
  std::vector<std::string> label_names;
  std::vector<int32_t> node_label;
  size_t num_fields = 0;
  int64_t num_fields_line = 0;
  {
    LineReader reader(content_file);
    std::vector<std::string_view> fields;
    std::string_view line;
    std::string key;
    while (reader.next(line)) {
      split_blanks(line, fields);
      if (fields.empty()) continue;
      if (num_fields == 0) {
        if (fields.size() < 2)
          reader.fail("expected at least 2 fields (paper_id [features...] class_label), got " +
                      std::to_string(fields.size()));
        num_fields = fields.size();
        num_fields_line = reader.line_number();
      } else if (fields.size() != num_fields) {
        reader.fail("expected " + std::to_string(num_fields) + " fields (paper_id, " +
                    std::to_string(num_fields - 2) + " features, class_label) as on line " +
                    std::to_string(num_fields_line) + ", got " + std::to_string(fields.size()));
      }
      if (names.size() >= static_cast<size_t>(std::numeric_limits<NodeId>::max()))
        reader.fail("too many papers");
      key = canonical_id(fields[0]);
      auto [it, fresh] = index.emplace(key, static_cast<NodeId>(names.size()));
      if (!fresh)
        reader.fail("duplicate paper id " + quote_field(fields[0]) + " (first on line " +
                    std::to_string(first_line[it->second]) + ")");
      names.push_back(key);
      first_line.push_back(reader.line_number());
      for (size_t k = 1; k + 1 < fields.size(); ++k) {
        double v = parse_double(fields[k], reader, "for a feature value");
        if (!std::isfinite(v))
          reader.fail("expected a finite feature value, got " + quote_field(fields[k]));
        values.push_back(static_cast<float>(v));
      }
      key.assign(fields.back());
      auto [lit, lfresh] = label_index.emplace(key, static_cast<int32_t>(label_names.size()));
      if (lfresh) label_names.push_back(key);
      node_label.push_back(lit->second);
    }
  }
  const NodeId n = static_cast<NodeId>(names.size());
  if (n == 0)
    throw InputError(content_file, 0,
                     "no papers found (expected lines '<paper_id> <features...> <class_label>')");
  first_line = {};

  // Class ids in alphabetical order of the label names.
  std::vector<int32_t> order(label_names.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](int32_t a, int32_t b) { return label_names[a] < label_names[b]; });
  std::vector<int32_t> rank(label_names.size());
  for (size_t r = 0; r < order.size(); ++r) rank[order[r]] = static_cast<int32_t>(r);
  for (int32_t& c : node_label) c = rank[c];
  g.labels.num_classes = static_cast<int32_t>(label_names.size());
  g.labels.single = std::move(node_label);
  for (int32_t c : order) g.labels.class_names.push_back(label_names[c]);

  g.features.rows = n;
  g.features.dim = static_cast<int64_t>(num_fields - 2);
  g.features.bag_of_words =
      g.features.dim > 0 && std::all_of(values.begin(), values.end(),
                                        [](float x) { return x >= 0 && x == std::floor(x); });
  if (g.features.dim > 0) g.features.values = Array<float>(std::move(values));

  // ---- PREFIX.cites: citing -> cited.
  const std::string cites_file = resolve_maybe_gz(prefix + ".cites");
  EdgeList edges;
  int64_t cite_lines = 0, unknown = 0;
  {
    LineReader reader(cites_file);
    std::vector<std::string_view> fields;
    std::string_view line;
    std::string key;
    auto find = [&](std::string_view name) -> NodeId {
      key = canonical_id(name);
      auto it = index.find(key);
      return it == index.end() ? -1 : it->second;
    };
    while (reader.next(line)) {
      split_blanks(line, fields);
      if (fields.empty()) continue;
      if (fields.size() != 2)
        reader.fail("expected 2 fields (cited_paper_id citing_paper_id), got " +
                    std::to_string(fields.size()));
      ++cite_lines;
      NodeId cited = find(fields[0]), citing = find(fields[1]);
      if (cited < 0 || citing < 0) {
        ++unknown;
        continue;
      }
      edges.src.push_back(citing);
      edges.dst.push_back(cited);
    }
  }
  if (cite_lines == 0)
    throw InputError(cites_file, 0,
                     "no citations found (expected lines '<cited_paper_id> <citing_paper_id>')");
  const int64_t used = static_cast<int64_t>(edges.size());

  CsrBuildOptions build;
  build.symmetrize = !g.directed;
  build.drop_self_loops = !options.keep_self_loops;
  CsrBuildStats stats;
  g.csr = build_csr(std::move(edges), n, n, build, &stats);
  g.ids = IdMap::strings(std::move(names));
  g.stats.add("input_edge_lines", cite_lines);
  g.stats.add("citations_unknown_paper", unknown);
  g.stats.add("self_citations_dropped", stats.self_loops);
  g.stats.add("duplicate_edges_merged", used - stats.self_loops - g.num_edges());
  return g;
}

}  // namespace grl
