#include "host/io/label_file.h"

#include <algorithm>
#include <map>

#include "host/core/error.h"
#include "host/io/text_reader.h"

namespace grl {

const char* label_mode_name(LabelMode m) {
  switch (m) {
    case LabelMode::kAuto:
      return "auto";
    case LabelMode::kSingle:
      return "single";
    case LabelMode::kMulti:
      return "multi";
  }
  return "?";
}

NamedLabels read_label_file(const std::string& path, LabelMode mode) {
  LineReader r(path);
  std::string_view line;
  std::vector<std::string_view> f;
  struct Pair {
    std::string node, label;
    int64_t line;
  };
  std::vector<Pair> pairs;
  std::map<std::string, int32_t> classes;
  while (r.next(line)) {
    if (is_blank_or_comment(line)) continue;
    split_fields(line, f);
    if (f.size() != 2) r.fail("expected 'node label', got " + std::to_string(f.size()) + " fields");
    if (f[0].empty() || f[1].empty()) r.fail("expected 'node label', got an empty field");
    pairs.push_back({canonical_id(f[0]), std::string(f[1]), r.line_number()});
    classes.emplace(std::string(f[1]), 0);
  }
  if (pairs.empty()) throw InputError(path, 0, "no labels found (expected lines 'node label')");
  NamedLabels out;
  int32_t k = 0;
  for (auto& [name, id] : classes) {
    id = k++;
    out.class_names.push_back(name);
  }
  std::unordered_map<std::string, int64_t> first_line;
  for (const Pair& p : pairs) {
    std::vector<int32_t>& l = out.by_name[p.node];
    const int32_t c = classes[p.label];
    auto [it, fresh] = first_line.emplace(p.node, p.line);
    if (std::find(l.begin(), l.end(), c) != l.end()) continue;  // the same label again
    if (!fresh && mode == LabelMode::kSingle)
      throw InputError(path, p.line,
                       "node " + quote_field(p.node) + " has a second label " +
                           quote_field(p.label) + " (first labelled on line " +
                           std::to_string(it->second) +
                           "); single-label mode takes one label per node");
    l.push_back(c);
    if (l.size() == 2) {
      ++out.nodes_with_several;
      if (out.several_example.empty())
        out.several_example = "node " + quote_field(p.node) + " (lines " +
                              std::to_string(it->second) + " and " + std::to_string(p.line) + ")";
    }
  }
  for (auto& [name, l] : out.by_name) std::sort(l.begin(), l.end());
  out.multi_label = mode == LabelMode::kMulti || out.nodes_with_several > 0;
  return out;
}

NodeNameIndex::NodeNameIndex(const Graph& g) : g_(g) {
  if (g.heterogeneous())
    for (NodeId v = 0; v < g.num_nodes(); ++v)
      typed_.emplace(g.node_types[g.node_type_of(v)].name + ":" + g.ids.name(v), v);
}

std::optional<NodeId> NodeNameIndex::find(std::string_view name) const {
  if (!g_.heterogeneous()) return g_.ids.find(name);
  const size_t colon = name.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto it =
      typed_.find(std::string(name.substr(0, colon + 1)) + canonical_id(name.substr(colon + 1)));
  if (it == typed_.end()) return std::nullopt;
  return it->second;
}

Labels load_label_file(const std::string& path, const Graph& g, LabelMode mode, LabelMatch* match) {
  const NamedLabels named = read_label_file(path, mode);
  const NodeId n = g.num_nodes();
  std::vector<const std::vector<int32_t>*> per(n, nullptr);
  const NodeNameIndex index(g);
  const LabelMatch m = match_labels(named, [&](const std::string& name) {
    auto v = index.find(name);
    if (v) per[*v] = &named.by_name.at(name);
    return v.has_value();
  });
  if (m.used == 0)
    throw InputError(path, 0,
                     "none of its " + std::to_string(named.by_name.size()) +
                         " node ids is in the graph (e.g. " + m.skipped_example +
                         "): do the ids match?");
  Labels l;
  l.class_names = named.class_names;
  l.num_classes = static_cast<int32_t>(named.class_names.size());
  l.multi_label = named.multi_label;
  if (l.multi_label) {
    l.multi_offsets.push_back(0);
    for (NodeId v = 0; v < n; ++v) {
      if (per[v]) l.multi_classes.insert(l.multi_classes.end(), per[v]->begin(), per[v]->end());
      l.multi_offsets.push_back(static_cast<int64_t>(l.multi_classes.size()));
    }
  } else {
    l.single.assign(n, -1);
    for (NodeId v = 0; v < n; ++v)
      if (per[v]) l.single[v] = (*per[v])[0];
  }
  if (match) *match = m;
  return l;
}

LabelMatch match_labels(const NamedLabels& named,
                        const std::function<bool(const std::string&)>& found) {
  LabelMatch m;
  m.classes = static_cast<int64_t>(named.class_names.size());
  m.multi_label = named.multi_label;
  m.nodes_with_several = named.nodes_with_several;
  m.several_example = named.several_example;
  for (const auto& [name, l] : named.by_name) {
    if (found(name)) {
      ++m.used;
    } else {
      ++m.skipped;
      if (m.skipped_example.empty() || name < m.skipped_example) m.skipped_example = name;
    }
  }
  if (!m.skipped_example.empty()) m.skipped_example = quote_field(m.skipped_example);
  return m;
}

std::string describe_labels(const LabelMatch& m, const std::string& not_in) {
  std::string s =
      std::to_string(m.classes) + " classes, " + (m.multi_label ? "multi-label" : "single-label");
  if (m.multi_label && m.nodes_with_several > 0)
    s += " (" + std::to_string(m.nodes_with_several) + " nodes have several labels, e.g. " +
         m.several_example + ")";
  s += "; " + std::to_string(m.used) + " labelled nodes used";
  if (m.skipped > 0)
    s += ", " + std::to_string(m.skipped) + " skipped (not in " + not_in + ", e.g. " +
         m.skipped_example + ")";
  return s;
}

}  // namespace grl
