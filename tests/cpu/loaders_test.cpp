// Text loaders on hand-made fixtures (datasets/fixtures, every count checked by hand in the
// comments below) and on the real Cora and BlogCatalog files when GRL_DATASETS is set.
#include "host/io/loaders.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "host/core/error.h"
#include "tests/cpu/test_util.h"

namespace grl {
namespace {

namespace fs = std::filesystem;
using Row = std::vector<NodeId>;

Row row(const Csr& csr, NodeId r) {
  auto s = csr.neighbors(r);
  return Row(s.begin(), s.end());
}

std::vector<float> row_weights(const Csr& csr, NodeId r) {
  return std::vector<float>(csr.weights.begin() + csr.offsets[r],
                            csr.weights.begin() + csr.offsets[r + 1]);
}

std::vector<std::string> id_names(const Graph& g) {
  std::vector<std::string> out;
  for (NodeId v = 0; v < g.ids.size(); ++v) out.push_back(g.ids.name(v));
  return out;
}

std::string read_all(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write_gz(const fs::path& p, const std::string& content) {
  gzFile f = gzopen(p.c_str(), "wb9");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, content.data(), static_cast<unsigned>(content.size())),
            static_cast<int>(content.size()));
  gzclose(f);
}

void expect_same_csr(const Csr& a, const Csr& b) {
  EXPECT_EQ(a.offsets.to_vector(), b.offsets.to_vector());
  EXPECT_EQ(a.indices.to_vector(), b.indices.to_vector());
  EXPECT_EQ(a.weights.to_vector(), b.weights.to_vector());
}

void expect_same_graph(const Graph& a, const Graph& b) {
  EXPECT_EQ(a.directed, b.directed);
  expect_same_csr(a.csr, b.csr);
  EXPECT_EQ(a.features.rows, b.features.rows);
  EXPECT_EQ(a.features.dim, b.features.dim);
  EXPECT_EQ(a.features.values.to_vector(), b.features.values.to_vector());
  EXPECT_EQ(a.labels.num_classes, b.labels.num_classes);
  EXPECT_EQ(a.labels.single, b.labels.single);
  EXPECT_EQ(a.labels.multi_offsets, b.labels.multi_offsets);
  EXPECT_EQ(a.labels.multi_classes, b.labels.multi_classes);
  EXPECT_EQ(a.labels.class_names, b.labels.class_names);
  EXPECT_EQ(id_names(a), id_names(b));
  EXPECT_EQ(a.stats.counters, b.stats.counters);
}

// ---- edgelist -------------------------------------------------------------------------------

// tiny.edgelist: 3 comment/blank lines, 7 edge lines over ids {10, 20, 30, 40, 50}:
// 30-10, 10-20, 20-30, 10-20 (again), 20-10 (reverse), 40-40 (self-loop), 50-10.
TEST(EdgelistLoader, IntegerIdsUndirected) {
  Graph g = load_edgelist(test::fixture("tiny.edgelist"), {});
  EXPECT_FALSE(g.directed);
  ASSERT_EQ(g.num_nodes(), 5);
  EXPECT_EQ(g.ids.kind(), IdMap::Kind::kInteger);
  EXPECT_EQ(g.ids.integer_ids(), (std::vector<int64_t>{10, 20, 30, 40, 50}));
  EXPECT_EQ(g.num_edges(), 4);
  EXPECT_EQ(g.num_edge_entries(), 8);
  EXPECT_FALSE(g.csr.weighted());
  EXPECT_EQ(row(g.csr, 0), (Row{1, 2, 4}));
  EXPECT_EQ(row(g.csr, 1), (Row{0, 2}));
  EXPECT_EQ(row(g.csr, 2), (Row{0, 1}));
  EXPECT_EQ(row(g.csr, 3), Row{});  // 40 only had a self-loop
  EXPECT_EQ(row(g.csr, 4), (Row{0}));
  EXPECT_EQ(g.stats.get("input_edge_lines"), 7);
  EXPECT_EQ(g.stats.get("comment_lines"), 3);
  EXPECT_EQ(g.stats.get("self_loops_dropped"), 1);
  EXPECT_EQ(g.stats.get("duplicate_edges_merged"), 2);
  EXPECT_TRUE(g.features.empty());
  EXPECT_TRUE(g.labels.empty());
  EXPECT_EQ(g.ids.find("50"), 4);
}

TEST(EdgelistLoader, Directed) {
  LoadOptions o;
  o.directed = true;
  Graph g = load_edgelist(test::fixture("tiny.edgelist"), o);
  EXPECT_TRUE(g.directed);
  EXPECT_EQ(g.num_edges(), 5);  // 30>10, 10>20, 20>30, 20>10, 50>10
  EXPECT_EQ(row(g.csr, 0), (Row{1}));
  EXPECT_EQ(row(g.csr, 1), (Row{0, 2}));
  EXPECT_EQ(row(g.csr, 2), (Row{0}));
  EXPECT_EQ(row(g.csr, 4), (Row{0}));
  EXPECT_EQ(g.stats.get("duplicate_edges_merged"), 1);
  EXPECT_EQ(g.stats.get("self_loops_dropped"), 1);
}

TEST(EdgelistLoader, KeepSelfLoops) {
  LoadOptions o;
  o.keep_self_loops = true;
  Graph g = load_edgelist(test::fixture("tiny.edgelist"), o);
  EXPECT_EQ(row(g.csr, 3), (Row{3}));
  EXPECT_EQ(g.num_edges(), 5);
  EXPECT_EQ(g.stats.get("self_loops_dropped"), 0);
  EXPECT_EQ(g.stats.get("duplicate_edges_merged"), 2);
}

// tiny_weighted.csv: 0-1 0.5, 1-2 2, 2-0 1.5, 0-3 -1.25 (comma, and comma + space).
TEST(EdgelistLoader, WeightedCsv) {
  Graph g = load_edgelist(test::fixture("tiny_weighted.csv"), {});
  ASSERT_EQ(g.num_nodes(), 4);
  EXPECT_EQ(g.num_edges(), 4);
  ASSERT_TRUE(g.csr.weighted());
  EXPECT_EQ(row(g.csr, 0), (Row{1, 2, 3}));
  EXPECT_EQ(row_weights(g.csr, 0), (std::vector<float>{0.5f, 1.5f, -1.25f}));
  EXPECT_EQ(row(g.csr, 2), (Row{0, 1}));
  EXPECT_EQ(row_weights(g.csr, 2), (std::vector<float>{1.5f, 2.0f}));
  EXPECT_EQ(row_weights(g.csr, 3), (std::vector<float>{-1.25f}));
  EXPECT_EQ(g.stats.get("comment_lines"), 1);
  EXPECT_EQ(g.stats.get("duplicate_edges_merged"), 0);
}

// tiny_strings.tsv: the first line's ids are integers ("7"), later ones are not: the whole
// file is read as strings, numbered by first appearance.
TEST(EdgelistLoader, StringIds) {
  Graph g = load_edgelist(test::fixture("tiny_strings.tsv"), {});
  EXPECT_EQ(g.ids.kind(), IdMap::Kind::kString);
  EXPECT_EQ(id_names(g), (std::vector<std::string>{"7", "alice", "bob", "carol", "dave"}));
  EXPECT_EQ(g.num_edges(), 5);
  EXPECT_EQ(row(g.csr, 1), (Row{0, 2, 3, 4}));  // alice
  EXPECT_EQ(row(g.csr, 2), (Row{1, 3}));        // bob (self-loop dropped)
  EXPECT_EQ(g.stats.get("input_edge_lines"), 6);
  EXPECT_EQ(g.stats.get("self_loops_dropped"), 1);
  EXPECT_EQ(g.ids.find("carol"), 3);
}

// Ids far apart (and negative) take the sort-based mapping instead of the direct table.
TEST(EdgelistLoader, SparseAndNegativeIds) {
  fs::path f = test::scratch_dir() / "sparse.txt";
  test::write_file(f, "1000000000000 -5\n-5 7\n7 1000000000000\n");
  Graph g = load_edgelist(f.string(), {});
  EXPECT_EQ(g.ids.integer_ids(), (std::vector<int64_t>{-5, 7, 1000000000000}));
  EXPECT_EQ(g.num_edges(), 3);
  EXPECT_EQ(row(g.csr, 0), (Row{1, 2}));
}

TEST(EdgelistLoader, ExtremeIds) {
  fs::path f = test::scratch_dir() / "extreme.txt";
  test::write_file(f, "-9223372036854775808 9223372036854775807\n0 -9223372036854775808\n");
  Graph g = load_edgelist(f.string(), {});
  EXPECT_EQ(g.ids.integer_ids(), (std::vector<int64_t>{INT64_MIN, 0, INT64_MAX}));
  EXPECT_EQ(row(g.csr, 0), (Row{1, 2}));
}

TEST(EdgelistLoader, GzipEqualsPlain) {
  fs::path f = test::scratch_dir() / "tiny.edgelist.gz";
  write_gz(f, read_all(test::fixture("tiny.edgelist")));
  expect_same_graph(load_edgelist(f.string(), {}),
                    load_edgelist(test::fixture("tiny.edgelist"), {}));
}

TEST(EdgelistLoader, ThroughLoadGraph) {
  Graph g = load_graph("edgelist:" + test::fixture("tiny.edgelist"));
  EXPECT_EQ(g.source, "edgelist:" + test::fixture("tiny.edgelist"));
  EXPECT_EQ(g.num_edges(), 4);
}

// ---- planetoid ------------------------------------------------------------------------------

// tiny.content: p10 Theory, p2 Neural_Networks, 31 Theory, p4 Case_Based, p5 Neural_Networks,
// 3 features each. tiny.cites (cited citing): p10>p2, p10>31, p4>p2, p2>p10, p4>p4 (self),
// unknown9>p2 (unknown), p4>p2 (duplicate).
TEST(PlanetoidLoader, Fixture) {
  Graph g = load_planetoid(test::fixture("planetoid/tiny"), {});
  EXPECT_FALSE(g.directed);
  ASSERT_EQ(g.num_nodes(), 5);
  EXPECT_EQ(g.ids.kind(), IdMap::Kind::kString);
  EXPECT_EQ(id_names(g), (std::vector<std::string>{"p10", "p2", "31", "p4", "p5"}));
  EXPECT_EQ(g.features.rows, 5);
  ASSERT_EQ(g.features.dim, 3);
  EXPECT_EQ(g.features.values.to_vector(),
            (std::vector<float>{1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0, 0.5f, 0, 1}));
  EXPECT_EQ(g.labels.num_classes, 3);
  EXPECT_FALSE(g.labels.multi_label);
  EXPECT_EQ(g.labels.class_names,
            (std::vector<std::string>{"Case_Based", "Neural_Networks", "Theory"}));
  EXPECT_EQ(g.labels.single, (std::vector<int32_t>{2, 1, 2, 0, 1}));
  EXPECT_EQ(g.num_edges(), 3);
  EXPECT_EQ(row(g.csr, 0), (Row{1, 2}));
  EXPECT_EQ(row(g.csr, 1), (Row{0, 3}));
  EXPECT_EQ(row(g.csr, 4), Row{});
  EXPECT_EQ(g.stats.get("input_edge_lines"), 7);
  EXPECT_EQ(g.stats.get("citations_unknown_paper"), 1);
  EXPECT_EQ(g.stats.get("self_citations_dropped"), 1);
  EXPECT_EQ(g.stats.get("duplicate_edges_merged"), 2);
}

TEST(PlanetoidLoader, DirectedCitingToCited) {
  LoadOptions o;
  o.directed = true;
  Graph g = load_planetoid(test::fixture("planetoid/tiny"), o);
  EXPECT_EQ(g.num_edges(), 4);
  EXPECT_EQ(row(g.csr, 0), (Row{1, 2}));  // p10 cites p2 and 31
  EXPECT_EQ(row(g.csr, 1), (Row{0}));     // p2 cites p10
  EXPECT_EQ(row(g.csr, 2), Row{});
  EXPECT_EQ(row(g.csr, 3), (Row{1}));  // p4 cites p2
  EXPECT_EQ(g.stats.get("duplicate_edges_merged"), 1);
}

TEST(PlanetoidLoader, GzippedFilesEqualPlain) {
  Graph plain = load_planetoid(test::fixture("planetoid/tiny"), {});
  Graph gz = load_planetoid(test::fixture("planetoid/tinygz"), {});
  expect_same_graph(plain, gz);
}

TEST(PlanetoidLoader, RealCora) {
  GRL_REQUIRE_DATASETS(dir);
  Graph g = load_planetoid(dir + "/cora/cora", {});
  EXPECT_EQ(g.num_nodes(), 2708);
  EXPECT_EQ(g.features.rows, 2708);
  EXPECT_EQ(g.features.dim, 1433);
  EXPECT_EQ(g.labels.num_classes, 7);
  EXPECT_EQ(g.stats.get("input_edge_lines"), 5429);
  EXPECT_EQ(g.stats.get("citations_unknown_paper"), 0);
  EXPECT_EQ(g.stats.get("self_citations_dropped"), 0);
  EXPECT_EQ(g.stats.get("duplicate_edges_merged"), 5429 - 5278);
  EXPECT_EQ(g.num_edges(), 5278);
  EXPECT_EQ(g.num_edge_entries(), 2 * 5278);
  double ones = 0;
  for (float v : g.features.values) ones += v;
  EXPECT_EQ(ones, 49216);
  std::map<std::string, int> count;
  for (int32_t c : g.labels.single) {
    ASSERT_GE(c, 0);
    ++count[g.labels.class_names[c]];
  }
  EXPECT_EQ(count, (std::map<std::string, int>{{"Neural_Networks", 818},
                                               {"Probabilistic_Methods", 426},
                                               {"Genetic_Algorithms", 418},
                                               {"Theory", 351},
                                               {"Case_Based", 298},
                                               {"Reinforcement_Learning", 217},
                                               {"Rule_Learning", 180}}));
  EXPECT_EQ(g.ids.name(0), "31336");  // file order
}

TEST(PlanetoidLoader, RealCoraThroughLoadGraph) {
  GRL_REQUIRE_DATASETS(dir);
  Graph g = load_graph("planetoid:" + dir + "/cora/cora");
  EXPECT_EQ(g.num_nodes(), 2708);
  EXPECT_EQ(g.num_edges(), 5278);
  EXPECT_EQ(g.labels.num_classes, 7);
  EXPECT_EQ(g.features.dim, 1433);
}

// ---- blogcatalog ----------------------------------------------------------------------------

// nodes.csv 1 2 3 4 5 7, groups.csv 1..4; edges 1-2 2-3 3-1 4-5 2-1 (duplicate); memberships
// (1,1) (2,1) (2,3) (3,2) (4,3) (5,1) (2,3) (duplicate). No file ends with a newline.
TEST(BlogCatalogLoader, Fixture) {
  Graph g = load_blogcatalog(test::fixture("blogcatalog"), {});
  EXPECT_FALSE(g.directed);
  ASSERT_EQ(g.num_nodes(), 6);
  EXPECT_EQ(g.ids.kind(), IdMap::Kind::kInteger);
  EXPECT_EQ(g.ids.integer_ids(), (std::vector<int64_t>{1, 2, 3, 4, 5, 7}));
  EXPECT_EQ(g.num_edges(), 4);
  EXPECT_EQ(row(g.csr, 0), (Row{1, 2}));
  EXPECT_EQ(row(g.csr, 3), (Row{4}));
  EXPECT_EQ(row(g.csr, 5), Row{});
  const Labels& l = g.labels;
  EXPECT_TRUE(l.multi_label);
  EXPECT_EQ(l.num_classes, 4);
  EXPECT_EQ(l.class_names, (std::vector<std::string>{"1", "2", "3", "4"}));
  EXPECT_EQ(l.multi_offsets, (std::vector<int64_t>{0, 1, 3, 4, 5, 6, 6}));
  EXPECT_EQ(l.multi_classes, (std::vector<int32_t>{0, 0, 2, 1, 2, 0}));
  EXPECT_EQ(l.num_assignments(), 6);
  EXPECT_EQ(l.num_labelled(), 5);
  EXPECT_EQ(g.stats.get("input_edge_lines"), 5);
  EXPECT_EQ(g.stats.get("duplicate_edges_merged"), 1);
  EXPECT_EQ(g.stats.get("self_loops_dropped"), 0);
  EXPECT_EQ(g.stats.get("membership_lines"), 7);
  EXPECT_EQ(g.stats.get("duplicate_memberships_merged"), 1);
}

// Without nodes.csv and groups.csv the sets come from the edges and memberships.
TEST(BlogCatalogLoader, WithoutNodesAndGroupsFiles) {
  fs::path d = test::scratch_dir();
  test::write_file(d / "edges.csv", read_all(test::fixture("blogcatalog/edges.csv")));
  write_gz(d / "group-edges.csv.gz", read_all(test::fixture("blogcatalog/group-edges.csv")));
  Graph g = load_blogcatalog(d.string(), {});
  EXPECT_EQ(g.ids.integer_ids(), (std::vector<int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(g.num_edges(), 4);
  EXPECT_EQ(g.labels.num_classes, 3);
  EXPECT_EQ(g.labels.class_names, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(g.labels.multi_offsets, (std::vector<int64_t>{0, 1, 3, 4, 5, 6}));
}

TEST(BlogCatalogLoader, RealBlogCatalog) {
  GRL_REQUIRE_DATASETS(dir);
  Graph g = load_blogcatalog(dir + "/blogcatalog", {});
  EXPECT_EQ(g.num_nodes(), 10312);
  EXPECT_EQ(g.num_edges(), 333983);
  EXPECT_EQ(g.num_edge_entries(), 667966);
  EXPECT_EQ(g.stats.get("duplicate_edges_merged"), 0);
  EXPECT_EQ(g.stats.get("self_loops_dropped"), 0);
  EXPECT_EQ(g.labels.num_classes, 39);
  EXPECT_TRUE(g.labels.multi_label);
  EXPECT_EQ(g.labels.num_assignments(), 14476);
  EXPECT_EQ(g.labels.num_labelled(), 10312);
  EXPECT_EQ(g.ids.integer_ids().front(), 1);
  EXPECT_EQ(g.ids.integer_ids().back(), 10312);
  // Groups per node, from the dataset README.
  std::map<int64_t, int> per_node;
  for (NodeId v = 0; v < g.num_nodes(); ++v)
    ++per_node[g.labels.multi_offsets[v + 1] - g.labels.multi_offsets[v]];
  EXPECT_EQ(per_node, (std::map<int64_t, int>{{1, 7460},
                                              {2, 2011},
                                              {3, 564},
                                              {4, 170},
                                              {5, 60},
                                              {6, 27},
                                              {7, 11},
                                              {8, 4},
                                              {9, 1},
                                              {10, 2},
                                              {11, 2}}));
}

// ---- ogb ------------------------------------------------------------------------------------

// ogb/raw: 6 nodes; edges 0-1 1-2 2-0 3-4 1-0 (duplicate) 4-4 (self-loop); 2 features per
// node; labels 0 2 nan 1 2 nan; split/random: train {0, 3, 1}, valid {4}, test {2}. All gzipped.
TEST(OgbLoader, Fixture) {
  Graph g = load_ogb(test::fixture("ogb"), {});
  EXPECT_FALSE(g.directed);
  ASSERT_EQ(g.num_nodes(), 6);
  EXPECT_EQ(g.ids.kind(), IdMap::Kind::kIdentity);
  EXPECT_EQ(g.num_edges(), 4);
  EXPECT_EQ(row(g.csr, 0), (Row{1, 2}));
  EXPECT_EQ(row(g.csr, 4), (Row{3}));
  EXPECT_EQ(row(g.csr, 5), Row{});
  EXPECT_EQ(g.features.rows, 6);
  EXPECT_EQ(g.features.dim, 2);
  EXPECT_EQ(g.features.values.to_vector(),
            (std::vector<float>{0.5f, 1, -1, 2.25f, 0, 0, 3, 4, 1e-3f, 5, 6, 7}));
  EXPECT_FALSE(g.labels.multi_label);
  EXPECT_EQ(g.labels.num_classes, 3);
  EXPECT_EQ(g.labels.single, (std::vector<int32_t>{0, 2, -1, 1, 2, -1}));
  EXPECT_EQ(g.split.train, (std::vector<NodeId>{0, 1, 3}));
  EXPECT_EQ(g.split.valid, (std::vector<NodeId>{4}));
  EXPECT_EQ(g.split.test, (std::vector<NodeId>{2}));
  EXPECT_EQ(g.stats.get("input_edge_lines"), 6);
  EXPECT_EQ(g.stats.get("self_loops_dropped"), 1);
  EXPECT_EQ(g.stats.get("duplicate_edges_merged"), 1);
}

TEST(OgbLoader, PlainFilesInDirMultiLabelAndChosenScheme) {
  fs::path d = test::scratch_dir();
  test::write_file(d / "num-node-list.csv", "3\n");
  test::write_file(d / "edge.csv", "0,1\n1,2\n");
  test::write_file(d / "node-label.csv", "1,0,1\n0,0,0\n0,1,0\n");
  test::write_file(d / "split/a/train.csv", "0\n");
  test::write_file(d / "split/a/valid.csv", "1\n");
  test::write_file(d / "split/a/test.csv", "2\n");
  test::write_file(d / "split/b/train.csv", "2\n1\n");
  test::write_file(d / "split/b/valid.csv", "0\n");
  test::write_file(d / "split/b/test.csv", "0\n");
  LoadOptions o;
  o.split_scheme = "b";
  o.directed = true;
  Graph g = load_ogb(d.string(), o);
  EXPECT_TRUE(g.directed);
  EXPECT_EQ(g.num_edges(), 2);
  EXPECT_TRUE(g.features.empty());
  EXPECT_TRUE(g.labels.multi_label);
  EXPECT_EQ(g.labels.num_classes, 3);
  EXPECT_EQ(g.labels.multi_offsets, (std::vector<int64_t>{0, 2, 2, 3}));
  EXPECT_EQ(g.labels.multi_classes, (std::vector<int32_t>{0, 2, 1}));
  EXPECT_EQ(g.split.train, (std::vector<NodeId>{1, 2}));
  EXPECT_EQ(g.split.valid, (std::vector<NodeId>{0}));
}

TEST(OgbLoader, EmptyLabelLineIsUnlabelledAndNoSplitDir) {
  fs::path d = test::scratch_dir();
  test::write_file(d / "raw/num-node-list.csv", "3");
  test::write_file(d / "raw/edge.csv", "0,1\n1,2");
  test::write_file(d / "raw/node-label.csv", "4\n\n1.0\n");
  Graph g = load_ogb(d.string(), {});
  EXPECT_EQ(g.labels.single, (std::vector<int32_t>{4, -1, 1}));
  EXPECT_EQ(g.labels.num_classes, 5);
  EXPECT_TRUE(g.split.empty());
}

// ---- hetero ---------------------------------------------------------------------------------

// author-writes-paper: a1 p1, a1 p2, a2 p2, a3 p3, a1 p1 (duplicate)
// paper-cites-paper:   p2 p1, p3 p1, p3 p3 (self-loop), p4 p2
// paper-in-venue:      p1 v1, p2 v1, p3 v2, p4 v2
// author.nodes:        a4 (in no relation)
// author.labels:       a1 ml, a2 db, a4 ml, a3 db
// Global ids: author a1..a4 = 0..3, paper p1..p4 = 4..7, venue v1 v2 = 8, 9.
TEST(HeteroLoader, Fixture) {
  Graph g = load_hetero(test::fixture("hetero"), {});
  EXPECT_FALSE(g.directed);
  ASSERT_EQ(g.num_nodes(), 10);
  ASSERT_EQ(g.node_types.size(), 3u);
  EXPECT_EQ(g.node_types[0].name, "author");
  EXPECT_EQ(g.node_types[0].begin, 0);
  EXPECT_EQ(g.node_types[0].count, 4);
  EXPECT_EQ(g.node_types[1].name, "paper");
  EXPECT_EQ(g.node_types[1].begin, 4);
  EXPECT_EQ(g.node_types[1].count, 4);
  EXPECT_EQ(g.node_types[2].name, "venue");
  EXPECT_EQ(g.node_types[2].begin, 8);
  EXPECT_EQ(g.node_types[2].count, 2);
  EXPECT_EQ(id_names(g),
            (std::vector<std::string>{"a1", "a2", "a3", "a4", "p1", "p2", "p3", "p4", "v1", "v2"}));
  EXPECT_EQ(g.node_type_of(5), 1);
  EXPECT_EQ(g.find_node_type("venue"), 2);

  ASSERT_EQ(g.relations.size(), 3u);
  const Relation& writes = g.relations[0];
  EXPECT_EQ(writes.name, "writes");
  EXPECT_EQ(writes.src_type, 0);
  EXPECT_EQ(writes.dst_type, 1);
  ASSERT_EQ(writes.csr.num_rows(), 4);
  EXPECT_EQ(row(writes.csr, 0), (Row{4, 5}));
  EXPECT_EQ(row(writes.csr, 1), (Row{5}));
  EXPECT_EQ(row(writes.csr, 2), (Row{6}));
  EXPECT_EQ(row(writes.csr, 3), Row{});
  const Relation& cites = g.relations[1];
  EXPECT_EQ(cites.name, "cites");
  EXPECT_EQ(cites.src_type, 1);
  EXPECT_EQ(cites.dst_type, 1);
  ASSERT_EQ(cites.csr.num_rows(), 4);
  EXPECT_EQ(row(cites.csr, 0), Row{});
  EXPECT_EQ(row(cites.csr, 1), (Row{4}));
  EXPECT_EQ(row(cites.csr, 2), (Row{4}));  // p3 p3 dropped
  EXPECT_EQ(row(cites.csr, 3), (Row{5}));
  const Relation& in = g.relations[2];
  EXPECT_EQ(in.name, "in");
  EXPECT_EQ(in.src_type, 1);
  EXPECT_EQ(in.dst_type, 2);
  EXPECT_EQ(row(in.csr, 0), (Row{8}));
  EXPECT_EQ(row(in.csr, 3), (Row{9}));

  // Union, symmetrised: 4 + 3 + 4 edges.
  EXPECT_EQ(g.num_edges(), 11);
  EXPECT_EQ(row(g.csr, 0), (Row{4, 5}));
  EXPECT_EQ(row(g.csr, 4), (Row{0, 5, 6, 8}));  // p1
  EXPECT_EQ(row(g.csr, 3), Row{});              // a4: labelled only
  EXPECT_EQ(row(g.csr, 9), (Row{6, 7}));

  EXPECT_EQ(g.labels.num_classes, 2);
  EXPECT_EQ(g.labels.class_names, (std::vector<std::string>{"db", "ml"}));
  EXPECT_EQ(g.labels.single, (std::vector<int32_t>{1, 0, 0, 1, -1, -1, -1, -1, -1, -1}));

  EXPECT_EQ(g.stats.get("relations"), 3);
  EXPECT_EQ(g.stats.get("input_edge_lines"), 13);
  EXPECT_EQ(g.stats.get("self_loops_dropped"), 1);
  EXPECT_EQ(g.stats.get("duplicate_edges_merged"), 1);
}

TEST(HeteroLoader, ReverseRelations) {
  LoadOptions o;
  o.add_reverse_relations = true;
  Graph g = load_hetero(test::fixture("hetero"), o);
  ASSERT_EQ(g.relations.size(), 6u);
  const Relation& rw = g.relations[3];
  EXPECT_EQ(rw.name, "rev_writes");
  EXPECT_EQ(rw.src_type, 1);
  EXPECT_EQ(rw.dst_type, 0);
  ASSERT_EQ(rw.csr.num_rows(), 4);
  EXPECT_EQ(row(rw.csr, 0), (Row{0}));
  EXPECT_EQ(row(rw.csr, 1), (Row{0, 1}));
  EXPECT_EQ(row(rw.csr, 2), (Row{2}));
  EXPECT_EQ(row(rw.csr, 3), Row{});
  const Relation& rc = g.relations[4];
  EXPECT_EQ(rc.name, "rev_cites");
  EXPECT_EQ(row(rc.csr, 0), (Row{5, 6}));
  EXPECT_EQ(row(rc.csr, 1), (Row{7}));
  EXPECT_EQ(row(rc.csr, 2), Row{});
  const Relation& ri = g.relations[5];
  EXPECT_EQ(ri.name, "rev_in");
  EXPECT_EQ(ri.src_type, 2);
  EXPECT_EQ(ri.dst_type, 1);
  ASSERT_EQ(ri.csr.num_rows(), 2);
  EXPECT_EQ(row(ri.csr, 0), (Row{4, 5}));
  EXPECT_EQ(row(ri.csr, 1), (Row{6, 7}));
  EXPECT_EQ(g.num_edges(), 11);  // the union is unchanged
  EXPECT_EQ(g.stats.get("relations"), 3);
  EXPECT_EQ(g.stats.get("reverse_relations_added"), 3);
}

TEST(HeteroLoader, DirectedAndKeepSelfLoops) {
  LoadOptions o;
  o.directed = true;
  o.keep_self_loops = true;
  Graph g = load_hetero(test::fixture("hetero"), o);
  EXPECT_TRUE(g.directed);
  EXPECT_EQ(row(g.relations[1].csr, 2), (Row{4, 6}));  // p3 cites p1 and itself
  EXPECT_EQ(g.num_edges(), 12);
  EXPECT_EQ(row(g.csr, 6), (Row{4, 6, 9}));
  EXPECT_EQ(row(g.csr, 9), Row{});
  EXPECT_EQ(g.stats.get("self_loops_dropped"), 0);
}

}  // namespace
}  // namespace grl
