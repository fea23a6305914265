// grl's binary container, used for graphs (grl convert) and model checkpoints:
//
//   header   magic (8 bytes, names the content: "GRLGRAPH", "GRLMODEL"), format version,
//            section count, total file size, checksum of the section table
//   table    one entry per section: name, element size, element count, offset, checksum
//   data     each section 64-byte aligned, so a memory-mapped file serves arrays in place
//
// Files are written atomically (temporary file, flush, fsync, rename), so a crash never leaves
// a half-written file under the final name. Reading validates the header, every section's
// bounds and every checksum, and reports truncation or corruption as InputError.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "host/core/array.h"

namespace grl {

class SectionWriter {
 public:
  SectionWriter(std::string magic, uint32_t version);
  // The data is referenced, not copied: it must stay alive until write_atomic returns.
  void add(std::string name, const void* data, uint64_t count, uint32_t elem_size);
  template <class T>
  void add(std::string name, const Array<T>& a) {
    add(std::move(name), a.data(), a.size(), sizeof(T));
  }
  template <class T>
  void add(std::string name, const std::vector<T>& v) {
    add(std::move(name), v.data(), v.size(), sizeof(T));
  }
  void add_text(std::string name, std::string text);  // copied
  void write_atomic(const std::string& path) const;

 private:
  struct Pending {
    std::string name;
    const void* data;
    uint64_t count;
    uint32_t elem_size;
  };
  std::string magic_;
  uint32_t version_;
  std::vector<Pending> sections_;
  std::vector<std::unique_ptr<std::string>> texts_;
};

class SectionFile {
 public:
  // Maps and validates the file. `magic` must match; versions above `max_version` are refused.
  SectionFile(const std::string& path, std::string_view magic, uint32_t max_version);
  uint32_t version() const { return version_; }
  const std::string& path() const { return path_; }
  bool has(std::string_view name) const;
  // The named section as an array borrowed from the mapping (copy-on-write private mapping).
  template <class T>
  Array<T> array(std::string_view name) const {
    const Entry& e = find(name, sizeof(T));
    return Array<T>::borrowed(mapping_, reinterpret_cast<T*>(base() + e.offset), e.count);
  }
  std::string text(std::string_view name) const;

 private:
  struct Entry {
    std::string name;
    uint64_t offset, count;
    uint32_t elem_size;
  };
  const Entry& find(std::string_view name, uint32_t elem_size) const;
  char* base() const;
  std::string path_;
  uint32_t version_ = 0;
  std::shared_ptr<void> mapping_;
  std::vector<Entry> entries_;
};

}  // namespace grl
