// Output files written all or nothing: the data goes to PATH.tmp.PID beside the target, is
// flushed and fsynced, and only then renamed over PATH (then the directory is fsynced), so an
// interrupted or failed write never leaves a truncated file under the final name. Errors name
// the user's path, not the temporary. A run killed midway leaves its PATH.tmp.PID behind; the
// next write of the same PATH removes such temporaries of processes that are gone.
#pragma once
#include <cstddef>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace grl {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();  // without commit(): the temporary is removed, the target untouched
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t bytes);
  void write(const std::string& s) { write(s.data(), s.size()); }
  // Flushes and fsyncs: the data is durable under the temporary name.
  void finish();
  // finish() if needed, then renames over the target and fsyncs its directory.
  void commit();
  const std::string& path() const { return path_; }

 private:
  std::string path_, tmp_;
  std::FILE* file_ = nullptr;
  bool finished_ = false, committed_ = false;
};

// `content` to `path`, atomically.
void write_file_atomic(const std::string& path, const std::string& content);

// Several files (path, content) written all or nothing: every temporary is written and synced,
// and every target checked, before the first rename, so a failure (a full disk, a directory in
// the way) leaves every target as it was.
void write_files_atomic(const std::vector<std::pair<std::string, std::string>>& files);

// Removes PATH.tmp.<pid> files whose process no longer runs.
void remove_stale_temporaries(const std::string& path);

}  // namespace grl
