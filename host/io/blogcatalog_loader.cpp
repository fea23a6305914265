#include "host/core/error.h"
#include "host/io/loaders.h"

namespace grl {
Graph load_blogcatalog(const std::string& path, const LoadOptions&) {
  throw UsageError("blogcatalog loader not implemented yet: " + path);
}
}  // namespace grl
