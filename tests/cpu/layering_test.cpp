// The layers of the tree, checked from the sources' #include lines (README, "Layout and design"):
//   kernels/common/  the bottom: includes nothing else of the project
//   kernels/         device code and plain declarations: never includes host/
//   host/reference/  the CPU twins: only kernels/, host/core/ and itself
//   host/pipeline/   knows nothing of the trainers or the command line
//   host/ (the rest) reaches the references only through the CPU backend
// and the stem rule: every kernel family kernels/STEM.{h,cu} has its twin
// host/reference/STEM_ref.{h,cpp}, a test tests/**/STEM_*test.cpp and a benchmark
// bench/STEM_bench*.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Include {
  std::string file;  // relative to the source root
  int line = 0;
  std::string target;  // the quoted path
};

std::vector<Include> project_includes(const std::string& dir) {
  std::vector<Include> out;
  const fs::path root(GRL_SOURCE_DIR);
  const std::regex inc(R"re(^\s*#\s*include\s+"([^"]+)")re");
  for (const auto& e : fs::recursive_directory_iterator(root / dir)) {
    if (!e.is_regular_file()) continue;
    const std::string ext = e.path().extension().string();
    if (ext != ".h" && ext != ".cpp" && ext != ".cu" && ext != ".cuh" && ext != ".inc") continue;
    std::ifstream in(e.path());
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      std::smatch m;
      if (std::regex_search(line, m, inc))
        out.push_back({fs::relative(e.path(), root).string(), n, m[1].str()});
    }
  }
  return out;
}

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

std::string where(const Include& i) {
  return i.file + ":" + std::to_string(i.line) + " includes \"" + i.target + "\"";
}

TEST(Layering, KernelsCommonIsTheBottom) {
  for (const Include& i : project_includes("kernels/common"))
    EXPECT_TRUE(starts_with(i.target, "kernels/common/")) << where(i);
}

TEST(Layering, KernelsNeverIncludeHostCode) {
  for (const Include& i : project_includes("kernels"))
    EXPECT_TRUE(starts_with(i.target, "kernels/")) << where(i);
}

TEST(Layering, ReferencesDependOnKernelsAndCoreOnly) {
  for (const Include& i : project_includes("host/reference"))
    EXPECT_TRUE(starts_with(i.target, "kernels/") || starts_with(i.target, "host/core/") ||
                starts_with(i.target, "host/reference/"))
        << where(i);
}

TEST(Layering, PipelineKnowsNoTrainerAndNoCommandLine) {
  for (const Include& i : project_includes("host/pipeline"))
    EXPECT_FALSE(starts_with(i.target, "host/train/") || starts_with(i.target, "host/cli/"))
        << where(i);
}

TEST(Layering, OnlyTheCpuBackendCallsTheReferences) {
  for (const Include& i : project_includes("host")) {
    if (starts_with(i.file, "host/reference/") || i.file == "host/ops/cpu_backend.cpp") continue;
    EXPECT_FALSE(starts_with(i.target, "host/reference/")) << where(i);
  }
}

// Below host/cli nothing knows the command line: messages name configuration fields as {field}
// and the CLI renders the flag (host/core/error.h). A flag in a string literal there is a leak.
TEST(Layering, FlagNamesOnlyInTheCommandLine) {
  const fs::path root(GRL_SOURCE_DIR);
  const std::regex literal(R"re("(?:[^"\\]|\\.)*")re"), flag(R"re((^|[^-a-z])--[a-z])re");
  for (const auto& e : fs::recursive_directory_iterator(root / "host")) {
    if (!e.is_regular_file()) continue;
    const std::string rel = fs::relative(e.path(), root).string();
    if (starts_with(rel, "host/cli/")) continue;
    std::ifstream in(e.path());
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      const std::string code = line.substr(0, line.find("//"));
      for (std::sregex_iterator it(code.begin(), code.end(), literal), end; it != end; ++it)
        EXPECT_FALSE(std::regex_search(it->str(), flag)) << rel << ":" << n << ": " << it->str();
    }
  }
}

TEST(Layering, EveryKernelFamilyHasItsTwinTestAndBenchmark) {
  const fs::path root(GRL_SOURCE_DIR);
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) files.push_back(fs::relative(e.path(), root).string());
  auto any = [&](const std::regex& re) {
    for (const std::string& f : files)
      if (std::regex_match(f, re)) return true;
    return false;
  };
  int families = 0;
  for (const auto& e : fs::directory_iterator(root / "kernels")) {
    if (e.path().extension() != ".cu") continue;
    const std::string stem = e.path().stem().string();
    ++families;
    EXPECT_TRUE(fs::exists(root / "kernels" / (stem + ".h"))) << "kernels/" << stem << ".h";
    EXPECT_TRUE(fs::exists(root / "host/reference" / (stem + "_ref.h")))
        << "kernels/" << stem << ".cu has no host/reference/" << stem << "_ref.h";
    EXPECT_TRUE(fs::exists(root / "host/reference" / (stem + "_ref.cpp")))
        << "kernels/" << stem << ".cu has no host/reference/" << stem << "_ref.cpp";
    EXPECT_TRUE(any(std::regex("tests/.*/" + stem + "_.*test\\.cpp")))
        << "kernels/" << stem << ".cu has no tests/**/" << stem << "_*test.cpp";
    EXPECT_TRUE(any(std::regex("bench/" + stem + "_bench.*")))
        << "kernels/" << stem << ".cu has no bench/" << stem << "_bench*";
  }
  EXPECT_GE(families, 8);
}

}  // namespace
