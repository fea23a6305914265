// Helpers shared by the CPU tests.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "kernels/common/views.h"

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

// Padding columns of PaddedMatrix hold this value; a kernel that writes them is caught.
constexpr float kPad = -4242.0f;

// A row-major matrix with padded rows (stride >= cols), for testing strided views.
struct PaddedMatrix {
  int64_t rows = 0, cols = 0, stride = 0;
  std::vector<float> v;
  PaddedMatrix(int64_t r, int64_t c, int64_t s, float fill = 0.0f) : rows(r), cols(c), stride(s) {
    v.assign(static_cast<size_t>(std::max<int64_t>(1, r * s)), kPad);
    for (int64_t i = 0; i < r; ++i)
      for (int64_t j = 0; j < c; ++j) at(i, j) = fill;
  }
  float& at(int64_t r, int64_t c) { return v[r * stride + c]; }
  float at(int64_t r, int64_t c) const { return v[r * stride + c]; }
  MatrixView<float> view() { return {v.data(), rows, cols, stride}; }
  MatrixView<const float> cview() const { return {v.data(), rows, cols, stride}; }
  bool padding_intact() const {
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = cols; j < stride; ++j)
        if (!(v[i * stride + j] == kPad)) return false;
    return true;
  }
};

inline void write_file(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream f(path, std::ios::binary);
  f << content;
}

}  // namespace grl::test
