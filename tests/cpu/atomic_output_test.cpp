// Outputs written all or nothing (host/core/atomic_file.h, host/io/embedding_io.h): a failed
// write leaves the old files; the .npy and its ids go together; temporaries of a run killed
// midway are cleaned up; errors name the user's path. And embeddings files with one id twice are
// rejected rather than read (once an evaluation scored such a file 1.0).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "host/core/atomic_file.h"
#include "host/core/error.h"
#include "host/io/embedding_io.h"
#include "host/io/section_file.h"
#include "tests/cpu/test_util.h"

namespace grl {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

const std::vector<std::string> kIds = {"a", "b"};
const std::vector<float> kValues = {1, 2, 3, 4};

TEST(AtomicOutput, NpyAndIdsAreWrittenTogetherOrNotAtAll) {
  fs::path d = test::scratch_dir();
  write_embeddings((d / "e.npy").string(), kIds, kValues, 2);
  const std::string before = slurp(d / "e.npy");
  // The ids file cannot be written (a directory is in the way): the new array must not land.
  fs::remove(d / "e.ids.txt");
  fs::create_directories(d / "e.ids.txt");
  EXPECT_THROW(write_embeddings((d / "e.npy").string(), kIds, {9, 9, 9, 9}, 2), InputError);
  EXPECT_EQ(slurp(d / "e.npy"), before);
  for (const auto& e : fs::directory_iterator(d))
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
  // Nothing there yet: neither file appears.
  fs::create_directories(d / "f.ids.txt");
  EXPECT_THROW(write_embeddings((d / "f.npy").string(), kIds, kValues, 2), InputError);
  EXPECT_FALSE(fs::exists(d / "f.npy"));
}

TEST(AtomicOutput, StaleTemporariesOfDeadRunsAreRemoved) {
  fs::path d = test::scratch_dir();
  // A pid above pid_max cannot be running; our parent is.
  long pid_max = 4194304;
  std::ifstream("/proc/sys/kernel/pid_max") >> pid_max;
  const fs::path dead = d / ("m.grl.tmp." + std::to_string(pid_max + 1));
  const fs::path alive = d / ("m.grl.tmp." + std::to_string(::getppid()));
  const fs::path other = d / ("other.grl.tmp." + std::to_string(pid_max + 1));
  for (const fs::path& p : {dead, alive, other}) test::write_file(p, "half a model");
  write_file_atomic((d / "m.grl").string(), "model");
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(alive));  // another process may be writing it
  EXPECT_TRUE(fs::exists(other));  // not this target's
  EXPECT_EQ(slurp(d / "m.grl"), "model");
}

TEST(AtomicOutput, ErrorsNameTheUsersPathNotTheTemporary) {
  fs::path d = test::scratch_dir() / "no" / "such" / "dir" / "model.grl";
  SectionWriter w("GRLTEST1", 1);
  w.add_text("x", "y");
  try {
    w.write_atomic(d.string());
    FAIL() << "wrote into a missing directory";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.file(), d.string()) << what;
    EXPECT_EQ(what.find(".tmp."), std::string::npos) << what;
  }
}

TEST(EmbeddingFiles, AnIdTwiceIsAnErrorNamingTheLine) {
  fs::path d = test::scratch_dir();
  test::write_file(d / "e.txt", "3 2\na 1 2\nb 3 4\n01 5 6\n");
  std::vector<std::string> ids;
  std::vector<float> v;
  int64_t dim = 0;
  read_embeddings((d / "e.txt").string(), ids, v, dim);  // distinct: fine
  test::write_file(d / "dup.txt", "3 2\na 1 2\nb 3 4\na 5 6\n");
  try {
    read_embeddings((d / "dup.txt").string(), ids, v, dim);
    FAIL() << "read a file with 'a' twice";
  } catch (const InputError& e) {
    EXPECT_EQ(e.line(), 4);
    EXPECT_NE(std::string(e.what()).find("'a' appears twice (first on line 2)"), std::string::npos)
        << e.what();
  }
  // The same in the ids beside a .npy, with ids compared as integers ("1" and "01").
  write_embeddings((d / "n.npy").string(), {"1", "2"}, kValues, 2);
  test::write_file(d / "n.ids.txt", "1\n01\n");
  try {
    read_embeddings((d / "n.npy").string(), ids, v, dim);
    FAIL() << "read ids 1 and 01";
  } catch (const InputError& e) {
    EXPECT_EQ(e.line(), 2);
    EXPECT_NE(std::string(e.what()).find("n.ids.txt"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace grl
