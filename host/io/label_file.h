// "node label" files: one `node label` pair per line (blank-, tab- or comma-separated; '#' and
// '%' comments), for `grl sage --labels` and `grl eval --labels`.
//
// One rule for both: a node with several distinct labels makes the file multi-label only when
// the mode allows it (LabelMode::kAuto, the default, says so; kSingle makes it an error naming
// both lines; kMulti is always multi-label), and ids that name no node of the graph (or no
// embedded node) are skipped and counted, never silently: the caller reports LabelMatch.
// Node ids compare as graph.h's canonical_id does.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "host/graph/graph.h"

namespace grl {

enum class LabelMode : int { kAuto = 0, kSingle = 1, kMulti = 2 };
const char* label_mode_name(LabelMode m);

// Graph nodes by the names grl writes with its outputs: the id, prefixed "type:" for
// heterogeneous graphs (whose ids are type-local), compared as canonical_id does.
class NodeNameIndex {
 public:
  explicit NodeNameIndex(const Graph& graph);
  std::optional<NodeId> find(std::string_view name) const;

 private:
  const Graph& g_;
  std::unordered_map<std::string, NodeId> typed_;
};

// A label file read by node name, before it meets a node set.
struct NamedLabels {
  std::vector<std::string> class_names;  // sorted: class ids in this order
  // canonical node name -> its class ids (sorted, distinct)
  std::unordered_map<std::string, std::vector<int32_t>> by_name;
  bool multi_label = false;
  int64_t nodes_with_several = 0;  // nodes with more than one label
  std::string several_example;     // "node 'x' (lines 3 and 7)", for the report
};

// Throws InputError (file, line) for malformed lines, and for a node's second label in kSingle.
NamedLabels read_label_file(const std::string& path, LabelMode mode);

// How a label file met a node set, for the run's report.
struct LabelMatch {
  int64_t used = 0, skipped = 0;  // labelled names found / not found among the nodes
  std::string skipped_example;    // one skipped name, quoted
  int64_t classes = 0;
  bool multi_label = false;
  int64_t nodes_with_several = 0;
  std::string several_example;
};
// The labels of `named` that `found` finds (found(name) -> whether the name is a node), counted.
LabelMatch match_labels(const NamedLabels& named,
                        const std::function<bool(const std::string&)>& found);

// The file's labels on the graph's nodes (unlabelled nodes: none). `match` reports the names
// found and skipped. Throws InputError when no name is a node of the graph.
Labels load_label_file(const std::string& path, const Graph& graph, LabelMode mode,
                       LabelMatch* match = nullptr);

// "7 classes, single-label; 2708 labelled nodes used, 3 skipped (not in the graph, e.g. 'x')"
// and, for a multi-label file, which node made it so.
std::string describe_labels(const LabelMatch& match, const std::string& not_in);

}  // namespace grl
