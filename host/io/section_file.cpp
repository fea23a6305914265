#include "host/io/section_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "host/core/atomic_file.h"
#include "host/core/checksum.h"
#include "host/core/error.h"
#include "host/core/parallel.h"

namespace grl {

namespace {

constexpr uint64_t kAlign = 64;
constexpr size_t kNameBytes = 48;

struct FileHeader {
  char magic[8];
  uint32_t version;
  uint32_t section_count;
  uint64_t file_size;
  uint64_t table_checksum;
};
static_assert(sizeof(FileHeader) == 32);

struct TableEntry {
  char name[kNameBytes];
  uint64_t offset;
  uint64_t count;
  uint32_t elem_size;
  uint32_t reserved;
  uint64_t checksum;
};
static_assert(sizeof(TableEntry) == 80);

uint64_t align_up(uint64_t x) { return (x + kAlign - 1) / kAlign * kAlign; }

struct Mapping {
  void* addr = nullptr;
  size_t size = 0;
  ~Mapping() {
    if (addr && size) munmap(addr, size);
  }
};

}  // namespace

SectionWriter::SectionWriter(std::string magic, uint32_t version)
    : magic_(std::move(magic)), version_(version) {
  if (magic_.size() != 8) throw Error("SectionWriter: magic must be 8 bytes");
}

void SectionWriter::add(std::string name, const void* data, uint64_t count, uint32_t elem_size) {
  if (name.size() >= kNameBytes) throw Error("SectionWriter: section name too long: " + name);
  sections_.push_back({std::move(name), data, count, elem_size});
}

void SectionWriter::add_text(std::string name, std::string text) {
  texts_.push_back(std::make_unique<std::string>(std::move(text)));
  add(std::move(name), texts_.back()->data(), texts_.back()->size(), 1);
}

void SectionWriter::write_atomic(const std::string& path) const {
  const size_t n = sections_.size();
  std::vector<TableEntry> table(n);
  uint64_t offset = align_up(sizeof(FileHeader) + n * sizeof(TableEntry));
  std::vector<uint64_t> sums(n);
  parallel_for(
      static_cast<int64_t>(n),
      [&](int64_t i) {
        const Pending& s = sections_[i];
        sums[i] = checksum64(s.data, s.count * s.elem_size);
      },
      1);
  for (size_t i = 0; i < n; ++i) {
    const Pending& s = sections_[i];
    TableEntry& e = table[i];
    std::memset(&e, 0, sizeof(e));
    std::memcpy(e.name, s.name.data(), s.name.size());
    e.offset = offset;
    e.count = s.count;
    e.elem_size = s.elem_size;
    e.checksum = sums[i];
    offset = align_up(offset + s.count * s.elem_size);
  }
  FileHeader h{};
  std::memcpy(h.magic, magic_.data(), 8);
  h.version = version_;
  h.section_count = static_cast<uint32_t>(n);
  h.file_size = offset;
  h.table_checksum = checksum64(table.data(), n * sizeof(TableEntry));

  AtomicFile f(path);
  static const char zeros[kAlign] = {};
  f.write(&h, sizeof(h));
  f.write(table.data(), n * sizeof(TableEntry));
  uint64_t pos = sizeof(h) + n * sizeof(TableEntry);
  for (size_t i = 0; i < n; ++i) {
    f.write(zeros, table[i].offset - pos);
    const uint64_t bytes = sections_[i].count * sections_[i].elem_size;
    f.write(sections_[i].data, bytes);
    pos = table[i].offset + bytes;
  }
  f.write(zeros, offset - pos);
  f.commit();
}

SectionFile::SectionFile(const std::string& path, std::string_view magic, uint32_t max_version)
    : path_(path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw InputError(path, 0, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw InputError(path, 0, "not a regular file");
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < sizeof(FileHeader)) {
    ::close(fd);
    throw InputError(path, 0,
                     "file is truncated or not a grl file (" + std::to_string(size) +
                         " bytes, shorter than the header)");
  }
  void* addr = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (addr == MAP_FAILED)
    throw InputError(path, 0, std::string("mmap failed: ") + std::strerror(errno));
  auto m = std::make_shared<Mapping>();
  m->addr = addr;
  m->size = size;
  mapping_ = m;

  FileHeader h;
  std::memcpy(&h, addr, sizeof(h));
  if (std::memcmp(h.magic, magic.data(), 8) != 0)
    throw InputError(path, 0, "not a " + std::string(magic) + " file (wrong magic bytes)");
  if (h.version == 0 || h.version > max_version)
    throw InputError(path, 0,
                     "format version " + std::to_string(h.version) +
                         " is not supported (this build reads up to " +
                         std::to_string(max_version) + ")");
  version_ = h.version;
  if (h.file_size != size)
    throw InputError(path, 0,
                     "file is " + std::to_string(size) + " bytes but its header says " +
                         std::to_string(h.file_size) + ": truncated or corrupted");
  uint64_t table_bytes = uint64_t{h.section_count} * sizeof(TableEntry);
  if (sizeof(FileHeader) + table_bytes > size)
    throw InputError(path, 0, "section table extends past the end of the file: corrupted");
  const auto* table = reinterpret_cast<const TableEntry*>(base() + sizeof(FileHeader));
  if (checksum64(table, table_bytes) != h.table_checksum)
    throw InputError(path, 0, "section table checksum mismatch: the file is corrupted");
  entries_.reserve(h.section_count);
  for (uint32_t i = 0; i < h.section_count; ++i) {
    const TableEntry& t = table[i];
    Entry e;
    e.name.assign(t.name, strnlen(t.name, kNameBytes));
    e.offset = t.offset;
    e.count = t.count;
    e.elem_size = t.elem_size;
    if (t.elem_size == 0 || t.offset % kAlign != 0 || t.offset > size ||
        t.count > (size - t.offset) / t.elem_size)
      throw InputError(path, 0, "section '" + e.name + "' lies outside the file: corrupted");
    entries_.push_back(std::move(e));
  }
  std::vector<int> bad(entries_.size(), 0);
  parallel_for(
      static_cast<int64_t>(entries_.size()),
      [&](int64_t i) {
        const Entry& e = entries_[i];
        bad[i] = checksum64(base() + e.offset, e.count * e.elem_size) != table[i].checksum;
      },
      1);
  for (size_t i = 0; i < entries_.size(); ++i)
    if (bad[i])
      throw InputError(
          path, 0,
          "checksum mismatch in section '" + entries_[i].name + "': the file is corrupted");
}

char* SectionFile::base() const {
  return static_cast<char*>(static_cast<Mapping*>(mapping_.get())->addr);
}

bool SectionFile::has(std::string_view name) const {
  for (const Entry& e : entries_)
    if (e.name == name) return true;
  return false;
}

const SectionFile::Entry& SectionFile::find(std::string_view name, uint32_t elem_size) const {
  for (const Entry& e : entries_)
    if (e.name == name) {
      if (e.elem_size != elem_size)
        throw InputError(path_, 0,
                         "section '" + e.name + "' has elements of " + std::to_string(e.elem_size) +
                             " bytes, expected " + std::to_string(elem_size));
      return e;
    }
  throw InputError(path_, 0, "missing section '" + std::string(name) + "'");
}

std::string SectionFile::text(std::string_view name) const {
  const Entry& e = find(name, 1);
  return std::string(base() + e.offset, e.count);
}

}  // namespace grl
