#include "host/core/error.h"
#include "host/io/loaders.h"

namespace grl {
Graph load_edgelist(const std::string& path, const LoadOptions&) {
  throw UsageError("edgelist loader not implemented yet: " + path);
}
}  // namespace grl
