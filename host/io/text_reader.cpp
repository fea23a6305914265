#include "host/io/text_reader.h"

#include <sys/stat.h>
#include <zlib.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "host/core/error.h"

namespace grl {

namespace {
constexpr size_t kChunk = size_t{1} << 20;
}

LineReader::LineReader(std::string path) : path_(std::move(path)), buffer_(kChunk) {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0)
    throw InputError(path_, 0, std::string("cannot open: ") + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw InputError(path_, 0, "is a directory, expected a file");
  gzFile f = gzopen(path_.c_str(), "rb");
  if (!f) throw InputError(path_, 0, std::string("cannot open: ") + std::strerror(errno));
  gzbuffer(f, 256 * 1024);
  gz_ = f;
}

LineReader::~LineReader() {
  if (gz_) gzclose(static_cast<gzFile>(gz_));
}

void LineReader::fail(const std::string& message) const {
  throw InputError(path_, line_number_, message);
}

bool LineReader::fill() {
  if (eof_) return false;
  int n = gzread(static_cast<gzFile>(gz_), buffer_.data(), static_cast<unsigned>(buffer_.size()));
  if (n < 0) {
    int err = 0;
    const char* msg = gzerror(static_cast<gzFile>(gz_), &err);
    throw InputError(path_, line_number_ + 1, std::string("read error: ") + (msg ? msg : "?"));
  }
  if (n == 0) {
    int err = 0;
    const char* msg = gzerror(static_cast<gzFile>(gz_), &err);
    if (err != Z_OK && err != Z_STREAM_END)
      throw InputError(
          path_, line_number_ + 1,
          std::string("compressed data is damaged or cut short (") + (msg ? msg : "?") + ")");
    eof_ = true;
    return false;
  }
  begin_ = 0;
  end_ = static_cast<size_t>(n);
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
  return true;
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
  throw InputError(path, 0, "no such file (nor " + path + ".gz)");
}

}  // namespace grl
