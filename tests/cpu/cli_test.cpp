// The grl command itself: exit codes, error messages, JSON output, and the files that embed and
// predict write.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "host/io/embedding_io.h"
#include "tests/cpu/cli_util.h"
#include "tests/cpu/test_util.h"

namespace grl {
namespace {

using Result = test::CliResult;
Result run(const std::string& args) { return test::run_grl(args); }

std::string last_line(const std::string& s) {
  std::string t = s;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  return t.substr(t.rfind('\n') == std::string::npos ? 0 : t.rfind('\n') + 1);
}

const char* kSbm = "'synthetic:sbm?nodes=800&classes=4&dim=12&degree=6&seed=2'";

TEST(Cli, HelpAndUsageErrors) {
  Result h = run("--help");
  EXPECT_EQ(h.code, 0);
  for (const char* cmd : {"info", "convert", "demo", "sage", "embed", "predict"})
    EXPECT_NE(h.out.find(cmd), std::string::npos) << cmd;
  EXPECT_NE(h.out.find("edgelist:FILE"), std::string::npos);
  EXPECT_EQ(run("sage --help").code, 0);
  Result none = run("");
  EXPECT_NE(none.code, 0);
  Result kind = run("info --graph nope:x");
  EXPECT_EQ(kind.code, 2);
  EXPECT_NE(kind.out.find("unknown graph kind 'nope'"), std::string::npos) << kind.out;
  Result missing = run("info --graph edgelist:/nonexistent/edges.txt");
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.out.find("/nonexistent/edges.txt"), std::string::npos) << missing.out;
  Result fan = run(std::string("sage --graph ") + kSbm + " --fanouts 10,x");
  EXPECT_EQ(fan.code, 2);
  EXPECT_NE(fan.out.find("'x' is not an integer"), std::string::npos) << fan.out;
  Result dev = run(std::string("sage --graph ") + kSbm + " --device gpu");
  EXPECT_NE(dev.code, 0);
  Result place = run(std::string("sage --graph ") + kSbm + " --feature-placement disk");
  EXPECT_EQ(place.code, 2);
  EXPECT_NE(place.out.find("--feature-placement"), std::string::npos) << place.out;
  Result aggr = run(std::string("sage --graph ") + kSbm + " --aggr gru");
  EXPECT_EQ(aggr.code, 2);
  EXPECT_NE(aggr.out.find("lstm"), std::string::npos) << aggr.out;
}

TEST(Cli, InfoJsonOnAFixture) {
  Result r = run("info --json --graph edgelist:" + test::fixture("tiny.edgelist"));
  ASSERT_EQ(r.code, 0) << r.out;
  nlohmann::json j = nlohmann::json::parse(last_line(r.out));
  for (const char* k : {"nodes", "edges", "directed", "feature_dim", "num_classes", "degree",
                        "node_types", "edge_types"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_GT(j["nodes"].get<int>(), 0);
}

TEST(Cli, ConvertThenInfoAgree) {
  auto dir = test::scratch_dir();
  ASSERT_EQ(run(std::string("convert --graph ") + kSbm + " --out " + (dir / "g").string()).code, 0);
  nlohmann::json a =
      nlohmann::json::parse(last_line(run(std::string("info --json --graph ") + kSbm).out));
  nlohmann::json b =
      nlohmann::json::parse(last_line(run("info --json --graph grl:" + (dir / "g").string()).out));
  EXPECT_EQ(a["nodes"], b["nodes"]);
  EXPECT_EQ(a["edges"], b["edges"]);
  EXPECT_EQ(a["feature_dim"], b["feature_dim"]);
  EXPECT_EQ(a["degree"], b["degree"]);
}

TEST(Cli, SageEmbedPredictRoundTrip) {
  auto dir = test::scratch_dir();
  const std::string model = (dir / "m.grl").string();
  Result s = run(
      std::string("sage --graph ") + kSbm +
      " --device cpu --epochs 2 --hidden 16 --fanouts 5,3 --batch-size 128 --json --quiet --save " +
      model);
  ASSERT_EQ(s.code, 0) << s.out;
  nlohmann::json j = nlohmann::json::parse(last_line(s.out));
  for (const char* k : {"test_accuracy", "test_f1_micro", "test_f1_macro", "test_recall_macro",
                        "epochs", "train_seconds", "seeds_per_second", "device"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["epochs"], 2);
  EXPECT_EQ(j["device"].get<std::string>().rfind("cpu", 0), 0u);
  ASSERT_TRUE(std::filesystem::exists(model));

  // Embeddings: .npy with ids beside it, and word2vec text.
  ASSERT_EQ(run("embed --model " + model + " --graph " + kSbm + " --device cpu --out " +
                (dir / "e.npy").string())
                .code,
            0);
  std::vector<std::string> ids;
  std::vector<float> values;
  int64_t dim = 0;
  read_embeddings((dir / "e.npy").string(), ids, values, dim);
  EXPECT_EQ(ids.size(), 800u);
  EXPECT_EQ(dim, 16);
  EXPECT_EQ(ids[5], "5");
  ASSERT_EQ(run("embed --model " + model + " --graph " + kSbm + " --device cpu --out " +
                (dir / "e.txt").string())
                .code,
            0);
  std::ifstream txt(dir / "e.txt");
  std::string header;
  std::getline(txt, header);
  EXPECT_EQ(header, "800 16");
  std::vector<std::string> ids2;
  std::vector<float> values2;
  read_embeddings((dir / "e.txt").string(), ids2, values2, dim);
  ASSERT_EQ(values2.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i)
    ASSERT_NEAR(values2[i], values[i], 1e-5 * (1 + std::fabs(values[i])));

  // A node list selects and orders the output; an unknown id is an error naming it.
  test::write_file(dir / "nodes.txt", "# two nodes\n7\n3\n");
  ASSERT_EQ(run("embed --model " + model + " --graph " + kSbm + " --device cpu --nodes " +
                (dir / "nodes.txt").string() + " --out " + (dir / "two.txt").string())
                .code,
            0);
  read_embeddings((dir / "two.txt").string(), ids2, values2, dim);
  EXPECT_EQ(ids2, (std::vector<std::string>{"7", "3"}));
  test::write_file(dir / "bad_nodes.txt", "7\nnot-a-node\n");
  Result bad = run("embed --model " + model + " --graph " + kSbm + " --nodes " +
                   (dir / "bad_nodes.txt").string() + " --out " + (dir / "x.txt").string());
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.out.find("not-a-node"), std::string::npos) << bad.out;

  // Predictions.
  ASSERT_EQ(run("predict --model " + model + " --graph " + kSbm + " --device cpu --out " +
                (dir / "p.tsv").string())
                .code,
            0);
  std::ifstream tsv(dir / "p.tsv");
  std::string line;
  std::getline(tsv, line);
  EXPECT_EQ(line, "node\tclass\tprobability");
  int rows = 0;
  while (std::getline(tsv, line)) {
    ++rows;
    std::stringstream ss(line);
    std::string node, cls, prob;
    std::getline(ss, node, '\t');
    std::getline(ss, cls, '\t');
    std::getline(ss, prob, '\t');
    EXPECT_EQ(cls[0], 'c') << line;  // sbm class names are c0..c3
    double p = std::stod(prob);
    EXPECT_GE(p, 0.25 - 1e-6) << line;  // the arg-max of 4 classes
    EXPECT_LE(p, 1.0) << line;
  }
  EXPECT_EQ(rows, 800);

  // A model for another feature width, and a damaged model, are clear errors.
  Result width = run("embed --model " + model + " --graph 'synthetic:sbm?nodes=100&dim=5' --out " +
                     (dir / "y.txt").string());
  EXPECT_EQ(width.code, 2);
  EXPECT_NE(width.out.find("12-dimensional"), std::string::npos) << width.out;
  std::filesystem::resize_file(model, std::filesystem::file_size(model) - 10);
  Result cut =
      run("predict --model " + model + " --graph " + kSbm + " --out " + (dir / "z.tsv").string());
  EXPECT_EQ(cut.code, 1);
  EXPECT_NE(cut.out.find("m.grl"), std::string::npos) << cut.out;
}

// Unsupervised GraphSAGE end to end: train without labels, embed (the model's L2-normalised
// output), score the embeddings with grl eval; and the flags that do not fit are usage errors.
TEST(Cli, SageUnsupervisedThenEmbedThenEval) {
  auto dir = test::scratch_dir();
  const std::string model = (dir / "u.grl").string(), emb = (dir / "u.npy").string();
  Result s = run(std::string("sage --graph ") + kSbm +
                 " --unsupervised --dim 8 --negatives 5 --walks-per-node 2 --walk-length 4 "
                 "--device cpu --epochs 3 --hidden 16 --fanouts 5,3 --batch-size 128 --json "
                 "--quiet --save " +
                 model);
  ASSERT_EQ(s.code, 0) << s.out;
  nlohmann::json j = nlohmann::json::parse(last_line(s.out));
  for (const char* k : {"unsupervised", "loss", "epochs", "pairs", "train_seconds",
                        "pairs_per_second", "device", "eval_micro_f1", "eval_macro_f1"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["epochs"], 3);
  EXPECT_GT(j["pairs"].get<int64_t>(), 800 * 2 * 3);
  ASSERT_TRUE(std::filesystem::exists(model));
  Result e = run("embed --model " + model + " --graph " + kSbm + " --device cpu --out " + emb);
  ASSERT_EQ(e.code, 0) << e.out;
  std::vector<std::string> ids;
  std::vector<float> values;
  int64_t dim = 0;
  read_embeddings(emb, ids, values, dim);
  ASSERT_EQ(ids.size(), 800u);
  ASSERT_EQ(dim, 8);
  for (size_t i = 0; i < ids.size(); i += 97) {
    double norm = 0;
    for (int64_t k = 0; k < dim; ++k) norm += values[i * dim + k] * values[i * dim + k];
    EXPECT_NEAR(norm, 1.0, 1e-5) << "row " << i;
  }
  Result ev = run("eval --embeddings " + emb + " --labels " + kSbm +
                  " --train-ratio 0.5 --repeats 2 --json");
  ASSERT_EQ(ev.code, 0) << ev.out;
  nlohmann::json r = nlohmann::json::parse(last_line(ev.out))["results"][0];
  EXPECT_GT(r["micro_f1"].get<double>(), 0.5) << "chance is 1/4";
  EXPECT_EQ(r["train"].get<int>() + r["test"].get<int>(), 800);

  Result pred =
      run("predict --model " + model + " --graph " + kSbm + " --out " + (dir / "p.tsv").string());
  EXPECT_EQ(pred.code, 2);
  EXPECT_NE(pred.out.find("grl embed"), std::string::npos) << pred.out;
  Result dim_only = run(std::string("sage --graph ") + kSbm + " --dim 8");
  EXPECT_EQ(dim_only.code, 2);
  EXPECT_NE(dim_only.out.find("only with --unsupervised"), std::string::npos) << dim_only.out;
  Result split = run(std::string("sage --graph ") + kSbm + " --unsupervised --split random");
  EXPECT_EQ(split.code, 2);
  EXPECT_NE(split.out.find("--split"), std::string::npos) << split.out;
  Result negs = run(std::string("sage --graph ") + kSbm + " --unsupervised --negatives 0");
  EXPECT_EQ(negs.code, 2);
  EXPECT_NE(negs.out.find("--negatives"), std::string::npos) << negs.out;
}

TEST(Cli, WalkThenEval) {
  auto dir = test::scratch_dir();
  const std::string emb = (dir / "ac.npy").string();
  Result w =
      run("walk --graph synthetic:academic --method metapath2vec --metapath author-paper-author "
          "--device cpu "
          "--walks-per-node 10 --walk-length 40 --dim 16 --json --quiet --out " +
          emb);
  ASSERT_EQ(w.code, 0) << w.out;
  nlohmann::json j = nlohmann::json::parse(last_line(w.out));
  for (const char* k : {"pairs_per_second", "walk_steps_per_second", "train_seconds", "device"})
    EXPECT_TRUE(j.contains(k)) << k;
  for (const char* f : {"ac.npy", "ac.ids.txt", "ac.author.npy", "ac.author.ids.txt",
                        "ac.paper.npy", "ac.venue.npy"})
    EXPECT_TRUE(std::filesystem::exists(dir / f)) << f;
  std::vector<std::string> ids;
  std::vector<float> values;
  int64_t dim = 0;
  read_embeddings((dir / "ac.author.npy").string(), ids, values, dim);
  EXPECT_EQ(dim, 16);
  EXPECT_EQ(ids.front(), "author:0");
  Result e = run("eval --embeddings " + (dir / "ac.author.npy").string() +
                 " --labels synthetic:academic --train-ratio 0.5 --repeats 2 --json");
  ASSERT_EQ(e.code, 0) << e.out;
  nlohmann::json r = nlohmann::json::parse(last_line(e.out))["results"][0];
  EXPECT_GT(r["macro_f1"].get<double>(), 0.5);
  EXPECT_EQ(r["train"].get<int>() + r["test"].get<int>(), 2000);
  // A plain "node label" file works too; unknown methods and bad ratios are usage errors.
  test::write_file(dir / "labels.txt", "author:0 x\nauthor:1 y\nauthor:2 x\nauthor:3 y\n");
  EXPECT_EQ(run("eval --embeddings " + (dir / "ac.author.npy").string() + " --labels " +
                (dir / "labels.txt").string() + " --train-ratio 0.5 --repeats 1")
                .code,
            0);
  EXPECT_EQ(run("walk --graph synthetic:academic --method word2vec --out x.npy").code, 2);
  EXPECT_EQ(run("eval --embeddings " + emb + " --labels synthetic:academic --train-ratio 1.5").code,
            2);
  EXPECT_EQ(
      run("walk --graph 'synthetic:sbm?nodes=50' --method metapath2vec --metapath a-b-a --out " +
          (dir / "x.npy").string())
          .code,
      2);
}

TEST(Cli, WalkPartitions) {
  auto dir = test::scratch_dir();
  const std::string out = " --out " + (dir / "p.npy").string();
  const std::string base = std::string("walk --graph ") + kSbm +
                           " --device cpu --walks-per-node 2 --walk-length 10 --dim 8 --quiet";
  for (const char* bad : {"0", "x", "-2", "2.5"}) {
    Result r = run(base + " --partitions " + bad + out);
    EXPECT_EQ(r.code, 2) << bad << ": " << r.out;
    EXPECT_NE(r.out.find("--partitions"), std::string::npos) << r.out;
  }
  Result ok = run(base + " --partitions 2 --json" + out);
  ASSERT_EQ(ok.code, 0) << ok.out;
  nlohmann::json j = nlohmann::json::parse(last_line(ok.out));
  EXPECT_EQ(j["partitions"].get<int>(), 2);
  EXPECT_GT(j["swap_bytes"].get<uint64_t>(), 0u);
  Result help = run("walk --help");
  EXPECT_NE(help.out.find("--partitions"), std::string::npos);
}

// An edge list plus an attribute table and a label file is enough to train GraphSAGE; embed
// encodes new nodes' attributes with the trained encoder.
TEST(Cli, SageWithAttributeTableAndLabelFile) {
  auto dir = test::scratch_dir();
  std::string edges, table = "id,kind,size\n", labels, new_edges, new_table = "id,kind,size\n";
  for (int i = 0; i < 300; ++i) {
    edges += std::to_string(i) + " " + std::to_string((i * 7 + 1) % 300) + "\n";
    const char* kind = i % 2 ? "odd" : "even";
    table += std::to_string(i) + "," + kind + "," + std::to_string(i % 10) + "\n";
    labels += std::to_string(i) + " " + kind + "\n";
  }
  new_edges = edges + "300 0\n301 1\n";
  new_table = table + "300,even,3\n301,odd,\n";
  test::write_file(dir / "e.txt", edges);
  test::write_file(dir / "f.csv", table);
  test::write_file(dir / "l.txt", labels);
  test::write_file(dir / "e2.txt", new_edges);
  test::write_file(dir / "f2.csv", new_table);
  const std::string model = (dir / "m.grl").string();
  Result s = run("sage --graph edgelist:" + (dir / "e.txt").string() + " --features " +
                 (dir / "f.csv").string() + " --standardize --labels " + (dir / "l.txt").string() +
                 " --device cpu --epochs 5 --hidden 16 --json --quiet --save " + model);
  ASSERT_EQ(s.code, 0) << s.out;
  EXPECT_GT(nlohmann::json::parse(last_line(s.out))["test_accuracy"].get<double>(), 0.9);
  const std::string out = (dir / "p.tsv").string();
  Result p = run("predict --model " + model + " --graph edgelist:" + (dir / "e2.txt").string() +
                 " --features " + (dir / "f2.csv").string() + " --device cpu --out " + out);
  ASSERT_EQ(p.code, 0) << p.out;
  std::ifstream tsv(out);
  std::string line, last;
  int rows = 0;
  while (std::getline(tsv, line)) {
    ++rows;
    last = line;
  }
  EXPECT_EQ(rows, 303);  // header + 302 nodes, two of them new
  Result missing = run("embed --model " + model + " --graph edgelist:" + (dir / "e2.txt").string() +
                       " --out " + (dir / "x.txt").string());
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.out.find("--features"), std::string::npos) << missing.out;
}

TEST(Cli, SageClipGradNorm) {
  EXPECT_NE(run("sage --help").out.find("--clip-grad-norm"), std::string::npos);
  const std::string sage = std::string("sage --graph ") + kSbm +
                           " --device cpu --epochs 2 --hidden 16 --fanouts 5,3 --json --quiet";
  for (const char* bad : {"-1", "nan", "inf"}) {
    Result r = run(sage + " --clip-grad-norm " + bad);
    EXPECT_EQ(r.code, 2) << bad << ": " << r.out;
    EXPECT_NE(r.out.find("--clip-grad-norm must be a finite number >= 0"), std::string::npos)
        << r.out;
  }
  Result on = run(sage + " --clip-grad-norm 0.5");
  ASSERT_EQ(on.code, 0) << on.out;
  EXPECT_GT(nlohmann::json::parse(last_line(on.out))["grad_norm"].get<double>(), 0.0);
  Result off = run(sage);
  ASSERT_EQ(off.code, 0) << off.out;
  EXPECT_FALSE(nlohmann::json::parse(last_line(off.out)).contains("grad_norm"));
}

}  // namespace
}  // namespace grl
