// Running the grl command from tests: its exit code and output. GRL_CLI (an environment
// variable) runs another binary instead of the one built here, e.g. an older grl, to show that
// a test fails on the behaviour it was written against.
#pragma once
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace grl::test {

struct CliResult {
  int code;
  std::string out;  // stdout + stderr (or stdout only, run_stdout)
};

inline std::string cli_path() {
  const char* other = std::getenv("GRL_CLI");
  return other ? other : GRL_CLI_PATH;
}

inline CliResult run_command(const std::string& cmd) {
  std::FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int status = pclose(p);
  return {WEXITSTATUS(status), out};
}

// grl ARGS with stderr merged into the output.
inline CliResult run_grl(const std::string& args) {
  return run_command(cli_path() + " " + args + " 2>&1");
}

// grl ARGS with `env` ("NAME=value ...") set for it, stderr merged into the output.
inline CliResult run_grl_env(const std::string& env, const std::string& args) {
  return run_command(env + " " + cli_path() + " " + args + " 2>&1");
}

// grl ARGS with only stdout captured (stderr discarded).
inline CliResult run_grl_stdout(const std::string& args) {
  return run_command(cli_path() + " " + args + " 2>/dev/null");
}

}  // namespace grl::test
