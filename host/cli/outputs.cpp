// Output paths checked before any work starts (a run that trains for an hour and then cannot
// write its result has wasted the hour).
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "host/cli/commands.h"
#include "host/core/error.h"

namespace grl::cli {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The closest existing ancestor of `dir` (itself if it exists).
std::filesystem::path existing_ancestor(std::filesystem::path dir) {
  std::error_code ec;
  while (!dir.empty() && !std::filesystem::exists(dir, ec)) dir = dir.parent_path();
  return dir.empty() ? std::filesystem::path(".") : dir;
}

}  // namespace

void check_output_file(const std::string& path, const std::string& flag) {
  if (path.empty()) throw UsageError(flag + ": empty file name");
  const std::filesystem::path p(path);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw UsageError(flag + " '" + path + "' is a directory; give a file name");
  const std::filesystem::path dir = p.has_parent_path() ? p.parent_path() : ".";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw UsageError(flag + " '" + path + "': the directory '" + dir.string() +
                     "' does not exist (create it first)");
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw UsageError(flag + " '" + path + "': the directory '" + dir.string() +
                     "' is not writable");
  if (::stat(path.c_str(), &st) == 0 && ::access(path.c_str(), W_OK) != 0)
    throw UsageError(flag + " '" + path + "' exists and is not writable");
}

void check_embeddings_output(const std::string& path, const std::string& flag) {
  if (!ends_with(path, ".npy") && !ends_with(path, ".txt") && !ends_with(path, ".emb"))
    throw UsageError(flag + " '" + path +
                     "': use FILE.npy (with FILE.ids.txt beside it) or FILE.txt / FILE.emb "
                     "(word2vec text)");
  check_output_file(path, flag);
  if (ends_with(path, ".npy"))
    check_output_file(path.substr(0, path.size() - 4) + ".ids.txt", flag + " (its ids file)");
}

void check_output_directory(const std::string& dir, const std::string& flag) {
  if (dir.empty()) throw UsageError(flag + ": empty directory name");
  std::error_code ec;
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec))
    throw UsageError(flag + " '" + dir + "' exists and is not a directory");
  const std::filesystem::path base = existing_ancestor(dir);
  if (!std::filesystem::is_directory(base, ec) || ::access(base.c_str(), W_OK | X_OK) != 0)
    throw UsageError(flag + " '" + dir + "': '" + base.string() + "' is not writable");
}

}  // namespace grl::cli
