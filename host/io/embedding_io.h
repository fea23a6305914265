// Writers for per-node outputs (embeddings, predictions), all atomic (host/core/atomic_file.h)
// so an interrupted run never leaves a truncated file under the final name.
//   FILE.npy            float32 [n, d] in NumPy's format, with FILE.ids.txt beside it
//   FILE.txt / .emb     word2vec text format: "n d" header, then "id v1 ... vd" per line
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "host/core/atomic_file.h"

namespace grl {

// Chooses the format from the extension (.npy, .txt, .emb; anything else is an error).
// Returns the paths written.
std::vector<std::string> write_embeddings(const std::string& path,
                                          const std::vector<std::string>& ids,
                                          const std::vector<float>& values, int64_t dim);

// Reads what write_embeddings wrote (either format), for grl eval and tests. An id that appears
// twice (as canonical_id compares them) is an error naming the line.
void read_embeddings(const std::string& path, std::vector<std::string>& ids,
                     std::vector<float>& values, int64_t& dim);

// Node ids listed one per line ('#' comments and blank lines skipped); with `unique`, an id that
// appears twice is an error.
std::vector<std::string> read_id_list(const std::string& path, bool unique = false);

}  // namespace grl
