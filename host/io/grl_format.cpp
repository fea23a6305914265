#include "host/core/error.h"
#include "host/io/loaders.h"

namespace grl {
Graph load_grl(const std::string& dir) { throw UsageError("grl format not implemented: " + dir); }
void save_grl(const Graph&, const std::string& dir) { throw UsageError("not implemented: " + dir); }
}  // namespace grl
