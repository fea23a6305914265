// Helpers shared by the CPU tests.
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace grl::test {

// $GRL_DATASETS, or "" (callers GTEST_SKIP with a message).
inline std::string datasets_dir() {
  const char* d = std::getenv("GRL_DATASETS");
  return d ? std::string(d) : std::string();
}

#define GRL_REQUIRE_DATASETS(dir_var)                \
  std::string dir_var = ::grl::test::datasets_dir(); \
  if (dir_var.empty()) GTEST_SKIP() << "GRL_DATASETS is not set; skipping real-data test"

// Hand-made fixture graphs checked into datasets/fixtures.
inline std::string fixture(const std::string& name) {
  return std::string(GRL_SOURCE_DIR) + "/datasets/fixtures/" + name;
}

// A fresh scratch directory under the build tree, unique per test.
inline std::filesystem::path scratch_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::filesystem::path p = std::filesystem::path(GRL_BINARY_DIR) / "test-scratch" /
                            (std::string(info->test_suite_name()) + "." + info->name());
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p;
}

inline void write_file(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream f(path, std::ios::binary);
  f << content;
}

}  // namespace grl::test
