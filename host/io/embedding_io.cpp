#include "host/io/embedding_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "host/core/atomic_file.h"
#include "host/core/error.h"
#include "host/graph/graph.h"
#include "host/io/text_reader.h"

namespace grl {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string npy_bytes(const std::vector<float>& values, int64_t n, int64_t dim) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(n) +
                       ", " + std::to_string(dim) + "), }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::string out("\x93NUMPY\x01\x00", 8);
  uint16_t len = static_cast<uint16_t>(header.size());
  out.push_back(static_cast<char>(len & 0xFF));
  out.push_back(static_cast<char>(len >> 8));
  out += header;
  out.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  return out;
}

}  // namespace

std::vector<std::string> write_embeddings(const std::string& path,
                                          const std::vector<std::string>& ids,
                                          const std::vector<float>& values, int64_t dim) {
  const int64_t n = static_cast<int64_t>(ids.size());
  if (static_cast<int64_t>(values.size()) != n * dim)
    throw Error("write_embeddings: size mismatch");
  if (ends_with(path, ".npy")) {
    // The array and its ids are one output: both or neither.
    std::string ids_path = path.substr(0, path.size() - 4) + ".ids.txt";
    std::string text;
    for (const std::string& id : ids) text += id + "\n";
    write_files_atomic({{path, npy_bytes(values, n, dim)}, {ids_path, text}});
    return {path, ids_path};
  }
  if (ends_with(path, ".txt") || ends_with(path, ".emb")) {
    std::string text = std::to_string(n) + " " + std::to_string(dim) + "\n";
    char buf[32];
    for (int64_t i = 0; i < n; ++i) {
      text += ids[i];
      for (int64_t k = 0; k < dim; ++k) {
        std::snprintf(buf, sizeof buf, " %.6g", values[i * dim + k]);
        text += buf;
      }
      text += "\n";
    }
    write_file_atomic(path, text);
    return {path};
  }
  throw UsageError("output '" + path + "': use a .npy, .txt or .emb file name");
}

void read_embeddings(const std::string& path, std::vector<std::string>& ids,
                     std::vector<float>& values, int64_t& dim) {
  ids.clear();
  values.clear();
  if (ends_with(path, ".npy")) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw InputError(path, 0, "cannot open");
    std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (all.size() < 10 || all.compare(0, 6, "\x93NUMPY") != 0)
      throw InputError(path, 0, "not a .npy file");
    size_t hlen = static_cast<unsigned char>(all[8]) | (static_cast<unsigned char>(all[9]) << 8);
    if (10 + hlen > all.size()) throw InputError(path, 0, "truncated .npy header");
    std::string header = all.substr(10, hlen);
    if (header.find("'<f4'") == std::string::npos || header.find("False") == std::string::npos)
      throw InputError(path, 0, "expected a C-ordered float32 array");
    size_t p = header.find("'shape': (");
    if (p == std::string::npos) throw InputError(path, 0, "no shape in the .npy header");
    long long n = 0, d = 0;
    if (std::sscanf(header.c_str() + p + 10, "%lld, %lld", &n, &d) != 2 || n < 0 || d <= 0)
      throw InputError(path, 0, "expected a 2-d array");
    if (all.size() != 10 + hlen + static_cast<size_t>(n * d) * 4)
      throw InputError(path, 0, "file size does not match its shape (truncated?)");
    values.resize(static_cast<size_t>(n * d));
    std::memcpy(values.data(), all.data() + 10 + hlen, values.size() * 4);
    dim = d;
    const std::string ids_path = path.substr(0, path.size() - 4) + ".ids.txt";
    ids = read_id_list(ids_path, /*unique=*/true);
    if (static_cast<long long>(ids.size()) != n)
      throw InputError(path, 0,
                       "the ids file has " + std::to_string(ids.size()) + " ids for " +
                           std::to_string(n) + " rows");
    return;
  }
  LineReader r(path);
  std::string_view line;
  std::vector<std::string_view> f;
  if (!r.next(line)) r.fail("empty file");
  split_fields(line, f);
  if (f.size() != 2) r.fail("expected the header 'count dimension'");
  const int64_t n = parse_int(f[0], r, "(node count)"), d = parse_int(f[1], r, "(dimension)");
  if (n < 0 || d <= 0 || d > (1 << 20)) r.fail("bad header");
  dim = d;
  std::unordered_map<std::string, int64_t> first_line;
  while (r.next(line)) {
    if (line.empty()) continue;
    split_fields(line, f);
    if (static_cast<int64_t>(f.size()) != d + 1)
      r.fail("expected an id and " + std::to_string(d) + " values, got " +
             std::to_string(f.size()) + " fields");
    auto [it, fresh] = first_line.emplace(canonical_id(f[0]), r.line_number());
    if (!fresh)
      r.fail("node id " + quote_field(f[0]) + " appears twice (first on line " +
             std::to_string(it->second) + "): one embedding per node");
    ids.emplace_back(f[0]);
    for (int64_t k = 1; k <= d; ++k)
      values.push_back(static_cast<float>(parse_double(f[k], r, "(embedding value)")));
  }
  if (static_cast<int64_t>(ids.size()) != n)
    r.fail("header says " + std::to_string(n) + " rows, found " + std::to_string(ids.size()));
}

std::vector<std::string> read_id_list(const std::string& path, bool unique) {
  LineReader r(path);
  std::string_view line;
  std::vector<std::string> ids;
  std::vector<std::string_view> f;
  std::unordered_map<std::string, int64_t> first_line;
  while (r.next(line)) {
    if (is_blank_or_comment(line)) continue;
    split_fields(line, f);
    if (f.size() != 1) r.fail("expected one node id per line");
    if (unique) {
      auto [it, fresh] = first_line.emplace(canonical_id(f[0]), r.line_number());
      if (!fresh)
        r.fail("node id " + quote_field(f[0]) + " appears twice (first on line " +
               std::to_string(it->second) + "): one embedding per node");
    }
    ids.emplace_back(f[0]);
  }
  return ids;
}

}  // namespace grl
