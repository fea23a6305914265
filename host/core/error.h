// Exceptions thrown by grl. Every failure the user can cause (a bad file, a bad flag, a
// model that does not fit) is reported through one of these, with enough context to fix it;
// the CLI prints the message and exits non-zero.
//
// Below host/cli nothing knows the command line, so a message names a configuration field as
// {field} (the trainers' config member, e.g. "{walk_length} must be at least 2"). what() writes
// it plain ("walk_length must be at least 2"); the command line, which knows the flag that sets
// each field, renders the message with the flag instead ("--walk-length must be at least 2").
// A token is '{', lower-case letters, digits and '_', then '}'; other braces are kept as they are.
#pragma once
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

namespace grl {

using FieldNamer = std::function<std::string(const std::string& field)>;

// Replaces every {field} token of `message` by name(field).
inline std::string render_fields(const std::string& message, const FieldNamer& name) {
  std::string out;
  for (size_t i = 0; i < message.size(); ++i) {
    size_t j = i + 1;
    if (message[i] == '{')
      while (j < message.size() && ((message[j] >= 'a' && message[j] <= 'z') ||
                                    (message[j] >= '0' && message[j] <= '9') || message[j] == '_'))
        ++j;
    if (message[i] != '{' || j == i + 1 || j >= message.size() || message[j] != '}') {
      out += message[i];
      continue;
    }
    out += name(message.substr(i + 1, j - i - 1));
    i = j;
  }
  return out;
}

// Base of all grl errors.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : Error(std::string(), message) {}
  // The message with each {field} named by `name`.
  std::string render(const FieldNamer& name) const {
    return prefix_ + render_fields(message_, name);
  }

 protected:
  Error(const std::string& prefix, const std::string& message)
      : std::runtime_error(prefix + render_fields(message, [](const std::string& f) { return f; })),
        prefix_(prefix),
        message_(message) {}

 private:
  std::string prefix_;   // taken as it is (a file name may hold braces)
  std::string message_;  // may name fields as {field}
};

// Bad input data: names the file, the 1-based line (0 = whole file) and what was expected.
class InputError : public Error {
 public:
  InputError(const std::string& file, int64_t line, const std::string& message)
      : Error(prefix(file, line), message), file_(file), line_(line) {}
  const std::string& file() const { return file_; }
  int64_t line() const { return line_; }

 private:
  static std::string prefix(const std::string& file, int64_t line) {
    return line > 0 ? file + ":" + std::to_string(line) + ": " : file + ": ";
  }
  std::string file_;
  int64_t line_;
};

// Bad command-line usage or configuration (unknown spec kind, impossible split, ...).
class UsageError : public Error {
 public:
  using Error::Error;
};

// A configuration field out of range, or in conflict with another or with the data.
class ConfigError : public UsageError {
 public:
  using UsageError::UsageError;
};

}  // namespace grl
