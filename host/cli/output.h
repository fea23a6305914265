// Where a command's output goes. Without --json: results for people on stdout, progress on
// stderr. With --json: stdout holds exactly one JSON object (finish()), everything for people
// goes to stderr. -q hides progress only, never the result. Every JSON summary starts from
// summary_header(): the command, grl's version and commit, the graph spec and the threads.
// Under several ranks (host/dist/comm.h) only rank 0 writes any of it; errors still show on
// every rank.
#pragma once
#include <cstdarg>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

namespace grl::cli {

class Output {
 public:
  Output(bool json, bool quiet);
  bool json() const { return json_; }
  bool progress() const { return !quiet_; }
  // A result line for people (printf-style).
  void result(const char* format, ...) __attribute__((format(printf, 2, 3)));
  // A progress or status line (stderr), unless -q.
  void status(const char* format, ...) __attribute__((format(printf, 2, 3)));
  nlohmann::json& summary() { return summary_; }
  // With --json, the summary on stdout (one line).
  void finish();

 private:
  bool json_, quiet_, silent_;
  nlohmann::json summary_ = nlohmann::json::object();
};

// "1 thread", "2 threads": the host threads that really worked.
inline std::string threads_phrase(int n) {
  return std::to_string(n) + (n == 1 ? " thread" : " threads");
}

// How a run that draws neighbours treats edge weights, as --json reports it: "used" (the graph
// has weights), "ignored" (--ignore-weights dropped them) or "none" (unweighted).
inline const char* weights_key(bool weighted, bool ignored) {
  return weighted ? "used" : ignored ? "ignored" : "none";
}

// {"version": "0.1.0", "commit": "<git commit>"}
nlohmann::json grl_build();
// {"command": ..., "grl": grl_build(), "graph": spec (if any), "threads": {"available": n}}
nlohmann::json summary_header(const std::string& command, const std::string& graph_spec);

}  // namespace grl::cli
