// Malformed input for every text loader: each error must be an InputError (or a UsageError for
// a usage problem) naming the file and, when the problem is on a line, ":<line>:". Files with
// CRLF endings, without a final newline, or gzipped must load exactly like the plain files.
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <ostream>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "host/core/error.h"
#include "host/io/loaders.h"
#include "tests/cpu/test_util.h"

namespace grl {
namespace {

namespace fs = std::filesystem;

// Runs `fn`, expects an InputError naming `file` at `line` (0: the whole file, -1: any line);
// returns what().
std::string expect_input_error(const std::function<void()>& fn, const std::string& file,
                               int64_t line) {
  try {
    fn();
  } catch (const InputError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find(file), std::string::npos) << "message does not name " << file << ": " << msg;
    if (line >= 0) {
      EXPECT_EQ(e.line(), line) << msg;
    }
    if (line > 0) {
      EXPECT_NE(msg.find(":" + std::to_string(line) + ":"), std::string::npos) << msg;
    }
    return msg;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected InputError, got " << typeid(e).name() << ": " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected InputError for " << file << ", nothing was thrown";
  return {};
}

std::string expect_usage_error(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const UsageError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected UsageError, got " << typeid(e).name() << ": " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected UsageError, nothing was thrown";
  return {};
}

#define EXPECT_CONTAINS(haystack, needle)                          \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) \
      << "expected to find \"" << (needle) << "\" in: " << (haystack)

void write_gz(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  gzFile f = gzopen(p.c_str(), "wb9");
  ASSERT_NE(f, nullptr);
  if (!content.empty()) gzwrite(f, content.data(), static_cast<unsigned>(content.size()));
  gzclose(f);
}

std::string to_crlf(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

// ---- A small valid dataset per loader --------------------------------------------------------

struct DataFile {
  std::string path;  // relative to the dataset folder
  std::string content;
  bool required;  // loading fails without it
};

struct Dataset {
  std::string name;
  std::vector<DataFile> files;
  std::function<Graph(const fs::path& dir)> load;
};

// gtest prints a parameter with this (instead of its bytes).
void PrintTo(const Dataset& ds, std::ostream* os) { *os << ds.name; }

std::vector<Dataset> datasets() {
  LoadOptions o;
  return {
      {"edgelist",
       {{"g.txt", "1 2\n2 3\n3 1\n", true}},
       [o](const fs::path& d) { return load_edgelist((d / "g.txt").string(), o); }},
      {"planetoid",
       {{"p.content", "a\t1\t0\tX\nb\t0\t1\tY\nc\t1\t1\tX\n", true},
        {"p.cites", "a\tb\nb\tc\n", true}},
       [o](const fs::path& d) { return load_planetoid((d / "p").string(), o); }},
      {"blogcatalog",
       {{"edges.csv", "1 2\n2 3\n", true},
        {"group-edges.csv", "1 1\n2 2\n3 1\n", true},
        {"nodes.csv", "1\n2\n3\n", false},
        {"groups.csv", "1\n2\n", false}},
       [o](const fs::path& d) { return load_blogcatalog(d.string(), o); }},
      {"ogb",
       {{"raw/num-node-list.csv", "3\n", true},
        {"raw/edge.csv", "0,1\n1,2\n", true},
        {"raw/node-feat.csv", "1,2\n3,4\n5,6\n", false},
        {"raw/node-label.csv", "0\n1\n1\n", false},
        {"split/s/train.csv", "0\n1\n", true},
        {"split/s/valid.csv", "2\n", true},
        {"split/s/test.csv", "2\n", true}},
       [o](const fs::path& d) { return load_ogb(d.string(), o); }},
      {"hetero",
       {{"a-r-b.txt", "x y\nz y\n", false},
        {"b-s-b.txt", "y w\nw y\n", false},
        {"b.labels", "y L1\n", false}},
       [o](const fs::path& d) { return load_hetero(d.string(), o); }},
  };
}

// Writes the dataset into `dir`; `edit(file)` may change a file's path or content first.
void write_dataset(const Dataset& ds, const fs::path& dir,
                   const std::function<void(DataFile&)>& edit = {}) {
  for (DataFile f : ds.files) {
    if (edit) edit(f);
    if (f.path.empty()) continue;  // removed
    test::write_file(dir / f.path, f.content);
  }
}

void expect_same_graph(const Graph& a, const Graph& b) {
  EXPECT_EQ(a.directed, b.directed);
  EXPECT_EQ(a.csr.offsets.to_vector(), b.csr.offsets.to_vector());
  EXPECT_EQ(a.csr.indices.to_vector(), b.csr.indices.to_vector());
  EXPECT_EQ(a.csr.weights.to_vector(), b.csr.weights.to_vector());
  EXPECT_EQ(a.features.dim, b.features.dim);
  EXPECT_EQ(a.features.values.to_vector(), b.features.values.to_vector());
  EXPECT_EQ(a.labels.num_classes, b.labels.num_classes);
  EXPECT_EQ(a.labels.single, b.labels.single);
  EXPECT_EQ(a.labels.multi_offsets, b.labels.multi_offsets);
  EXPECT_EQ(a.labels.multi_classes, b.labels.multi_classes);
  EXPECT_EQ(a.labels.class_names, b.labels.class_names);
  EXPECT_EQ(a.split.train, b.split.train);
  EXPECT_EQ(a.split.valid, b.split.valid);
  EXPECT_EQ(a.split.test, b.split.test);
  ASSERT_EQ(a.ids.size(), b.ids.size());
  for (NodeId v = 0; v < a.ids.size(); ++v) EXPECT_EQ(a.ids.name(v), b.ids.name(v));
  EXPECT_EQ(a.relations.size(), b.relations.size());
  EXPECT_EQ(a.stats.counters, b.stats.counters);
}

class LoaderMalformed : public ::testing::TestWithParam<Dataset> {
 protected:
  Graph load_reference() {
    fs::path dir = test::scratch_dir() / "reference";
    write_dataset(GetParam(), dir);
    return GetParam().load(dir);
  }
};

TEST_P(LoaderMalformed, ValidDatasetLoads) {
  Graph g = load_reference();
  EXPECT_GT(g.num_nodes(), 0);
  EXPECT_GT(g.num_edges(), 0);
}

TEST_P(LoaderMalformed, CrlfEndingsGiveTheSameGraph) {
  Graph reference = load_reference();
  fs::path dir = test::scratch_dir() / "crlf";
  write_dataset(GetParam(), dir, [](DataFile& f) { f.content = to_crlf(f.content); });
  expect_same_graph(GetParam().load(dir), reference);
}

TEST_P(LoaderMalformed, NoFinalNewlineGivesTheSameGraph) {
  Graph reference = load_reference();
  fs::path dir = test::scratch_dir() / "nofinal";
  write_dataset(GetParam(), dir, [](DataFile& f) {
    if (!f.content.empty() && f.content.back() == '\n') f.content.pop_back();
  });
  expect_same_graph(GetParam().load(dir), reference);
}

TEST_P(LoaderMalformed, CrlfWithoutFinalNewlineGivesTheSameGraph) {
  Graph reference = load_reference();
  fs::path dir = test::scratch_dir() / "crlf_nofinal";
  write_dataset(GetParam(), dir, [](DataFile& f) {
    f.content = to_crlf(f.content);
    f.content.resize(f.content.size() - 2);
  });
  expect_same_graph(GetParam().load(dir), reference);
}

TEST_P(LoaderMalformed, GzippedFilesGiveTheSameGraph) {
  Graph reference = load_reference();
  fs::path dir = test::scratch_dir() / "gz";
  for (const DataFile& f : GetParam().files) write_gz(dir / (f.path + ".gz"), f.content);
  expect_same_graph(GetParam().load(dir), reference);
}

TEST_P(LoaderMalformed, EachFileEmpty) {
  for (const DataFile& target : GetParam().files) {
    SCOPED_TRACE(target.path);
    fs::path dir = test::scratch_dir() / "empty";
    write_dataset(GetParam(), dir, [&](DataFile& f) {
      if (f.path == target.path) f.content.clear();
    });
    expect_input_error([&] { GetParam().load(dir); }, (dir / target.path).string(), 0);
  }
}

TEST_P(LoaderMalformed, EachFileMissing) {
  for (const DataFile& target : GetParam().files) {
    SCOPED_TRACE(target.path);
    fs::path dir = test::scratch_dir() / "missing";
    write_dataset(GetParam(), dir, [&](DataFile& f) {
      if (f.path == target.path) f.path.clear();
    });
    if (target.required) {
      std::string msg =
          expect_input_error([&] { GetParam().load(dir); }, (dir / target.path).string(), 0);
      EXPECT_CONTAINS(msg, "no such file");
    } else {
      EXPECT_NO_THROW(GetParam().load(dir));
    }
  }
}

TEST_P(LoaderMalformed, MissingFolder) {
  fs::path dir = test::scratch_dir() / "nonexistent";
  std::string msg = expect_input_error([&] { GetParam().load(dir); }, dir.string(), 0);
  EXPECT_FALSE(msg.empty());
}

// A NUL byte on line 2 (line 1 for one-line files) is an error on that line.
TEST_P(LoaderMalformed, EachFileWithNulByte) {
  for (const DataFile& target : GetParam().files) {
    SCOPED_TRACE(target.path);
    fs::path dir = test::scratch_dir() / "nul";
    size_t nl = target.content.find('\n');
    const bool two_lines = nl + 1 < target.content.size();
    write_dataset(GetParam(), dir, [&](DataFile& f) {
      if (f.path != target.path) return;
      f.content.insert(two_lines ? nl + 2 : 1, 1, '\0');
    });
    std::string msg = expect_input_error([&] { GetParam().load(dir); },
                                         (dir / target.path).string(), two_lines ? 2 : 1);
    EXPECT_CONTAINS(msg, "NUL byte");
  }
}

// A gzip file cut to half its size is an error, never a silently shorter dataset.
TEST_P(LoaderMalformed, EachFileTruncatedGzip) {
  for (const DataFile& target : GetParam().files) {
    SCOPED_TRACE(target.path);
    fs::path dir = test::scratch_dir() / "cut";
    write_dataset(GetParam(), dir, [&](DataFile& f) {
      if (f.path == target.path) f.path.clear();
    });
    fs::path gz = dir / (target.path + ".gz");
    write_gz(gz, target.content);
    fs::resize_file(gz, fs::file_size(gz) / 2);
    std::string msg = expect_input_error([&] { GetParam().load(dir); }, gz.string(), -1);
    EXPECT_CONTAINS(msg, "cut short");
  }
}

INSTANTIATE_TEST_SUITE_P(AllLoaders, LoaderMalformed, ::testing::ValuesIn(datasets()),
                         [](const auto& info) { return info.param.name; });

// ---- edgelist -------------------------------------------------------------------------------

struct OneFile {
  fs::path path;
  explicit OneFile(const std::string& content, const std::string& name = "g.txt") {
    path = test::scratch_dir() / name;
    test::write_file(path, content);
  }
  std::string str() const { return path.string(); }
};

TEST(EdgelistMalformed, TruncatedLine) {
  OneFile f("1 2\n3\n");
  std::string msg = expect_input_error([&] { load_edgelist(f.str(), {}); }, f.str(), 2);
  EXPECT_CONTAINS(msg, "expected 2 or 3 fields (src dst [weight]), got 1");
}

TEST(EdgelistMalformed, TooManyFields) {
  OneFile f("# header\n1 2 3 4\n");
  std::string msg = expect_input_error([&] { load_edgelist(f.str(), {}); }, f.str(), 2);
  EXPECT_CONTAINS(msg, "got 4");
}

TEST(EdgelistMalformed, WeightColumnOnSomeLinesOnly) {
  OneFile f("1 2 0.5\n2 3 1\n3 1\n");
  std::string msg = expect_input_error([&] { load_edgelist(f.str(), {}); }, f.str(), 3);
  EXPECT_CONTAINS(msg, "expected 3 fields (src dst weight) as on line 1, got 2");
}

TEST(EdgelistMalformed, NonNumericWeight) {
  OneFile f("1 2 0.5\n2 3 heavy\n");
  std::string msg = expect_input_error([&] { load_edgelist(f.str(), {}); }, f.str(), 2);
  EXPECT_CONTAINS(msg, "'heavy'");
}

TEST(EdgelistMalformed, NonFiniteWeight) {
  OneFile f("1 2 inf\n");
  expect_input_error([&] { load_edgelist(f.str(), {}); }, f.str(), 1);
  OneFile g("1 2 1e39\n", "g2.txt");  // finite as a double, not as a float
  std::string msg = expect_input_error([&] { load_edgelist(g.str(), {}); }, g.str(), 1);
  EXPECT_CONTAINS(msg, "finite");
}

TEST(EdgelistMalformed, EmptyStringId) {
  OneFile f("a b\nc,\n");
  std::string msg = expect_input_error([&] { load_edgelist(f.str(), {}); }, f.str(), 2);
  EXPECT_CONTAINS(msg, "empty node id");
}

TEST(EdgelistMalformed, OnlyComments) {
  OneFile f("# nothing here\n\n% nor here\n");
  std::string msg = expect_input_error([&] { load_edgelist(f.str(), {}); }, f.str(), 0);
  EXPECT_CONTAINS(msg, "no edges found");
}

TEST(EdgelistMalformed, Directory) {
  fs::path d = test::scratch_dir();
  expect_input_error([&] { load_edgelist(d.string(), {}); }, d.string(), 0);
}

// ---- planetoid ------------------------------------------------------------------------------

fs::path planetoid(const std::string& content, const std::string& cites) {
  fs::path d = test::scratch_dir();
  test::write_file(d / "p.content", content);
  test::write_file(d / "p.cites", cites);
  return d / "p";
}

TEST(PlanetoidMalformed, TruncatedContentLine) {
  fs::path p = planetoid("a\t1\t0\tX\nb\t0\tY\n", "a\tb\n");
  std::string msg =
      expect_input_error([&] { load_planetoid(p.string(), {}); }, p.string() + ".content", 2);
  EXPECT_CONTAINS(msg, "expected 4 fields (paper_id, 2 features, class_label) as on line 1, got 3");
}

TEST(PlanetoidMalformed, OnlyPaperId) {
  fs::path p = planetoid("a\n", "a\ta\n");
  std::string msg =
      expect_input_error([&] { load_planetoid(p.string(), {}); }, p.string() + ".content", 1);
  EXPECT_CONTAINS(msg, "expected at least 2 fields");
}

TEST(PlanetoidMalformed, NonNumericFeature) {
  fs::path p = planetoid("a\t1\t0\tX\nb\t0\tone\tY\n", "a\tb\n");
  std::string msg =
      expect_input_error([&] { load_planetoid(p.string(), {}); }, p.string() + ".content", 2);
  EXPECT_CONTAINS(msg, "'one'");
}

TEST(PlanetoidMalformed, NanFeature) {
  fs::path p = planetoid("a\t1\tnan\tX\n", "a\ta\n");
  expect_input_error([&] { load_planetoid(p.string(), {}); }, p.string() + ".content", 1);
}

TEST(PlanetoidMalformed, DuplicatePaperId) {
  fs::path p = planetoid("a\t1\tX\nb\t0\tY\na\t1\tY\n", "a\tb\n");
  std::string msg =
      expect_input_error([&] { load_planetoid(p.string(), {}); }, p.string() + ".content", 3);
  EXPECT_CONTAINS(msg, "duplicate paper id 'a' (first on line 1)");
}

TEST(PlanetoidMalformed, TruncatedCitesLine) {
  fs::path p = planetoid("a\t1\tX\nb\t0\tY\n", "a\tb\nb\n");
  std::string msg =
      expect_input_error([&] { load_planetoid(p.string(), {}); }, p.string() + ".cites", 2);
  EXPECT_CONTAINS(msg, "expected 2 fields (cited_paper_id citing_paper_id), got 1");
}

TEST(PlanetoidMalformed, CitationsOfUnknownPapersOnlyAreCounted) {
  fs::path p = planetoid("a\t1\tX\nb\t0\tY\n", "a\tb\nzz\ta\n");
  Graph g = load_planetoid(p.string(), {});
  EXPECT_EQ(g.num_edges(), 1);
  EXPECT_EQ(g.stats.get("citations_unknown_paper"), 1);
}

// ---- blogcatalog ----------------------------------------------------------------------------

fs::path blogcatalog(const std::string& edges, const std::string& members,
                     const std::string& nodes = "", const std::string& groups = "") {
  fs::path d = test::scratch_dir();
  test::write_file(d / "edges.csv", edges);
  test::write_file(d / "group-edges.csv", members);
  if (!nodes.empty()) test::write_file(d / "nodes.csv", nodes);
  if (!groups.empty()) test::write_file(d / "groups.csv", groups);
  return d;
}

TEST(BlogCatalogMalformed, TruncatedEdgeLine) {
  fs::path d = blogcatalog("1 2\n3\n", "1 1\n");
  std::string msg =
      expect_input_error([&] { load_blogcatalog(d.string(), {}); }, (d / "edges.csv").string(), 2);
  EXPECT_CONTAINS(msg, "expected 2 fields (node_a node_b), got 1");
}

TEST(BlogCatalogMalformed, TruncatedMembershipLine) {
  fs::path d = blogcatalog("1 2\n", "1 1\n2\n");
  std::string msg = expect_input_error([&] { load_blogcatalog(d.string(), {}); },
                                       (d / "group-edges.csv").string(), 2);
  EXPECT_CONTAINS(msg, "expected 2 fields (node group), got 1");
}

TEST(BlogCatalogMalformed, NonNumericId) {
  fs::path d = blogcatalog("1 2\n2,bob\n", "1 1\n");
  std::string msg =
      expect_input_error([&] { load_blogcatalog(d.string(), {}); }, (d / "edges.csv").string(), 2);
  EXPECT_CONTAINS(msg, "expected an integer node id, got 'bob'");
}

TEST(BlogCatalogMalformed, NonNumericGroup) {
  fs::path d = blogcatalog("1 2\n", "1 music\n");
  std::string msg = expect_input_error([&] { load_blogcatalog(d.string(), {}); },
                                       (d / "group-edges.csv").string(), 1);
  EXPECT_CONTAINS(msg, "group id");
}

TEST(BlogCatalogMalformed, EdgeIdNotInNodesCsv) {
  fs::path d = blogcatalog("1 2\n2 3\n3 9\n", "1 1\n", "1\n2\n3\n");
  std::string msg =
      expect_input_error([&] { load_blogcatalog(d.string(), {}); }, (d / "edges.csv").string(), 3);
  EXPECT_CONTAINS(msg, "node id 9 not in nodes.csv");
}

TEST(BlogCatalogMalformed, MemberIdNotInNodesCsv) {
  fs::path d = blogcatalog("1 2\n", "1 1\n4 1\n", "1\n2\n");
  std::string msg = expect_input_error([&] { load_blogcatalog(d.string(), {}); },
                                       (d / "group-edges.csv").string(), 2);
  EXPECT_CONTAINS(msg, "node id 4 not in nodes.csv");
}

TEST(BlogCatalogMalformed, GroupNotInGroupsCsv) {
  fs::path d = blogcatalog("1 2\n", "1 1\n2 7\n", "", "1\n2\n");
  std::string msg = expect_input_error([&] { load_blogcatalog(d.string(), {}); },
                                       (d / "group-edges.csv").string(), 2);
  EXPECT_CONTAINS(msg, "group id 7 not in groups.csv");
}

TEST(BlogCatalogMalformed, DuplicateInNodesCsv) {
  fs::path d = blogcatalog("1 2\n", "1 1\n", "1\n2\n1\n");
  std::string msg =
      expect_input_error([&] { load_blogcatalog(d.string(), {}); }, (d / "nodes.csv").string(), 3);
  EXPECT_CONTAINS(msg, "duplicate node id 1 (first on line 1)");
}

TEST(BlogCatalogMalformed, TwoIdsOnANodesCsvLine) {
  fs::path d = blogcatalog("1 2\n", "1 1\n", "1\n2 3\n");
  expect_input_error([&] { load_blogcatalog(d.string(), {}); }, (d / "nodes.csv").string(), 2);
}

// ---- ogb ------------------------------------------------------------------------------------

fs::path ogb(const std::string& edges, const std::string& count = "3\n") {
  fs::path d = test::scratch_dir();
  test::write_file(d / "raw/num-node-list.csv", count);
  test::write_file(d / "raw/edge.csv", edges);
  return d;
}

std::string raw(const fs::path& d, const std::string& name) { return (d / "raw" / name).string(); }

TEST(OgbMalformed, EdgeIdOutOfRange) {
  fs::path d = ogb("0,1\n1,3\n");
  std::string msg = expect_input_error([&] { load_ogb(d.string(), {}); }, raw(d, "edge.csv"), 2);
  EXPECT_CONTAINS(msg, "node id 3 out of range [0, 3)");
}

TEST(OgbMalformed, NegativeEdgeId) {
  fs::path d = ogb("-1,1\n");
  std::string msg = expect_input_error([&] { load_ogb(d.string(), {}); }, raw(d, "edge.csv"), 1);
  EXPECT_CONTAINS(msg, "node id -1 out of range [0, 3)");
}

TEST(OgbMalformed, TruncatedEdgeLine) {
  fs::path d = ogb("0,1\n2\n");
  std::string msg = expect_input_error([&] { load_ogb(d.string(), {}); }, raw(d, "edge.csv"), 2);
  EXPECT_CONTAINS(msg, "expected 2 fields (src,dst), got 1");
}

TEST(OgbMalformed, NonNumericEdgeId) {
  fs::path d = ogb("0,1\n1,two\n");
  std::string msg = expect_input_error([&] { load_ogb(d.string(), {}); }, raw(d, "edge.csv"), 2);
  EXPECT_CONTAINS(msg, "'two'");
}

TEST(OgbMalformed, BadNodeCount) {
  fs::path d = ogb("0,1\n", "three\n");
  expect_input_error([&] { load_ogb(d.string(), {}); }, raw(d, "num-node-list.csv"), 1);
  d = ogb("0,1\n", "0\n");
  expect_input_error([&] { load_ogb(d.string(), {}); }, raw(d, "num-node-list.csv"), 1);
  d = ogb("0,1\n", "3\n4\n");
  std::string msg =
      expect_input_error([&] { load_ogb(d.string(), {}); }, raw(d, "num-node-list.csv"), 2);
  EXPECT_CONTAINS(msg, "single line");
}

TEST(OgbMalformed, FeatureRowWidth) {
  fs::path d = ogb("0,1\n");
  test::write_file(d / "raw/node-feat.csv", "1,2\n3\n5,6\n");
  std::string msg =
      expect_input_error([&] { load_ogb(d.string(), {}); }, raw(d, "node-feat.csv"), 2);
  EXPECT_CONTAINS(msg, "expected 2 feature values as on line 1, got 1");
}

TEST(OgbMalformed, FeatureRowCount) {
  fs::path d = ogb("0,1\n");
  test::write_file(d / "raw/node-feat.csv", "1,2\n3,4\n");
  std::string msg =
      expect_input_error([&] { load_ogb(d.string(), {}); }, raw(d, "node-feat.csv"), 0);
  EXPECT_CONTAINS(msg, "expected 3 rows (one per node), got 2");
  test::write_file(d / "raw/node-feat.csv", "1,2\n3,4\n5,6\n7,8\n");
  expect_input_error([&] { load_ogb(d.string(), {}); }, raw(d, "node-feat.csv"), 4);
}

TEST(OgbMalformed, NonNumericFeature) {
  fs::path d = ogb("0,1\n");
  test::write_file(d / "raw/node-feat.csv", "1,2\n3,x\n5,6\n");
  std::string msg =
      expect_input_error([&] { load_ogb(d.string(), {}); }, raw(d, "node-feat.csv"), 2);
  EXPECT_CONTAINS(msg, "'x'");
}

TEST(OgbMalformed, BadLabels) {
  fs::path d = ogb("0,1\n");
  for (const char* bad : {"cat", "-1", "1.5", "3000000000", "inf"}) {
    SCOPED_TRACE(bad);
    test::write_file(d / "raw/node-label.csv", std::string("0\n") + bad + "\n1\n");
    std::string msg =
        expect_input_error([&] { load_ogb(d.string(), {}); }, raw(d, "node-label.csv"), 2);
    EXPECT_CONTAINS(msg, "expected a class id");
  }
  test::write_file(d / "raw/node-label.csv", "0\n1\n");
  expect_input_error([&] { load_ogb(d.string(), {}); }, raw(d, "node-label.csv"), 0);
  test::write_file(d / "raw/node-label.csv", "1,0\n0,2\n1,1\n");
  std::string msg =
      expect_input_error([&] { load_ogb(d.string(), {}); }, raw(d, "node-label.csv"), 2);
  EXPECT_CONTAINS(msg, "expected 0 or 1");
  test::write_file(d / "raw/node-label.csv", "1,0\n0\n1,1\n");
  msg = expect_input_error([&] { load_ogb(d.string(), {}); }, raw(d, "node-label.csv"), 2);
  EXPECT_CONTAINS(msg, "expected 2 fields");
}

TEST(OgbMalformed, SplitIdOutOfRange) {
  fs::path d = ogb("0,1\n");
  test::write_file(d / "split/s/train.csv", "0\n");
  test::write_file(d / "split/s/valid.csv", "1\n");
  test::write_file(d / "split/s/test.csv", "2\n3\n");
  std::string msg =
      expect_input_error([&] { load_ogb(d.string(), {}); }, (d / "split/s/test.csv").string(), 2);
  EXPECT_CONTAINS(msg, "node id 3 out of range [0, 3)");
}

TEST(OgbMalformed, SeveralSplitSchemesNeedAChoice) {
  fs::path d = ogb("0,1\n");
  for (const char* s : {"alpha", "beta"}) {
    test::write_file(d / "split" / s / "train.csv", "0\n");
    test::write_file(d / "split" / s / "valid.csv", "1\n");
    test::write_file(d / "split" / s / "test.csv", "2\n");
  }
  std::string msg = expect_usage_error([&] { load_ogb(d.string(), {}); });
  EXPECT_CONTAINS(msg, "alpha, beta");
  LoadOptions o;
  o.split_scheme = "gamma";
  msg = expect_usage_error([&] { load_ogb(d.string(), o); });
  EXPECT_CONTAINS(msg, "'gamma'");
  EXPECT_CONTAINS(msg, "alpha, beta");
  o.split_scheme = "beta";
  EXPECT_NO_THROW(load_ogb(d.string(), o));
}

// ---- hetero ---------------------------------------------------------------------------------

TEST(HeteroMalformed, BadRelationFileName) {
  for (const char* name : {"author-paper.txt", "a--b.txt", "a-b-c-d.txt", "-r-b.txt"}) {
    SCOPED_TRACE(name);
    fs::path d = test::scratch_dir();
    test::write_file(d / "a-r-b.txt", "x y\n");
    test::write_file(d / name, "x y\n");
    std::string msg =
        expect_input_error([&] { load_hetero(d.string(), {}); }, (d / name).string(), 0);
    EXPECT_CONTAINS(msg, "<srctype>-<relation>-<dsttype>.txt");
  }
}

TEST(HeteroMalformed, TruncatedRelationLine) {
  fs::path d = test::scratch_dir();
  test::write_file(d / "a-r-b.txt", "x y\nz\n");
  std::string msg =
      expect_input_error([&] { load_hetero(d.string(), {}); }, (d / "a-r-b.txt").string(), 2);
  EXPECT_CONTAINS(msg, "expected 2 fields (a b), got 1");
}

TEST(HeteroMalformed, TruncatedLabelLine) {
  fs::path d = test::scratch_dir();
  test::write_file(d / "a-r-b.txt", "x y\n");
  test::write_file(d / "a.labels", "x L\nz\n");
  std::string msg =
      expect_input_error([&] { load_hetero(d.string(), {}); }, (d / "a.labels").string(), 2);
  EXPECT_CONTAINS(msg, "expected 2 fields (id label), got 1");
}

TEST(HeteroMalformed, ConflictingLabels) {
  fs::path d = test::scratch_dir();
  test::write_file(d / "a-r-b.txt", "x y\nz y\n");
  test::write_file(d / "a.labels", "x L\nz M\nx L\nx M\n");
  std::string msg =
      expect_input_error([&] { load_hetero(d.string(), {}); }, (d / "a.labels").string(), 4);
  EXPECT_CONTAINS(msg, "node 'x' already labelled 'L' on line 1");
}

// A label file labels the nodes the relation (and node) files name; an unknown id is an error,
// not a new node (a typo once silently added an isolated node).
TEST(HeteroMalformed, LabelOfAnUnknownNode) {
  fs::path d = test::scratch_dir();
  test::write_file(d / "a-r-b.txt", "x y\n");
  test::write_file(d / "a.labels", "x L\nxx M\n");
  std::string msg =
      expect_input_error([&] { load_hetero(d.string(), {}); }, (d / "a.labels").string(), 2);
  EXPECT_CONTAINS(msg, "node 'xx' is not a a of any relation file");
  // Isolated nodes are named in a <type>.nodes file.
  test::write_file(d / "a.nodes", "xx\n");
  Graph g = load_hetero(d.string(), {});
  EXPECT_EQ(g.node_types[0].count, 2);
  EXPECT_EQ(g.labels.num_labelled(), 2);
  test::write_file(d / "a.nodes", "xx extra\n");
  msg = expect_input_error([&] { load_hetero(d.string(), {}); }, (d / "a.nodes").string(), 1);
  EXPECT_CONTAINS(msg, "expected one a id per line");
}

TEST(HeteroMalformed, NoRelationFiles) {
  fs::path d = test::scratch_dir();
  test::write_file(d / "a.labels", "x L\n");
  test::write_file(d / "README.md", "notes\n");
  std::string msg = expect_input_error([&] { load_hetero(d.string(), {}); }, d.string(), 0);
  EXPECT_CONTAINS(msg, "no relation files");
}

TEST(HeteroMalformed, NotADirectory) {
  fs::path d = test::scratch_dir() / "file.txt";
  test::write_file(d, "x y\n");
  expect_input_error([&] { load_hetero(d.string(), {}); }, d.string(), 0);
}

// ---- inputs that were once silently accepted or misread --------------------------------------

// A UTF-8 byte-order mark (Excel's "CSV UTF-8", Notepad) is not part of the first id or header.
TEST(SilentMisreads, ByteOrderMarkIsSkipped) {
  fs::path d = test::scratch_dir();
  test::write_file(d / "e.txt",
                   "\xEF\xBB\xBF"
                   "1 2\n2 3\n");
  Graph g = load_graph("edgelist:" + (d / "e.txt").string());
  EXPECT_EQ(g.num_nodes(), 3);  // not 4: "\xEF\xBB\xBF1" is node 1
  EXPECT_TRUE(g.ids.find("1").has_value());
}

// zlib's gzread stops quietly at trailing bytes; a file damaged at its end is an error. Several
// concatenated gzip members (cat a.gz b.gz) are one file.
TEST(SilentMisreads, GzipWithTrailingBytesIsAnError) {
  fs::path d = test::scratch_dir();
  write_gz(d / "e.txt.gz", "1 2\n2 3\n");
  std::string bytes;
  {
    std::ifstream in(d / "e.txt.gz", std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  test::write_file(d / "two.txt.gz", bytes + bytes);
  EXPECT_EQ(load_graph("edgelist:" + (d / "two.txt.gz").string()).num_nodes(), 3);
  test::write_file(d / "bad.txt.gz", bytes + "GARBAGE\n");
  std::string msg =
      expect_input_error([&] { load_graph("edgelist:" + (d / "bad.txt.gz").string()); },
                         (d / "bad.txt.gz").string(), 0);
  EXPECT_CONTAINS(msg, "trailing bytes after the gzip data");
}

// One rule for ids in every file: integer literals name nodes by value ("01" is "1"), whether or
// not every id of the file fits in 64 bits (once a single larger id made "01" and "1" two nodes).
TEST(SilentMisreads, IntegerIdsAreOneRuleAcrossTheFile) {
  fs::path d = test::scratch_dir();
  test::write_file(d / "e.txt", "01 2\n1 3\n18446744073709551616 2\n");
  Graph g = load_graph("edgelist:" + (d / "e.txt").string());
  EXPECT_EQ(g.num_nodes(), 4);  // 1, 2, 3, 2^64
  EXPECT_STREQ(g.ids.rule(), "string");
  EXPECT_EQ(g.ids.find("01"), g.ids.find("1"));
  EXPECT_EQ(g.ids.find("+1"), g.ids.find("1"));
  EXPECT_EQ(g.ids.name(*g.ids.find("001")), "1");
  test::write_file(d / "f.txt", "01 2\n1 3\n");
  Graph h = load_graph("edgelist:" + (d / "f.txt").string());
  EXPECT_EQ(h.num_nodes(), 3);
  EXPECT_STREQ(h.ids.rule(), "integer");
  EXPECT_EQ(canonical_id("-0"), "0");
  EXPECT_EQ(canonical_id("-007"), "-7");
  EXPECT_EQ(canonical_id("a01"), "a01");
}

// A directory where a file is expected says so, instead of "no such file".
TEST(SilentMisreads, DirectoryWhereAFileIsExpected) {
  fs::path d = test::scratch_dir();
  fs::create_directories(d / "edges.txt");
  std::string msg = expect_input_error(
      [&] { load_graph("edgelist:" + (d / "edges.txt").string()); }, (d / "edges.txt").string(), 0);
  EXPECT_CONTAINS(msg, "is a directory, expected a file");
  fs::create_directories(d / "pl" / "cora.content");
  msg = expect_input_error([&] { load_graph("planetoid:" + (d / "pl" / "cora").string()); },
                           (d / "pl" / "cora.content").string(), 0);
  EXPECT_CONTAINS(msg, "is a directory, expected a file");
}

// ---- load_graph spec errors -----------------------------------------------------------------

TEST(LoadGraphSpec, Errors) {
  std::string msg = expect_usage_error([] { load_graph("cora.txt"); });
  EXPECT_CONTAINS(msg, "KIND:ARGUMENT");
  msg = expect_usage_error([] { load_graph(":cora.txt"); });
  EXPECT_CONTAINS(msg, "KIND:ARGUMENT");
  msg = expect_usage_error([] { load_graph("cora:data/cora"); });
  EXPECT_CONTAINS(msg, "unknown graph kind 'cora'");
  msg = expect_usage_error([] { load_graph("edgelist:"); });
  EXPECT_CONTAINS(msg, "empty argument");
  msg = expect_usage_error([] { load_graph(""); });
  EXPECT_FALSE(msg.empty());
}

TEST(LoadGraphSpec, MissingFileIsAnInputError) {
  fs::path f = test::scratch_dir() / "absent.txt";
  expect_input_error([&] { load_graph("edgelist:" + f.string()); }, f.string(), 0);
}

}  // namespace
}  // namespace grl
