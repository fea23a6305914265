#include "host/io/synthetic.h"

#include "host/core/error.h"

namespace grl {
Graph make_synthetic(std::string_view s) { throw UsageError("synthetic not implemented: " + std::string(s)); }
std::string default_demo_spec() { return "synthetic:sbm"; }
}  // namespace grl
