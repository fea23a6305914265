// The command line fails early and loudly, never silently, and its output can be trusted by
// scripts: flags are validated before anything is loaded (with their limits in the message),
// non-finite training stops the run, output paths and memory are checked up front, --json
// prints exactly one object carrying the configuration, -q hides progress only, long runs
// print a plan and progress with an ETA, and --help is what a user needs. Each test was run
// against the grl before these checks (GRL_CLI=old/grl) and failed there.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "host/device/device_info.h"
#include "host/dist/comm.h"
#include "tests/cpu/cli_util.h"
#include "tests/cpu/test_util.h"

namespace grl {
namespace {

namespace fs = std::filesystem;
using test::run_grl;
using test::run_grl_stdout;

const std::string kSbm = "'synthetic:sbm?nodes=600&classes=3&dim=8&degree=6&seed=4'";
const std::string kSage = "sage --graph " + kSbm + " --device cpu --epochs 2 --hidden 16 ";
const std::string kWalk =
    "walk --graph " + kSbm + " --device cpu --walk-length 8 --walks-per-node 2 --window 3 --dim 8 ";
// The same without the options a test varies.
const std::string kSageBare = "sage --graph " + kSbm + " --epochs 2 ";
const std::string kWalkBare = "walk --graph " + kSbm + " --device cpu --walk-length 8 ";

#define EXPECT_CONTAINS(text, needle) \
  EXPECT_NE(std::string(text).find(needle), std::string::npos) << (text)

// Exit code 2 and the message naming `needle`.
void expect_usage(const std::string& args, const std::string& needle) {
  test::CliResult r = run_grl(args);
  EXPECT_EQ(r.code, 2) << args << "\n" << r.out;
  EXPECT_CONTAINS(r.out, needle) << " (for: " << args << ")";
}

TEST(CliChecks, NonFiniteOptionsAreRefusedBeforeTraining) {
  expect_usage(kSage + "--lr inf", "--lr must be a finite number > 0");
  expect_usage(kSage + "--weight-decay nan", "--weight-decay must be a finite number >= 0");
  expect_usage(kSage + "--optimizer sgd --momentum nan", "--momentum must be in [0, 1)");
  expect_usage(kSage + "--dropout nan", "--dropout must be in [0, 1)");
  expect_usage(kSage + "--feature-cache-gb nan", "--feature-cache-gb must be a finite number");
  expect_usage(kWalk + "--lr inf --out x.npy", "--lr must be a finite number > 0");
}

// A run whose loss stops being a number ends with an error and a non-zero exit; the best model
// saved before it stays as it was.
TEST(CliChecks, DivergedTrainingStopsAndKeepsTheSavedModel) {
  fs::path d = test::scratch_dir();
  // Several steps per epoch: the loss is nan by the end of epoch 1; nothing is saved over the
  // file that was there.
  test::write_file(d / "m.grl", "an older model");
  test::CliResult r = run_grl(kSage + "--batch-size 64 --lr 1e30 --save " + (d / "m.grl").string());
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_CONTAINS(r.out, "training diverged in epoch 1");
  EXPECT_CONTAINS(r.out, "nothing was saved");
  EXPECT_CONTAINS(r.out, "--lr");
  std::ifstream in(d / "m.grl");
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "an older model");
  // One step in epoch 1 (360 seeds, one batch): epoch 1's model is saved, epoch 2 diverges, and
  // the saved model is epoch 1's, usable as it is.
  r = run_grl(kSage + "--lr 1e30 --save " + (d / "m.grl").string());
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_CONTAINS(r.out, "training diverged in epoch 2");
  EXPECT_CONTAINS(r.out, "(epoch 1, " + (d / "m.grl").string() + ") is unchanged");
  EXPECT_EQ(run_grl("predict --model " + (d / "m.grl").string() + " --graph " + kSbm + " --out " +
                    (d / "p.tsv").string())
                .code,
            0);
}

TEST(CliChecks, FlagsThatMakeNoSenseAreRefused) {
  expect_usage(kSage + "--fanouts 5,", "--fanouts '5,': an empty fanout");
  expect_usage(kSage + "--layers 0", "--layers must be in [1, 6]");
  expect_usage("sage --graph " + kSbm + " --device cpu --epochs 0", "--epochs must be at least 1");
  expect_usage(kSage + "--unsupervised --negatives -1", "--negatives must be at least 1");
  expect_usage(kSage + "--seed -1", "a seed is an integer in [0, 18446744073709551615]");
  expect_usage(kSage + "--seed 18446744073709551616", "a seed is an integer");
  expect_usage(kWalk + "--metapath a-b-a --out x.npy", "--metapath guides metapath2vec(++)");
  expect_usage(kWalk + "--p 2 --out x.npy", "--p and --q bias node2vec's walks");
  expect_usage(kWalk + "--q 1 --out x.npy", "--p and --q bias node2vec's walks");
  expect_usage(kWalkBare + "--dim 600 --out x.npy", "--dim must be in [1, 512]");
  expect_usage(kWalkBare + "--window 40 --out x.npy", "--window must be in [1, 31]");
  expect_usage(kSage + "--fanouts 300", "out of range [1, 255]");
  expect_usage(kSage + "--prefetch -1", "--prefetch must be >= 0");
  // ... and says so plainly: no range ending in a 300-digit number.
  EXPECT_EQ(run_grl(kSage + "--prefetch -1").out.find("e+308"), std::string::npos);
}

TEST(CliChecks, InferenceBatchSizesAreChecked) {
  fs::path d = test::scratch_dir();
  ASSERT_EQ(run_grl(kSage + "--save " + (d / "m.grl").string()).code, 0);
  expect_usage("embed --model " + (d / "m.grl").string() + " --graph " + kSbm +
                   " --batch-size 0 --out " + (d / "e.npy").string(),
               "--batch-size must be at least 1");
  expect_usage("predict --model " + (d / "m.grl").string() + " --graph " + kSbm +
                   " --batch-size -1 --out " + (d / "p.tsv").string(),
               "--batch-size must be at least 1");
}

// Output paths are checked before the graph is loaded (nothing trains for an hour and then
// fails to write), and errors name the user's path, not a temporary file.
TEST(CliChecks, OutputPathsAreCheckedBeforeLoading) {
  fs::path d = test::scratch_dir();
  test::CliResult w = run_grl(kWalk + "--out " + (d / "missing" / "x.npy").string());
  EXPECT_EQ(w.code, 2) << w.out;
  EXPECT_CONTAINS(w.out, "does not exist");
  EXPECT_EQ(w.out.find("loaded "), std::string::npos) << w.out;  // before the graph
  test::CliResult s = run_grl(kSage + "--save " + (d / "missing" / "m.grl").string());
  EXPECT_EQ(s.code, 2) << s.out;
  EXPECT_CONTAINS(s.out, (d / "missing" / "m.grl").string());
  EXPECT_EQ(s.out.find(".tmp."), std::string::npos) << s.out;
  expect_usage(kWalk + "--out " + (d / "emb.csv").string(), "use FILE.npy");
  fs::create_directories(d / "dir.npy");
  expect_usage(kWalk + "--out " + (d / "dir.npy").string(), "is a directory");
}

// Before allocating, a run that cannot fit says what it needs, what is free and which flags
// shrink it, instead of failing late or being killed.
TEST(CliChecks, RunsThatCannotFitAreRefusedUpFront) {
  test::CliResult r = run_grl(kSageBare + "--device cpu --hidden 100000000");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_CONTAINS(r.out, "GiB of host memory");
  EXPECT_CONTAINS(r.out, "are free: use a smaller --batch-size");
}

// --json: exactly one JSON object on stdout for every command, carrying the configuration
// that produced it, without placeholders for what does not apply.
TEST(CliChecks, JsonIsOneObjectWithTheConfiguration) {
  fs::path d = test::scratch_dir();
  const std::string m = (d / "m.grl").string();
  auto parse = [](const std::string& args) {
    test::CliResult r = run_grl_stdout(args + " --json");
    EXPECT_EQ(r.code, 0) << args;
    nlohmann::json j;
    EXPECT_NO_THROW(j = nlohmann::json::parse(r.out)) << args << "\nstdout: " << r.out;
    return j;
  };
  nlohmann::json sage = parse(kSage + "--save " + m);
  EXPECT_EQ(sage["command"], "sage");
  EXPECT_TRUE(sage["grl"].contains("commit"));
  EXPECT_TRUE(sage["grl"].contains("version"));
  EXPECT_EQ(sage["config"]["aggregator"], "mean");
  EXPECT_EQ(sage["config"]["fanouts"], nlohmann::json({25, 10}));
  EXPECT_EQ(sage["config"]["seed"], 0);
  EXPECT_EQ(sage["model"], m);
  EXPECT_EQ(sage["graph"], "synthetic:sbm?nodes=600&classes=3&dim=8&degree=6&seed=4");
  // On the CPU: no GPU memory, no host gather, no cache hit rate (no -1 placeholders).
  EXPECT_FALSE(sage.contains("device_memory_used_bytes"));
  EXPECT_FALSE(sage.contains("host_gather"));
  EXPECT_FALSE(sage.contains("feature_cache_hit_rate"));
  EXPECT_GE(sage["threads"]["used"].get<int>(), 1);
  nlohmann::json walk = parse(kWalk + "--out " + (d / "w.npy").string());
  EXPECT_EQ(walk["command"], "walk");
  EXPECT_EQ(walk["config"]["method"], "deepwalk");
  EXPECT_EQ(walk["config"]["window"], 3);
  EXPECT_EQ(walk["config"]["dim"], 8);
  EXPECT_FALSE(walk["config"].contains("p"));  // deepwalk has no p
  for (const std::string& args :
       {"info --graph " + kSbm, "convert --graph " + kSbm + " --out " + (d / "g").string(),
        "embed --model " + m + " --graph " + kSbm + " --out " + (d / "e.npy").string(),
        "predict --model " + m + " --graph " + kSbm + " --out " + (d / "p.tsv").string(),
        "eval --embeddings " + (d / "w.npy").string() + " --labels " + kSbm + " --repeats 1",
        "sage --graph " + kSbm + " --device cpu --epochs 1 --unsupervised --hidden 8 --dim 8",
        "split-edges --graph " + kSbm + " --out " + (d / "s").string(),
        "eval --task link --embeddings " + (d / "w.npy").string() + " --edges " +
            (d / "s" / "test_edges.tsv").string() + " --repeats 1"}) {
    nlohmann::json j = parse(args);
    EXPECT_TRUE(j.contains("command")) << args;
    EXPECT_TRUE(j.contains("grl")) << args;
  }
}

// A weighted graph's walks and neighbour samples follow its weights unless --ignore-weights,
// and every run that draws says which (stderr, and "weights" in --json); negative weights are
// refused naming the edge and the way out.
TEST(CliChecks, WeightedGraphsDrawByWeightUnlessIgnored) {
  fs::path d = test::scratch_dir();
  const std::string edges = (d / "weighted.tsv").string();
  {
    std::ofstream e(edges), f(d / "attrs.csv"), l(d / "labels.txt");
    f << "id,x,y\n";
    for (int v = 0; v < 60; ++v) {
      // A ring whose edges weigh 1 and chords that weigh 50 or 0.
      e << v << "\t" << (v + 1) % 60 << "\t1\n"
        << v << "\t" << (v + 7) % 60 << "\t" << (v % 2 ? 50 : 0) << "\n";
      f << v << "," << v % 5 << "," << (v * 7) % 11 << "\n";
      l << v << " " << (v % 3 ? "a" : "b") << "\n";
    }
  }
  const std::string graph = "--graph edgelist:" + edges + " --device cpu ";
  const std::string walk =
      "walk " + graph + "--walk-length 8 --walks-per-node 2 --window 3 --dim 8 ";
  auto weights_key = [](const std::string& args) {
    test::CliResult r = run_grl_stdout(args + " --json -q");
    EXPECT_EQ(r.code, 0) << args << "\n" << r.out;
    nlohmann::json j;
    EXPECT_NO_THROW(j = nlohmann::json::parse(r.out)) << args;
    return j.value("weights", std::string("(missing)"));
  };
  const std::string used = (d / "used.npy").string(), ignored = (d / "ignored.npy").string();
  EXPECT_EQ(weights_key(walk + "--out " + used), "used");
  EXPECT_EQ(weights_key(walk + "--out " + ignored + " --ignore-weights"), "ignored");
  EXPECT_EQ(weights_key(kWalk + "--out " + (d / "sbm.npy").string()), "none");
  auto bytes = [](const std::string& f) {
    std::ifstream in(f, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_NE(bytes(used), bytes(ignored)) << "the weights changed nothing";
  test::CliResult r = run_grl(walk + "--out " + used);
  EXPECT_CONTAINS(r.out, "edge weights: used");
  r = run_grl(walk + "--out " + ignored + " --ignore-weights");
  EXPECT_CONTAINS(r.out, "edge weights: ignored (--ignore-weights)");
  // GraphSAGE samples by weight too, and its inference with it.
  const std::string sage = "sage " + graph + "--features " + (d / "attrs.csv").string() +
                           " --labels " + (d / "labels.txt").string() +
                           " --epochs 1 --hidden 8 --fanouts 3,2 ";
  const std::string model = (d / "m.grl").string();
  EXPECT_EQ(weights_key(sage + "--save " + model), "used");
  EXPECT_EQ(weights_key(sage + "--ignore-weights"), "ignored");
  EXPECT_EQ(weights_key("embed --model " + model + " " + graph + "--features " +
                        (d / "attrs.csv").string() + " --out " + (d / "e.npy").string() +
                        " --ignore-weights"),
            "ignored");
  // A negative weight: refused before training, with the edge and the way out.
  const std::string neg = "walk --graph edgelist:" + test::fixture("tiny_weighted.csv") +
                          " --device cpu --walk-length 4 --walks-per-node 1 --window 2 --dim 4 " +
                          "--out " + (d / "n.npy").string();
  expect_usage(neg, "edge 0 3 has weight -1.25");
  expect_usage(neg, "--ignore-weights draws uniformly");
  EXPECT_EQ(run_grl(neg + " --ignore-weights").code, 0);
}

// GraphSAGE's regularisation flags are checked up front, and the run reports what it did.
TEST(CliChecks, FeatureNormInputDropoutAndPatience) {
  expect_usage(kSage + "--input-dropout 1", "--input-dropout must be in [0, 1)");
  expect_usage(kSage + "--patience -1", "--patience must be >= 0");
  expect_usage(kSage + "--unsupervised --patience 3", "--patience stops on the validation F1");
  expect_usage(kSage + "--feature-norm rows", "--feature-norm");
  auto json = [](const std::string& args) {
    test::CliResult r = run_grl_stdout(args + " --json -q");
    EXPECT_EQ(r.code, 0) << args;
    return nlohmann::json::parse(r.out);
  };
  EXPECT_EQ(json(kSage)["feature_norm"], "none");  // generated features are not word counts
  nlohmann::json j = json(kSage + "--feature-norm row --input-dropout 0.2 --patience 1");
  EXPECT_EQ(j["feature_norm"], "row");
  EXPECT_FLOAT_EQ(j["config"]["input_dropout"].get<float>(), 0.2f);
  EXPECT_EQ(j["config"]["patience"], 1);
  test::CliResult r = run_grl(kSage + "--feature-norm row");
  EXPECT_CONTAINS(r.out, "features: row-normalised (--feature-norm row;");
}

// embed and predict infer with every neighbour by default (the same output for any seed and
// batch size), say so, and fall back to samples, saying why, where full has no form (lstm);
// asked for full there, they refuse before writing anything.
TEST(CliChecks, FullNeighbourhoodInferenceByDefault) {
  const fs::path d = test::scratch_dir();
  const std::string model = (d / "m.grl").string();
  // Fanouts below the degrees: sampled inference then differs from full.
  ASSERT_EQ(run_grl(kSage + "-q --fanouts 3,2 --inference full --save " + model).code, 0);
  auto embed = [&](const std::string& extra, const std::string& out) {
    test::CliResult r = run_grl("embed --model " + model + " --graph " + kSbm + " --out " +
                                (d / out).string() + " " + extra);
    EXPECT_EQ(r.code, 0) << r.out;
    std::ifstream in(d / out, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string a = embed("--seed 1 --batch-size 7", "a.npy");
  ASSERT_GT(a.size(), 600u * 16 * 4);
  EXPECT_TRUE(embed("--seed 2 --batch-size 100", "b.npy") == a);
  EXPECT_FALSE(embed("--inference sampled --seed 2", "c.npy") == a);
  test::CliResult r =
      run_grl("embed --model " + model + " --graph " + kSbm + " --out " + (d / "e.npy").string());
  EXPECT_CONTAINS(r.out, "inference: full neighbourhoods");
  test::CliResult j = run_grl_stdout("predict --json -q --model " + model + " --graph " + kSbm +
                                     " --out " + (d / "p.tsv").string());
  ASSERT_EQ(j.code, 0) << j.out;
  EXPECT_EQ(nlohmann::json::parse(j.out)["inference"], "full");
  EXPECT_EQ(nlohmann::json::parse(j.out)["config"]["inference"], "auto");

  const std::string lstm = (d / "l.grl").string();
  ASSERT_EQ(run_grl(kSage + "-q --aggr lstm --save " + lstm).code, 0);
  test::CliResult f =
      run_grl("embed --model " + lstm + " --graph " + kSbm + " --out " + (d / "l.npy").string());
  EXPECT_EQ(f.code, 0) << f.out;
  EXPECT_CONTAINS(f.out, "inference: sampled neighbourhoods: the lstm aggregator");
  const fs::path refused = d / "refused.npy";
  expect_usage(
      "embed --inference full --model " + lstm + " --graph " + kSbm + " --out " + refused.string(),
      "--inference full: the lstm aggregator");
  EXPECT_FALSE(fs::exists(refused));
  expect_usage(kSage + "--aggr lstm --inference full", "--inference full: the lstm aggregator");
  expect_usage(kSage + "--inference every", "--inference");
}

// Under mpirun or srun with several ranks, rank 0 runs the command alone and says so; the other
// ranks exit at once, writing nothing (one process does the whole job).
TEST(CliChecks, LauncherRanksBeyondTheFirstExit) {
  const fs::path d = test::scratch_dir();
  const fs::path out = d / "w.npy";
  const std::string walk = kWalk + "--out " + out.string();
  test::CliResult r1 = test::run_grl_env("OMPI_COMM_WORLD_SIZE=2 OMPI_COMM_WORLD_RANK=1", walk);
  EXPECT_EQ(r1.code, 0) << r1.out;
  EXPECT_CONTAINS(r1.out, "rank 1 of 2 (started by Open MPI)");
  EXPECT_FALSE(fs::exists(out));
  test::CliResult r0 = test::run_grl_env("SLURM_STEP_NUM_TASKS=3 SLURM_PROCID=0", walk);
  EXPECT_EQ(r0.code, 0) << r0.out;
  EXPECT_CONTAINS(r0.out, "started as 3 ranks by Slurm (srun)");
  // srun with no MPI plugin gives Open MPI nothing to connect through: it is not started (it
  // would abort), and the note says how to start the ranks instead.
  if (built_with_mpi()) {
    EXPECT_CONTAINS(r0.out, "srun --mpi=pmix");
  }
  EXPECT_TRUE(fs::exists(out));
  test::CliResult one = test::run_grl_env("OMPI_COMM_WORLD_SIZE=1 OMPI_COMM_WORLD_RANK=0", walk);
  EXPECT_EQ(one.out.find("ranks"), std::string::npos) << one.out;
}

// -q hides progress, not the result.
TEST(CliChecks, QuietKeepsTheResult) {
  test::CliResult r = run_grl_stdout(kSage + "-q");
  EXPECT_EQ(r.code, 0);
  EXPECT_CONTAINS(r.out, "test  accuracy");
  const fs::path d = test::scratch_dir();
  const std::string emb = (d / "w.npy").string();
  test::CliResult w = run_grl(kWalk + "-q --out " + emb);
  EXPECT_CONTAINS(w.out, "positive pairs in");
  EXPECT_EQ(w.out.find("plan:"), std::string::npos) << w.out;
  // grl eval too, both tasks: the scores, without the lines about what is being scored.
  test::CliResult e = run_grl("eval -q --embeddings " + emb + " --labels " + kSbm + " --repeats 1");
  EXPECT_EQ(e.code, 0) << e.out;
  EXPECT_CONTAINS(e.out, "micro-F1");
  EXPECT_EQ(e.out.find("evaluating"), std::string::npos) << e.out;
  EXPECT_EQ(e.out.find("labels from"), std::string::npos) << e.out;
  ASSERT_EQ(run_grl("split-edges -q --graph " + kSbm + " --out " + (d / "s").string()).code, 0);
  test::CliResult l = run_grl("eval -q --task link --embeddings " + emb + " --edges " +
                              (d / "s" / "test_edges.tsv").string() + " --repeats 1");
  EXPECT_EQ(l.code, 0) << l.out;
  EXPECT_CONTAINS(l.out, "MRR");
  EXPECT_EQ(l.out.find("scoring"), std::string::npos) << l.out;
  EXPECT_EQ(l.out.find("OGB:"), std::string::npos) << l.out;
}

TEST(CliChecks, PredictWritesEveryClassProbability) {
  fs::path d = test::scratch_dir();
  ASSERT_EQ(run_grl(kSage + "--save " + (d / "m.grl").string()).code, 0);
  ASSERT_EQ(run_grl("predict --model " + (d / "m.grl").string() + " --graph " + kSbm +
                    " --probabilities --out " + (d / "p.tsv").string())
                .code,
            0);
  std::ifstream in(d / "p.tsv");
  std::string header, row;
  std::getline(in, header);
  EXPECT_EQ(header, "node\tclass\tprobability\tp_c0\tp_c1\tp_c2");
  std::getline(in, row);
  std::vector<std::string> f;
  std::stringstream ss(row);
  for (std::string x; std::getline(ss, x, '\t');) f.push_back(x);
  ASSERT_EQ(f.size(), 6u) << row;
  double sum = std::stod(f[3]) + std::stod(f[4]) + std::stod(f[5]);
  EXPECT_NEAR(sum, 1.0, 2e-4) << row;
  EXPECT_NEAR(std::stod(f[2]), std::max({std::stod(f[3]), std::stod(f[4]), std::stod(f[5])}), 1e-9);
}

// grl info on a heterogeneous graph: edges per relation, reverse relations marked, and totals
// that agree with the rows.
TEST(CliChecks, InfoOnAHeteroGraphAccountsForReverseRelations) {
  const std::string spec = "hetero:" + test::fixture("hetero");
  test::CliResult r = run_grl("info --graph " + spec + " --reverse-relations");
  EXPECT_CONTAINS(r.out, "paper-rev_writes-author");
  EXPECT_CONTAINS(r.out, "reverse of author-writes-paper");
  EXPECT_CONTAINS(r.out, "relations   3, 11 edges; 3 reverse relations repeat them");
  nlohmann::json j =
      nlohmann::json::parse(run_grl_stdout("info --json --reverse-relations --graph " + spec).out);
  int64_t forward = 0;
  for (const auto& e : j["edge_types"])
    if (e["reverse_of"].is_null()) forward += e["edges"].get<int64_t>();
  EXPECT_EQ(forward, j["relation_edges"].get<int64_t>());
  EXPECT_EQ(forward, j["edges"].get<int64_t>());
  EXPECT_TRUE(j["reverse_relations"].get<bool>());
}

// grl info says which id rule named the nodes (graph.h): integer literals are one node
// whatever their spelling, also in a file that has string ids.
TEST(CliChecks, InfoSaysWhichIdRuleApplied) {
  fs::path d = test::scratch_dir();
  test::write_file(d / "int.txt", "01 1\n1 2\n+2 3\n");
  nlohmann::json j = nlohmann::json::parse(
      run_grl_stdout("info --json --keep-self-loops --graph edgelist:" + (d / "int.txt").string())
          .out);
  EXPECT_EQ(j["nodes"], 3);
  EXPECT_EQ(j["ids"], "integer");
  test::write_file(d / "str.txt", "a 01\n1 b\n");
  j = nlohmann::json::parse(
      run_grl_stdout("info --json --graph edgelist:" + (d / "str.txt").string()).out);
  EXPECT_EQ(j["nodes"], 3);
  EXPECT_EQ(j["ids"], "string");
  EXPECT_CONTAINS(run_grl("info --graph edgelist:" + (d / "str.txt").string()).out,
                  "3 (string ids, numbered by first appearance)");
}

TEST(CliChecks, EveryCommandTakesThreads) {
  for (const char* cmd :
       {"info", "convert", "sage", "embed", "predict", "walk", "eval", "split-edges", "demo"})
    EXPECT_CONTAINS(run_grl(std::string(cmd) + " --help").out, "--threads") << cmd;
  test::CliResult r = run_grl_stdout(kSage + "--threads 1 --json");
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["threads"]["available"], 1);
  EXPECT_EQ(j["threads"]["used"], 1);
  expect_usage(kSage + "--threads -2", "--threads must be in [0, 4096]");
}

TEST(CliChecks, HelpIsWhatAUserNeeds) {
  // The graph-spec block once: in `grl --help` and `grl help specs`, not in every subcommand.
  EXPECT_CONTAINS(run_grl("--help").out, "edgelist:FILE");
  EXPECT_CONTAINS(run_grl("help specs").out, "edgelist:FILE");
  EXPECT_EQ(run_grl("sage --help").out.find("edgelist:FILE"), std::string::npos);
  // Measurement-only flags in their own group; defaults shown; limits stated.
  const std::string walk = run_grl("walk --help").out;
  EXPECT_CONTAINS(walk, "Measurement (benchmarks and studies)");
  EXPECT_LT(walk.find("Measurement (benchmarks and studies)"), walk.find("--model-warps"));
  EXPECT_CONTAINS(walk, "--dim INT=128");
  EXPECT_CONTAINS(walk, "[1, 512]");
  EXPECT_CONTAINS(walk, "[1, 31]");
  EXPECT_CONTAINS(run_grl("sage --help").out, "--aggr lstm|max|mean|pool=mean");
  EXPECT_CONTAINS(run_grl("embed --help").out, "--device TEXT:{auto,cpu,cuda}=auto");
  // A misspelled flag suggests the nearest one.
  expect_usage(kSage + "--epoch 3", "did you mean --epochs?");
  expect_usage(kWalk + "--window-size 3 --out x.npy", "did you mean --window?");
  // ... also when the misspelling leaves a required option missing.
  expect_usage("walk --graph " + kSbm + " --outt x.npy", "did you mean --out?");
}

TEST(CliChecks, CudaWithoutAGpuSaysThereIsNone) {
  if (cuda_available()) GTEST_SKIP() << "this machine has a GPU";
  expect_usage(kSageBare + "--device cuda", "this machine has no usable NVIDIA GPU");
  // Before anything is loaded: the graph here does not exist.
  for (const char* cmd : {"sage", "walk --out x.npy", "embed --model m.grl --out x.npy",
                          "predict --model m.grl --out x.tsv"})
    expect_usage(std::string(cmd) + " --device cuda --graph edgelist:/no/such/file.txt",
                 "this machine has no usable NVIDIA GPU");
  expect_usage("demo --device cuda", "this machine has no usable NVIDIA GPU");
}

// Long runs print their plan first, then progress with a rate and the time left (plain lines
// when stderr is not a terminal; GRL_PROGRESS_SECONDS=0 prints every update).
TEST(CliChecks, LongRunsPrintAPlanAndProgressWithAnEta) {
  test::CliResult w =
      test::run_command("GRL_PROGRESS_SECONDS=0 " + test::cli_path() + " " + kWalk + "--out " +
                        (test::scratch_dir() / "w.npy").string() + " 2>&1");
  EXPECT_EQ(w.code, 0) << w.out;
  const size_t plan = w.out.find("plan: 1200 walks of 8 nodes per epoch");
  ASSERT_NE(plan, std::string::npos) << w.out;
  const size_t eta = w.out.find("ETA");
  ASSERT_NE(eta, std::string::npos) << w.out;
  EXPECT_LT(plan, eta);
  EXPECT_CONTAINS(w.out, "walks/s");
  test::CliResult s =
      test::run_command("GRL_PROGRESS_SECONDS=0 " + test::cli_path() + " " + kSage + " 2>&1");
  EXPECT_CONTAINS(s.out, "plan: 2 epochs x");
  EXPECT_CONTAINS(s.out, "validating epoch 1");
  EXPECT_CONTAINS(s.out, "seeds/s");
}

// Label files: ids the embeddings lack are counted, not silently dropped; a label file that
// turns multi-label says which node made it so; --label-mode single refuses it.
TEST(CliChecks, LabelsUsedAndSkippedAreReported) {
  fs::path d = test::scratch_dir();
  ASSERT_EQ(run_grl(kWalk + "--out " + (d / "w.npy").string()).code, 0);
  test::write_file(d / "l.txt", "0 a\n1 b\n1 c\nnope a\n");
  test::CliResult e = run_grl("eval --embeddings " + (d / "w.npy").string() + " --labels " +
                              (d / "l.txt").string() + " --repeats 1 --train-ratio 0.5");
  EXPECT_CONTAINS(e.out, "multi-label (1 nodes have several labels, e.g. node '1'");
  EXPECT_CONTAINS(e.out, "1 skipped (not in the embeddings, e.g. 'nope')");
  test::CliResult single = run_grl("eval --embeddings " + (d / "w.npy").string() + " --labels " +
                                   (d / "l.txt").string() + " --label-mode single");
  EXPECT_EQ(single.code, 1);
  EXPECT_CONTAINS(single.out, "l.txt:3: node '1' has a second label 'c'");
}

TEST(CliChecks, UnscaledFeatureColumnsWarn) {
  fs::path d = test::scratch_dir();
  test::write_file(d / "e.txt", "a b\nb c\nc a\n");
  test::write_file(d / "f.csv", "id,x\na,900\nb,1000\nc,1100\n");
  test::write_file(d / "l.txt", "a p\nb q\nc p\n");
  test::CliResult r =
      run_grl("sage --graph edgelist:" + (d / "e.txt").string() + " --features " +
              (d / "f.csv").string() + " --labels " + (d / "l.txt").string() +
              " --device cpu --epochs 1 --fanouts 2 --hidden 4 --split random:0.34,0.33,0.33");
  EXPECT_CONTAINS(r.out, "grl: warning:");
  EXPECT_CONTAINS(r.out, "far from unit scale");
  EXPECT_CONTAINS(r.out, "--standardize");
}

}  // namespace
}  // namespace grl
