// Writers for per-node outputs (embeddings, predictions), all atomic (temporary file, flush,
// fsync, rename) so an interrupted run never leaves a truncated file under the final name.
//   FILE.npy            float32 [n, d] in NumPy's format, with FILE.ids.txt beside it
//   FILE.txt / .emb     word2vec text format: "n d" header, then "id v1 ... vd" per line
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace grl {

// Writes `content` to `path` atomically.
void write_file_atomic(const std::string& path, const std::string& content);

// Chooses the format from the extension (.npy, .txt, .emb; anything else is an error).
// Returns the paths written.
std::vector<std::string> write_embeddings(const std::string& path,
                                          const std::vector<std::string>& ids,
                                          const std::vector<float>& values, int64_t dim);

// Reads what write_embeddings wrote (either format), for grl eval and tests.
void read_embeddings(const std::string& path, std::vector<std::string>& ids,
                     std::vector<float>& values, int64_t& dim);

// Node ids listed one per line ('#' comments and blank lines skipped).
std::vector<std::string> read_id_list(const std::string& path);

}  // namespace grl
