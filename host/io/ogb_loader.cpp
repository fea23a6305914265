#include "host/core/error.h"
#include "host/io/loaders.h"

namespace grl {
Graph load_ogb(const std::string& path, const LoadOptions&) {
  throw UsageError("ogb loader not implemented yet: " + path);
}
}  // namespace grl
