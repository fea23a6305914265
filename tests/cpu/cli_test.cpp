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
// grl ARGS with `env` ("NAME=value ...") set for it.
Result run_env(const std::string& env, const std::string& args) {
  return test::run_grl_env(env, args);
}

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
  EXPECT_FALSE(j.contains("swap_bytes")) << "the CPU trains blocks in rounds, in place";
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

// Link prediction end to end on a planted partition (10 classes, 95% of edges inside a class):
// split the edges, train on the residual graph, score the held-out pairs. Skip-gram and
// unsupervised GraphSAGE embeddings both predict the held-out edges far better than chance.
TEST(Cli, SplitEdgesThenWalkAndSageThenEvalLink) {
  auto dir = test::scratch_dir();
  const std::string graph =
      "'synthetic:sbm?nodes=1000&classes=10&homophily=0.95&degree=10&dim=8&seed=4'";
  const std::string split = (dir / "split").string(), pairs = split + "/test_edges.tsv";
  Result s = run("split-edges --graph " + graph + " --fraction 0.1 --seed 1 --json --out " + split);
  ASSERT_EQ(s.code, 0) << s.out;
  nlohmann::json j = nlohmann::json::parse(last_line(s.out));
  const int64_t edges = j["edges"], held = j["held_out"];
  EXPECT_EQ(held, std::llround(0.1 * static_cast<double>(edges)));
  EXPECT_EQ(j["negatives"].get<int64_t>(), held);
  EXPECT_EQ(j["residual_edges"].get<int64_t>(), edges - held);
  nlohmann::json info =
      nlohmann::json::parse(last_line(run("info --json --graph grl:" + split).out));
  EXPECT_EQ(info["edges"].get<int64_t>(), edges - held);
  EXPECT_EQ(info["feature_dim"], 8);
  EXPECT_EQ(info["num_classes"], 10);
  std::ifstream f(pairs);
  std::string line;
  int64_t lines = 0, positives = 0;
  while (std::getline(f, line)) {
    ++lines;
    positives += line.size() > 2 && line.substr(line.size() - 2) == "\t1";
  }
  EXPECT_EQ(positives, held);
  EXPECT_EQ(lines, 2 * held);

  // DeepWalk on the residual graph.
  const std::string emb = (dir / "w.npy").string();
  Result w = run("walk --graph grl:" + split +
                 " --device cpu --walks-per-node 10 --walk-length 20 --window 5 --dim 32 --quiet "
                 "--out " +
                 emb);
  ASSERT_EQ(w.code, 0) << w.out;
  Result e = run("eval --task link --embeddings " + emb + " --edges " + pairs + " --json");
  ASSERT_EQ(e.code, 0) << e.out;
  nlohmann::json r = nlohmann::json::parse(last_line(e.out));
  EXPECT_EQ(r["positives"].get<int64_t>(), held);
  EXPECT_EQ(r["config"]["repeats"], 5);
  EXPECT_EQ(r["task"], "link");
  for (const char* op : {"hadamard", "l1", "l2", "dot"})
    EXPECT_GT(r["roc_auc"][op].get<double>(), 0.85) << op << ": " << e.out;
  for (const char* k : {"10", "50", "100"}) EXPECT_TRUE(r["hits"].contains(k)) << k;
  EXPECT_GT(r["hits"]["100"].get<double>(), 0.5) << e.out;
  EXPECT_GT(r["mrr"].get<double>(), 0.0);
  // Plain text: one line per metric.
  Result text =
      run("eval --task link --embeddings " + emb + " --edges " + pairs + " --repeats 2 --hits 20");
  ASSERT_EQ(text.code, 0) << text.out;
  for (const char* m : {"hadamard  ROC-AUC", "average   ROC-AUC", "l1        ROC-AUC",
                        "l2        ROC-AUC", "dot       ROC-AUC", "Hits@20", "MRR "})
    EXPECT_NE(text.out.find(m), std::string::npos) << m << " in " << text.out;
  EXPECT_EQ(text.out.find("Hits@50"), std::string::npos) << text.out;

  // Unsupervised GraphSAGE on the residual graph (its features and topology).
  const std::string model = (dir / "u.grl").string(), uemb = (dir / "u.npy").string();
  Result u = run("sage --graph grl:" + split +
                 " --unsupervised --device cpu --epochs 3 --dim 16 --hidden 32 --fanouts 5,3 "
                 "--batch-size 256 --negatives 5 --quiet --save " +
                 model);
  ASSERT_EQ(u.code, 0) << u.out;
  ASSERT_EQ(
      run("embed --model " + model + " --graph grl:" + split + " --device cpu --out " + uemb).code,
      0);
  Result ue = run("eval --task link --embeddings " + uemb + " --edges " + pairs + " --json");
  ASSERT_EQ(ue.code, 0) << ue.out;
  nlohmann::json ur = nlohmann::json::parse(last_line(ue.out));
  for (const char* op : {"hadamard", "dot"})
    EXPECT_GT(ur["roc_auc"][op].get<double>(), 0.8) << op << ": " << ue.out;
}

TEST(Cli, SplitEdgesIsTheSameOnAnyThreadCount) {
  auto dir = test::scratch_dir();
  // Large enough that the split's parallel loops use both threads.
  const std::string graph = "'synthetic:sbm?nodes=20000&degree=8&dim=2&seed=3'";
  std::string files[2][2];
  for (int t = 1; t <= 2; ++t) {
    const std::string out = (dir / std::to_string(t)).string();
    Result ok = run_env("GRL_THREADS=" + std::to_string(t),
                        "split-edges --graph " + graph + " --seed 7 --out " + out);
    ASSERT_EQ(ok.code, 0) << ok.out;
    for (int k = 0; k < 2; ++k) {
      std::ifstream in(out + (k ? "/test_edges.tsv" : "/graph.grl"), std::ios::binary);
      files[t - 1][k].assign(std::istreambuf_iterator<char>(in), {});
      EXPECT_FALSE(files[t - 1][k].empty());
    }
  }
  EXPECT_TRUE(files[0][0] == files[1][0]) << "graph.grl differs between 1 and 2 threads";
  EXPECT_TRUE(files[0][1] == files[1][1]) << "test_edges.tsv differs between 1 and 2 threads";
}

TEST(Cli, SplitEdgesAndEvalLinkErrors) {
  auto dir = test::scratch_dir();
  const std::string out = " --out " + (dir / "s").string();
  // Flags are checked before the graph is loaded: this graph does not exist.
  Result frac = run("split-edges --graph edgelist:/nonexistent.txt --fraction 1.5" + out);
  EXPECT_EQ(frac.code, 2);
  EXPECT_NE(frac.out.find("grl: error: --fraction must be in (0, 1)"), std::string::npos)
      << frac.out;
  Result neg =
      run("split-edges --graph edgelist:/nonexistent.txt --negatives-per-positive 0" + out);
  EXPECT_EQ(neg.code, 2);
  EXPECT_NE(neg.out.find("--negatives-per-positive must be at least 1"), std::string::npos)
      << neg.out;
  Result dir_ = run(std::string("split-edges --graph ") + kSbm + " --directed" + out);
  EXPECT_EQ(dir_.code, 2);
  EXPECT_NE(dir_.out.find("undirected"), std::string::npos) << dir_.out;
  Result het = run("split-edges --graph synthetic:academic" + out);
  EXPECT_EQ(het.code, 2);
  EXPECT_NE(het.out.find("homogeneous"), std::string::npos) << het.out;
  // A split that fails to write its graph leaves no pairs file of an earlier split behind,
  // whose held-out edges could be in the new residual graph.
  ASSERT_EQ(run(std::string("split-edges --graph ") + kSbm + out).code, 0);
  ASSERT_TRUE(std::filesystem::exists(dir / "s" / "test_edges.tsv"));
  std::filesystem::remove(dir / "s" / "graph.grl");
  std::filesystem::create_directories(dir / "s" / "graph.grl" / "in-the-way");
  Result blocked = run(std::string("split-edges --graph ") + kSbm + " --seed 3" + out);
  EXPECT_NE(blocked.code, 0) << blocked.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "s" / "test_edges.tsv"));
  Result help = run("split-edges --help");
  for (const char* flag : {"--fraction", "--negatives-per-positive", "--seed", "--json", "--out"})
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag;

  // A small task to score: embeddings of four nodes, pairs naming them.
  test::write_file(dir / "e.txt", "4 2\na 1 0\nb 1 0.1\nc 0 1\nd 0.1 1\n");
  test::write_file(dir / "p.tsv", "a\tb\t1\nc\td\t1\na\tc\t0\nb\td\t0\n");
  const std::string emb = (dir / "e.txt").string(), pairs = (dir / "p.tsv").string();
  Result ok = run("eval --task link --embeddings " + emb + " --edges " + pairs + " --json");
  ASSERT_EQ(ok.code, 0) << ok.out;
  nlohmann::json j = nlohmann::json::parse(last_line(ok.out));
  EXPECT_DOUBLE_EQ(j["roc_auc"]["dot"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(j["mrr"].get<double>(), 1.0);
  Result no_edges = run("eval --task link --embeddings " + emb);
  EXPECT_EQ(no_edges.code, 2);
  EXPECT_NE(no_edges.out.find("--edges"), std::string::npos) << no_edges.out;
  Result labels = run("eval --task link --embeddings " + emb + " --edges " + pairs +
                      " --labels synthetic:academic");
  EXPECT_EQ(labels.code, 2);
  EXPECT_NE(labels.out.find("--labels applies to --task node only"), std::string::npos)
      << labels.out;
  Result node_edges =
      run("eval --embeddings " + emb + " --labels synthetic:academic --edges " + pairs);
  EXPECT_EQ(node_edges.code, 2);
  EXPECT_NE(node_edges.out.find("--edges applies to --task link only"), std::string::npos)
      << node_edges.out;
  Result no_labels = run("eval --embeddings " + emb);
  EXPECT_EQ(no_labels.code, 2);
  EXPECT_NE(no_labels.out.find("--labels is required"), std::string::npos) << no_labels.out;
  EXPECT_EQ(run("eval --task edge --embeddings " + emb + " --edges " + pairs).code, 2);
  Result hits = run("eval --task link --embeddings " + emb + " --edges " + pairs + " --hits 10,0");
  EXPECT_EQ(hits.code, 2);
  EXPECT_NE(hits.out.find("--hits"), std::string::npos) << hits.out;
  Result reps = run("eval --task link --embeddings " + emb + " --edges " + pairs + " --repeats 0");
  EXPECT_EQ(reps.code, 2);
  EXPECT_NE(reps.out.find("--repeats must be at least 1"), std::string::npos) << reps.out;
  // An unknown node names the pairs file and line; a node embedded twice is an error.
  test::write_file(dir / "bad.tsv", "a\tb\t1\n\nzz\td\t0\n");
  Result unknown =
      run("eval --task link --embeddings " + emb + " --edges " + (dir / "bad.tsv").string());
  EXPECT_EQ(unknown.code, 1);
  EXPECT_NE(unknown.out.find((dir / "bad.tsv").string() + ":3: node 'zz' has no embedding"),
            std::string::npos)
      << unknown.out;
  test::write_file(dir / "dup.txt", "3 2\na 1 0\nb 0 1\na 0 0\n");
  Result dup =
      run("eval --task link --embeddings " + (dir / "dup.txt").string() + " --edges " + pairs);
  EXPECT_EQ(dup.code, 1);
  EXPECT_NE(dup.out.find("node id 'a' appears twice"), std::string::npos) << dup.out;
  // Names compare as canonical ids: "01" in the pairs is node "1" of the embeddings.
  test::write_file(dir / "int.txt", "3 2\n1 1 0\n2 0 1\n3 1 0.1\n");
  test::write_file(dir / "int.tsv", "01\t3\t1\n1\t2\t0\n+2\t3\t0\n3\t1\t1\n");
  Result canon = run("eval --task link --embeddings " + (dir / "int.txt").string() + " --edges " +
                     (dir / "int.tsv").string() + " --json");
  ASSERT_EQ(canon.code, 0) << canon.out;
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(last_line(canon.out))["roc_auc"]["dot"].get<double>(),
                   1.0);
}

}  // namespace
}  // namespace grl
