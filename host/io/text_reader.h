// Line-oriented reading of text data files, plain or gzip-compressed, with errors that name
// the file and line. Handles CRLF endings, a missing final newline, a UTF-8 byte-order mark
// (skipped), concatenated gzip members, NUL bytes (rejected), and gzip files cut short or
// followed by trailing bytes (rejected).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace grl {

class LineReader {
 public:
  // Opens `path` (gzip or plain, detected from the content). Throws InputError if it cannot.
  explicit LineReader(std::string path);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Next line without its terminator; false at end of file. The view lives until the next call.
  bool next(std::string_view& line);
  int64_t line_number() const { return line_number_; }
  const std::string& path() const { return path_; }
  // Throws InputError naming this file and the current line.
  [[noreturn]] void fail(const std::string& message) const;

  static constexpr size_t kMaxLineBytes = size_t{64} << 20;

 private:
  struct Source;
  bool fill();
  void strip_bom(std::string_view& line) const;
  std::string path_;
  std::unique_ptr<Source> source_;
  std::vector<char> buffer_;
  size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  std::string carry_;
  int64_t line_number_ = 0;
};

// True for an empty line, a line of blanks, or a comment starting with '#' or '%'.
bool is_blank_or_comment(std::string_view line);

// Splits on runs of spaces and tabs, and on single commas (so "a, b" and "a,b" give two
// fields, "a,,b" three). Reuses `out`.
void split_fields(std::string_view line, std::vector<std::string_view>& out);

// Splits on one exact character (TAB for LINQS, comma for CSV). Reuses `out`.
void split_on(std::string_view line, char sep, std::vector<std::string_view>& out);

// Strict number parsing: the whole field must be a number. `what` names the field in errors.
int64_t parse_int(std::string_view field, const LineReader& reader, const char* what);
double parse_double(std::string_view field, const LineReader& reader, const char* what);
bool try_parse_int(std::string_view field, int64_t& value);
bool try_parse_double(std::string_view field, double& value);

// `path` if it exists, else `path + ".gz"` if that exists, else throws InputError for `path`.
std::string resolve_maybe_gz(const std::string& path);
// Like resolve_maybe_gz, but "" when neither exists (for optional files).
std::string optional_file(const std::string& path);
// A field as error messages quote it: 'text', cut after 40 characters.
std::string quote_field(std::string_view field);
bool file_exists(const std::string& path);

}  // namespace grl
