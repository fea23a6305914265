// grl:DIR — the project's own binary graph format: DIR/graph.grl, a section file (see
// section_file.h) holding the CSR, features, labels, split, ids, node types and relations,
// with a JSON "meta" section describing them. Loading maps the file: nothing is parsed or
// copied, so a 100M-edge graph loads in about the time it takes to verify its checksums.
#include <filesystem>
#include <nlohmann/json.hpp>

#include "host/core/error.h"
#include "host/io/loaders.h"
#include "host/io/section_file.h"

namespace grl {

namespace {
constexpr char kMagic[] = "GRLGRAPH";
constexpr uint32_t kVersion = 1;

std::string graph_file(const std::string& dir) { return dir + "/graph.grl"; }

void add_csr(SectionWriter& w, const std::string& prefix, const Csr& csr) {
  w.add(prefix + ".offsets", csr.offsets);
  w.add(prefix + ".indices", csr.indices);
  if (csr.weighted()) w.add(prefix + ".weights", csr.weights);
}

Csr read_csr(const SectionFile& f, const std::string& prefix, NodeId rows, NodeId cols) {
  Csr c;
  c.offsets = f.array<EdgeIndex>(prefix + ".offsets");
  c.indices = f.array<NodeId>(prefix + ".indices");
  if (f.has(prefix + ".weights")) c.weights = f.array<float>(prefix + ".weights");
  auto bad = [&](const std::string& what) {
    throw InputError(f.path(), 0, "section '" + prefix + "': " + what);
  };
  if (c.offsets.size() != static_cast<size_t>(rows) + 1) bad("wrong number of offsets");
  if (c.offsets[0] != 0 || c.offsets[rows] != static_cast<EdgeIndex>(c.indices.size()))
    bad("offsets do not match the edge count");
  for (NodeId r = 0; r < rows; ++r)
    if (c.offsets[r + 1] < c.offsets[r]) bad("offsets decrease at row " + std::to_string(r));
  for (NodeId v : c.indices)
    if (v < 0 || v >= cols) bad("node id " + std::to_string(v) + " out of range");
  if (c.weighted() && c.weights.size() != c.indices.size()) bad("weights do not match edges");
  return c;
}

template <class T>
std::vector<T> to_vec(const Array<T>& a) {
  return a.to_vector();
}
}  // namespace

void save_grl(const Graph& g, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw InputError(dir, 0, "cannot create directory: " + ec.message());
  using nlohmann::json;
  json meta;
  meta["num_nodes"] = g.num_nodes();
  meta["directed"] = g.directed;
  meta["source"] = g.source;
  meta["feature_dim"] = g.features.dim;
  if (g.features.bag_of_words) meta["features_bag_of_words"] = true;
  meta["num_classes"] = g.labels.num_classes;
  meta["multi_label"] = g.labels.multi_label;
  meta["class_names"] = g.labels.class_names;
  meta["id_kind"] = static_cast<int>(g.ids.kind());
  json types = json::array();
  for (const NodeType& t : g.node_types)
    types.push_back({{"name", t.name}, {"begin", t.begin}, {"count", t.count}});
  meta["node_types"] = types;
  json rels = json::array();
  for (const Relation& r : g.relations)
    rels.push_back({{"src_type", r.src_type},
                    {"name", r.name},
                    {"dst_type", r.dst_type},
                    {"reverse_of", r.reverse_of}});
  meta["relations"] = rels;
  json stats = json::array();
  for (const auto& [k, v] : g.stats.counters) stats.push_back({k, v});
  meta["stats"] = stats;

  SectionWriter w(kMagic, kVersion);
  w.add_text("meta", meta.dump());
  add_csr(w, "csr", g.csr);
  if (!g.features.empty()) w.add("features", g.features.values);
  if (!g.labels.empty()) {
    if (g.labels.multi_label) {
      w.add("labels.multi_offsets", g.labels.multi_offsets);
      w.add("labels.multi_classes", g.labels.multi_classes);
    } else {
      w.add("labels.single", g.labels.single);
    }
  }
  w.add("split.train", g.split.train);
  w.add("split.valid", g.split.valid);
  w.add("split.test", g.split.test);
  // String ids: offsets into one character blob.
  std::vector<int64_t> str_offsets;
  std::string str_blob;
  if (g.ids.kind() == IdMap::Kind::kInteger) {
    w.add("ids.int", g.ids.integer_ids());
  } else if (g.ids.kind() == IdMap::Kind::kString) {
    str_offsets.reserve(g.ids.size() + 1);
    str_offsets.push_back(0);
    for (const std::string& s : g.ids.string_ids()) {
      str_blob += s;
      str_offsets.push_back(static_cast<int64_t>(str_blob.size()));
    }
    w.add("ids.str_offsets", str_offsets);
    w.add("ids.str_data", str_blob.data(), str_blob.size(), 1);
  }
  for (size_t i = 0; i < g.relations.size(); ++i)
    add_csr(w, "rel" + std::to_string(i), g.relations[i].csr);
  w.write_atomic(graph_file(dir));
}

Graph load_grl(const std::string& dir) {
  const std::string path = graph_file(dir);
  SectionFile f(path, kMagic, kVersion);
  using nlohmann::json;
  json meta;
  try {
    meta = json::parse(f.text("meta"));
  } catch (const json::exception& e) {
    throw InputError(path, 0, std::string("bad meta section: ") + e.what());
  }
  Graph g;
  try {
    const NodeId n = meta.at("num_nodes").get<NodeId>();
    g.directed = meta.at("directed").get<bool>();
    g.csr = read_csr(f, "csr", n, n);
    const int64_t dim = meta.at("feature_dim").get<int64_t>();
    if (dim > 0) {
      g.features.rows = n;
      g.features.dim = dim;
      g.features.values = f.array<float>("features");
      if (g.features.values.size() != static_cast<size_t>(n) * dim)
        throw InputError(path, 0, "features section has the wrong size");
      g.features.bag_of_words = meta.value("features_bag_of_words", false);
    }
    g.labels.num_classes = meta.at("num_classes").get<int32_t>();
    g.labels.multi_label = meta.at("multi_label").get<bool>();
    g.labels.class_names = meta.at("class_names").get<std::vector<std::string>>();
    if (g.labels.num_classes > 0) {
      if (g.labels.multi_label) {
        g.labels.multi_offsets = to_vec(f.array<int64_t>("labels.multi_offsets"));
        g.labels.multi_classes = to_vec(f.array<int32_t>("labels.multi_classes"));
        if (g.labels.multi_offsets.size() != static_cast<size_t>(n) + 1)
          throw InputError(path, 0, "label offsets have the wrong size");
      } else {
        g.labels.single = to_vec(f.array<int32_t>("labels.single"));
        if (g.labels.single.size() != static_cast<size_t>(n))
          throw InputError(path, 0, "labels have the wrong size");
      }
    }
    g.split.train = to_vec(f.array<NodeId>("split.train"));
    g.split.valid = to_vec(f.array<NodeId>("split.valid"));
    g.split.test = to_vec(f.array<NodeId>("split.test"));
    switch (static_cast<IdMap::Kind>(meta.at("id_kind").get<int>())) {
      case IdMap::Kind::kIdentity:
        g.ids = IdMap::identity(n);
        break;
      case IdMap::Kind::kInteger:
        g.ids = IdMap::integers(to_vec(f.array<int64_t>("ids.int")));
        break;
      case IdMap::Kind::kString: {
        auto off = f.array<int64_t>("ids.str_offsets");
        auto data = f.array<char>("ids.str_data");
        if (off.size() != static_cast<size_t>(n) + 1 || off[n] != static_cast<int64_t>(data.size()))
          throw InputError(path, 0, "string id sections are inconsistent");
        std::vector<std::string> names(n);
        for (NodeId v = 0; v < n; ++v) names[v].assign(data.data() + off[v], off[v + 1] - off[v]);
        g.ids = IdMap::strings(std::move(names));
        break;
      }
    }
    if (g.ids.size() != n) throw InputError(path, 0, "id map has the wrong size");
    for (const json& t : meta.at("node_types"))
      g.node_types.push_back({t.at("name").get<std::string>(), t.at("begin").get<NodeId>(),
                              t.at("count").get<NodeId>()});
    size_t i = 0;
    for (const json& r : meta.at("relations")) {
      Relation rel;
      rel.src_type = r.at("src_type").get<int32_t>();
      rel.name = r.at("name").get<std::string>();
      rel.dst_type = r.at("dst_type").get<int32_t>();
      rel.reverse_of = r.value("reverse_of", -1);  // absent in files before it existed
      if (rel.src_type < 0 || rel.src_type >= static_cast<int32_t>(g.node_types.size()))
        throw InputError(path, 0, "relation with a bad source type");
      rel.csr = read_csr(f, "rel" + std::to_string(i++), g.node_types[rel.src_type].count, n);
      g.relations.push_back(std::move(rel));
    }
    for (const json& s : meta.at("stats"))
      g.stats.add(s.at(0).get<std::string>(), s.at(1).get<int64_t>());
  } catch (const json::exception& e) {
    throw InputError(path, 0, std::string("bad meta section: ") + e.what());
  }
  return g;
}

}  // namespace grl
