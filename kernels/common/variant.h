// Which implementation of a kernel family to launch: the first simple version (for example one
// thread per output element) is kept beside the tuned one, tested and benchmarked both, so every
// speed-up is measured against it.
#pragma once

namespace grl {

enum class KernelVariant : int { kSimple = 0, kTuned = 1 };

}  // namespace grl
