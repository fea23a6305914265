#include "host/core/error.h"
#include "host/io/loaders.h"

namespace grl {
Graph load_planetoid(const std::string& path, const LoadOptions&) {
  throw UsageError("planetoid loader not implemented yet: " + path);
}
}  // namespace grl
