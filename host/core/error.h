// Exceptions thrown by grl. Every failure the user can cause (a bad file, a bad flag, a
// model that does not fit) is reported through one of these, with enough context to fix it;
// the CLI prints what() and exits non-zero.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

namespace grl {

// Base of all grl errors.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bad input data: names the file, the 1-based line (0 = whole file) and what was expected.
class InputError : public Error {
 public:
  InputError(const std::string& file, int64_t line, const std::string& message)
      : Error(format(file, line, message)), file_(file), line_(line) {}
  const std::string& file() const { return file_; }
  int64_t line() const { return line_; }

 private:
  static std::string format(const std::string& file, int64_t line, const std::string& msg) {
    return line > 0 ? file + ":" + std::to_string(line) + ": " + msg : file + ": " + msg;
  }
  std::string file_;
  int64_t line_;
};

// Bad command-line usage or configuration (unknown spec kind, impossible split, ...).
class UsageError : public Error {
 public:
  using Error::Error;
};

}  // namespace grl
