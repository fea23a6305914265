#include "host/core/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include "host/core/error.h"

namespace grl {

namespace fs = std::filesystem;

void remove_stale_temporaries(const std::string& path) {
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const std::string prefix = target.filename().string() + ".tmp.";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string pid = name.substr(prefix.size());
    if (pid.find_first_not_of("0123456789") != std::string::npos || pid.size() > 9) continue;
    const pid_t p = static_cast<pid_t>(std::stol(pid));
    if (p == ::getpid()) continue;
    if (::kill(p, 0) != 0 && errno == ESRCH) fs::remove(e.path(), ec);  // its writer is gone
  }
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw InputError(path_, 0, "is a directory; expected a file name to write");
  remove_stale_temporaries(path_);
  tmp_ = path_ + ".tmp." + std::to_string(::getpid());
  file_ = std::fopen(tmp_.c_str(), "wb");
  if (!file_) throw InputError(path_, 0, std::string("cannot write here: ") + std::strerror(errno));
}

AtomicFile::~AtomicFile() {
  if (file_) std::fclose(file_);
  if (!committed_) std::remove(tmp_.c_str());
}

void AtomicFile::write(const void* data, size_t bytes) {
  if (bytes && std::fwrite(data, 1, bytes, file_) != bytes)
    throw InputError(path_, 0, std::string("write failed: ") + std::strerror(errno));
}

void AtomicFile::finish() {
  if (finished_) return;
  const bool ok = std::fflush(file_) == 0 && ::fsync(fileno(file_)) == 0;
  const int err = errno;
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!ok || !closed)
    throw InputError(path_, 0, std::string("write failed: ") + std::strerror(ok ? errno : err));
  finished_ = true;
}

void AtomicFile::commit() {
  finish();
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0)
    throw InputError(path_, 0, std::string("cannot rename into place: ") + std::strerror(errno));
  committed_ = true;
  // Make the rename durable.
  const fs::path target(path_);
  const std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void write_file_atomic(const std::string& path, const std::string& content) {
  AtomicFile f(path);
  f.write(content);
  f.commit();
}

void write_files_atomic(const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<std::unique_ptr<AtomicFile>> out;
  for (const auto& [path, content] : files) {
    out.push_back(std::make_unique<AtomicFile>(path));
    out.back()->write(content);
  }
  for (auto& f : out) f->finish();
  for (auto& f : out) f->commit();
}

}  // namespace grl
