#include "host/io/text_reader.h"

#include <sys/stat.h>
#include <zlib.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>

#include "host/core/error.h"

namespace grl {

namespace {
constexpr size_t kChunk = size_t{1} << 20;
}

// The bytes of a file, inflated when it is gzip (detected from its first two bytes). Unlike
// zlib's gzread, which stops quietly at trailing bytes that are not another gzip member, this
// rejects them: a file damaged at its end is an error, not a shorter graph.
struct LineReader::Source {
  std::FILE* file = nullptr;
  bool gzip = false;
  z_stream zs{};
  bool zs_open = false;
  std::vector<unsigned char> in;
  int64_t consumed = 0;  // compressed bytes consumed before `in`
  bool member_done = false;

  ~Source() {
    if (zs_open) inflateEnd(&zs);
    if (file) std::fclose(file);
  }
  // Refills `in` (keeping unconsumed input); false at end of file.
  bool refill() {
    const size_t keep = zs.avail_in;
    consumed += static_cast<int64_t>(zs.next_in - in.data());
    if (keep && zs.next_in != in.data()) std::memmove(in.data(), zs.next_in, keep);
    const size_t got = std::fread(in.data() + keep, 1, in.size() - keep, file);
    zs.next_in = in.data();
    zs.avail_in = static_cast<uInt>(keep + got);
    return got > 0;
  }
};

LineReader::LineReader(std::string path) : path_(std::move(path)), buffer_(kChunk) {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0)
    throw InputError(path_, 0, std::string("cannot open: ") + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw InputError(path_, 0, "is a directory, expected a file");
  auto src = std::make_unique<Source>();
  src->file = std::fopen(path_.c_str(), "rb");
  if (!src->file) throw InputError(path_, 0, std::string("cannot open: ") + std::strerror(errno));
  unsigned char magic[2] = {0, 0};
  const size_t m = std::fread(magic, 1, 2, src->file);
  src->gzip = m == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  std::rewind(src->file);
  if (src->gzip) {
    src->in.resize(256 * 1024);
    if (inflateInit2(&src->zs, 15 + 16) != Z_OK) throw InputError(path_, 0, "zlib init failed");
    src->zs_open = true;
    src->zs.next_in = src->in.data();
    src->zs.avail_in = 0;
  }
  source_ = std::move(src);
}

LineReader::~LineReader() = default;

void LineReader::fail(const std::string& message) const {
  throw InputError(path_, line_number_, message);
}

bool LineReader::fill() {
  if (eof_) return false;
  Source& src = *source_;
  size_t n = 0;
  if (!src.gzip) {
    n = std::fread(buffer_.data(), 1, buffer_.size(), src.file);
    if (n == 0 && std::ferror(src.file))
      throw InputError(path_, line_number_ + 1, std::string("read error: ") + std::strerror(errno));
  } else {
    z_stream& zs = src.zs;
    zs.next_out = reinterpret_cast<Bytef*>(buffer_.data());
    zs.avail_out = static_cast<uInt>(buffer_.size());
    while (zs.avail_out == buffer_.size()) {
      if (src.member_done) {
        // After a member: end of file, another member (concatenated gzip), or garbage.
        if (zs.avail_in < 2) src.refill();
        if (zs.avail_in == 0) break;
        if (zs.avail_in < 2 || zs.next_in[0] != 0x1f || zs.next_in[1] != 0x8b)
          throw InputError(path_, 0,
                           "trailing bytes after the gzip data (at compressed byte " +
                               std::to_string(src.consumed + (zs.next_in - src.in.data())) +
                               "): the file is damaged or not one gzip stream");
        inflateReset(&zs);
        src.member_done = false;
      }
      if (zs.avail_in == 0 && !src.refill())
        throw InputError(path_, line_number_ + 1,
                         "compressed data is cut short (the gzip stream does not end)");
      const int rc = inflate(&zs, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        src.member_done = true;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        throw InputError(path_, line_number_ + 1,
                         std::string("compressed data is damaged (") +
                             (zs.msg ? zs.msg : "zlib error " + std::to_string(rc)) + ")");
      }
    }
    n = buffer_.size() - zs.avail_out;
  }
  if (n == 0) {
    eof_ = true;
    return false;
  }
  begin_ = 0;
  end_ = n;
  return true;
}

bool LineReader::next(std::string_view& line) {
  carry_.clear();
  bool carrying = false;
  for (;;) {
    if (begin_ == end_ && !fill()) {
      if (!carrying) return false;
      break;  // last line without a final newline
    }
    const char* start = buffer_.data() + begin_;
    size_t avail = end_ - begin_;
    const void* nl = std::memchr(start, '\n', avail);
    size_t len = nl ? static_cast<const char*>(nl) - start : avail;
    if (std::memchr(start, '\0', len)) {
      ++line_number_;
      fail("NUL byte in text data (is this a binary file?)");
    }
    if (nl && !carrying) {
      line = std::string_view(start, len);
      begin_ += len + 1;
      ++line_number_;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      strip_bom(line);
      return true;
    }
    if (carry_.size() + len > kMaxLineBytes) {
      ++line_number_;
      fail("line longer than 64 MiB (is this a text file?)");
    }
    carry_.append(start, len);
    carrying = true;
    begin_ += len;
    if (nl) {
      ++begin_;
      break;
    }
  }
  ++line_number_;
  line = carry_;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  strip_bom(line);
  return true;
}

// A UTF-8 byte-order mark (Excel's "CSV UTF-8", Notepad) at the start of the file is not data.
void LineReader::strip_bom(std::string_view& line) const {
  if (line_number_ == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
}

bool is_blank_or_comment(std::string_view line) {
  for (char c : line) {
    if (c == ' ' || c == '\t') continue;
    return c == '#' || c == '%';
  }
  return true;
}

void split_fields(std::string_view line, std::vector<std::string_view>& out) {
  out.clear();
  size_t i = 0, n = line.size();
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (i < n && blank(line[i])) ++i;
  if (i == n) return;
  for (;;) {
    size_t j = i;
    while (j < n && !blank(line[j]) && line[j] != ',') ++j;
    out.push_back(line.substr(i, j - i));
    while (j < n && blank(line[j])) ++j;
    if (j == n) return;
    if (line[j] == ',') {
      ++j;
      while (j < n && blank(line[j])) ++j;
      if (j == n) {
        out.push_back(std::string_view());  // trailing comma: an empty last field
        return;
      }
    }
    i = j;
  }
}

void split_on(std::string_view line, char sep, std::vector<std::string_view>& out) {
  out.clear();
  size_t i = 0;
  for (;;) {
    size_t j = line.find(sep, i);
    if (j == std::string_view::npos) {
      out.push_back(line.substr(i));
      return;
    }
    out.push_back(line.substr(i, j - i));
    i = j + 1;
  }
}

bool try_parse_int(std::string_view f, int64_t& value) {
  if (!f.empty() && f.front() == '+') f.remove_prefix(1);
  auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), value);
  return ec == std::errc() && p == f.data() + f.size() && !f.empty();
}

bool try_parse_double(std::string_view f, double& value) {
  if (!f.empty() && f.front() == '+') f.remove_prefix(1);
  auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), value);
  return ec == std::errc() && p == f.data() + f.size() && !f.empty();
}

std::string quote_field(std::string_view f) {
  std::string out(1, '\'');
  out.append(f.substr(0, 40));
  out.append(f.size() > 40 ? "...'" : "'");
  return out;
}

std::string optional_file(const std::string& path) {
  if (file_exists(path)) return path;
  if (file_exists(path + ".gz")) return path + ".gz";
  return {};
}

int64_t parse_int(std::string_view f, const LineReader& r, const char* what) {
  int64_t v = 0;
  if (!try_parse_int(f, v))
    r.fail(std::string("expected an integer ") + what + ", got " + quote_field(f));
  return v;
}

double parse_double(std::string_view f, const LineReader& r, const char* what) {
  double v = 0;
  if (!try_parse_double(f, v))
    r.fail(std::string("expected a number ") + what + ", got " + quote_field(f));
  return v;
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string resolve_maybe_gz(const std::string& path) {
  if (file_exists(path)) return path;
  if (file_exists(path + ".gz")) return path + ".gz";
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw InputError(path, 0, "is a directory, expected a file");
  throw InputError(path, 0, "no such file (nor " + path + ".gz)");
}

}  // namespace grl
