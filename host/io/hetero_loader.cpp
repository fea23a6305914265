#include "host/core/error.h"
#include "host/io/loaders.h"

namespace grl {
Graph load_hetero(const std::string& path, const LoadOptions&) {
  throw UsageError("hetero loader not implemented yet: " + path);
}
}  // namespace grl
