#include "host/io/synthetic.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <numbers>
#include <vector>

#include "host/core/error.h"
#include "host/core/parallel.h"
#include "kernels/common/philox.h"

namespace grl {
namespace {

// Stream tags (high 16 bits of counter word b): one per kind of draw, so no two draws share a
// counter.
enum Stream : uint32_t {
  kRmatEdge = 1,
  kRmatPermutation = 2,
  kRmatFeature = 3,
  kRmatLabel = 4,
  kSbmClass = 16,
  kSbmCentre = 17,
  kSbmEdge = 18,
  kSbmFeature = 19,
  kSbmLabelNoise = 20,
  kAcademicAuthorArea = 32,
  kAcademicVenueArea = 33,
  kAcademicPaper = 34,
  kAcademicAuthorSlot = 35,
};

// Philox draw for item `item` (< 2^48) of stream `stream`, block `c`.
Philox4 draw(uint64_t seed, Stream stream, uint64_t item, uint32_t c) {
  return philox(seed, RandomPurpose::kSynthetic, static_cast<uint32_t>(item),
                (static_cast<uint32_t>(stream) << 16) | static_cast<uint32_t>(item >> 32), c);
}

// draw(seed, stream, item0 + l, c) for the kLanes items l = 0..kLanes-1, into words[w][l]:
// the same Philox4x32-10 rounds as philox4x32_10, run lane by lane so the compiler can keep
// many independent multiply chains in flight.
constexpr int kLanes = 16;
void philox_lanes(uint64_t seed, Stream stream, uint64_t item0, uint32_t c,
                  uint32_t (&words)[4][kLanes]) {
  using namespace philox_detail;
  uint32_t c0[kLanes], c1[kLanes], c2[kLanes], c3[kLanes];
  for (int l = 0; l < kLanes; ++l) {
    uint64_t item = item0 + l;
    c0[l] = static_cast<uint32_t>(item);
    c1[l] = (static_cast<uint32_t>(stream) << 16) | static_cast<uint32_t>(item >> 32);
    c2[l] = c;
    c3[l] = static_cast<uint32_t>(RandomPurpose::kSynthetic);
  }
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    for (int l = 0; l < kLanes; ++l) {
      uint64_t p0 = static_cast<uint64_t>(kMul0) * c0[l];
      uint64_t p1 = static_cast<uint64_t>(kMul1) * c2[l];
      uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1[l] ^ k0;
      uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3[l] ^ k1;
      c1[l] = static_cast<uint32_t>(p1);
      c3[l] = static_cast<uint32_t>(p0);
      c0[l] = n0;
      c2[l] = n2;
    }
    k0 += kWeyl0;
    k1 += kWeyl1;
  }
  for (int l = 0; l < kLanes; ++l) {
    words[0][l] = c0[l];
    words[1][l] = c1[l];
    words[2][l] = c2[l];
    words[3][l] = c3[l];
  }
}

// Four N(0, 1) values from one Philox draw: Box-Muller on two pairs of uniforms.
void gaussian4(const Philox4& r, float out[4]) {
  for (int k = 0; k < 2; ++k) {
    double u1 = 1.0 - random_unit(r.v[2 * k]);  // (0, 1]: log is finite
    double u2 = random_unit(r.v[2 * k + 1]);
    double radius = std::sqrt(-2.0 * std::log(u1));
    double theta = 2.0 * std::numbers::pi * u2;
    out[2 * k] = static_cast<float>(radius * std::cos(theta));
    out[2 * k + 1] = static_cast<float>(radius * std::sin(theta));
  }
}

// values[r * dim + j] = scale * N(0, 1), keyed by (row, dimension block of 4).
void fill_gaussian(float* values, int64_t rows, int64_t dim, float scale, uint64_t seed,
                   Stream stream) {
  const int64_t blocks = (dim + 3) / 4;
  parallel_chunks(
      rows,
      [&](int64_t b, int64_t e, int) {
        float z[4];
        for (int64_t r = b; r < e; ++r) {
          float* row = values + r * dim;
          for (int64_t k = 0; k < blocks; ++k) {
            gaussian4(draw(seed, stream, static_cast<uint64_t>(r), static_cast<uint32_t>(k)), z);
            for (int64_t j = 4 * k; j < std::min(dim, 4 * k + 4); ++j)
              row[j] = scale * z[j - 4 * k];
          }
        }
      },
      std::max<int64_t>(1, 16384 / std::max<int64_t>(1, dim)));
}

// Balanced pseudo-random assignment of n items to k classes: items sorted by a Philox key;
// the item at rank j gets class j % k. Class c holds order[c], order[c + k], order[c + 2k], ...
struct BalancedClasses {
  int32_t k = 1;
  std::vector<NodeId> order;  // rank -> item
  std::vector<NodeId> rank;   // item -> rank

  BalancedClasses(NodeId n, int32_t classes, uint64_t seed, Stream stream) : k(classes) {
    // Key = 32 random bits above the item id: distinct keys, ties impossible.
    std::vector<uint64_t> keys(static_cast<size_t>(n));
    parallel_for(n, [&](int64_t v) {
      uint32_t x = draw(seed, stream, static_cast<uint64_t>(v), 0).v[0];
      keys[v] = (static_cast<uint64_t>(x) << 32) | static_cast<uint32_t>(v);
    });
    std::sort(keys.begin(), keys.end());
    order.resize(static_cast<size_t>(n));
    rank.resize(static_cast<size_t>(n));
    parallel_for(n, [&](int64_t j) {
      NodeId v = static_cast<NodeId>(keys[j] & 0xffffffffu);
      order[j] = v;
      rank[v] = static_cast<NodeId>(j);
    });
  }
  NodeId size() const { return static_cast<NodeId>(order.size()); }
  int32_t class_of(NodeId v) const { return rank[v] % k; }
  // Position of v among the members of its class.
  NodeId index_in_class(NodeId v) const { return rank[v] / k; }
  NodeId count(int32_t c) const { return c < size() ? (size() - c + k - 1) / k : 0; }
  NodeId member(int32_t c, NodeId j) const {
    return order[static_cast<size_t>(c) + static_cast<size_t>(j) * k];
  }
};

std::vector<std::string> numbered_names(const char* prefix, int32_t n) {
  std::vector<std::string> names;
  for (int32_t i = 0; i < n; ++i) names.push_back(prefix + std::to_string(i));
  return names;
}

// Shortest round-tripping text of a double, for error messages.
std::string num(double x) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), x);
  return std::string(buf, res.ptr);
}
std::string num(int64_t x) { return std::to_string(x); }

constexpr const char* kRmatKeys = "scale, edge_factor, a, b, c, directed, dim, classes, seed";
constexpr const char* kSbmKeys =
    "nodes, classes, dim, degree, homophily, noise, label_noise, separation, seed";
constexpr const char* kAcademicKeys =
    "authors, papers, venues, areas, authors_per_paper, purity, seed";

[[noreturn]] void bad_value(const char* kind, const char* keys, const std::string& key,
                            const std::string& value, const std::string& expected) {
  throw UsageError("synthetic:" + std::string(kind) + ": " + key + "=" + value + " is invalid (" +
                   expected + "); valid keys: " + keys);
}

void check_probability(const char* kind, const char* keys, const char* key, double x) {
  if (!(x >= 0.0 && x <= 1.0)) bad_value(kind, keys, key, num(x), "expected a value in [0, 1]");
}

void check_features(const char* kind, const char* keys, int64_t nodes, int64_t dim) {
  if (dim < 0 || (dim > 0 && nodes > kSyntheticMaxFeatureValues / dim))
    bad_value(kind, keys, "dim", num(dim),
              "expected 0 <= dim and nodes * dim <= " + num(kSyntheticMaxFeatureValues));
}

void validate(const RmatParams& p) {
  const char* k = "rmat";
  if (p.scale < 1 || p.scale > 30)
    bad_value(k, kRmatKeys, "scale", num(int64_t{p.scale}), "expected 1..30");
  if (p.edge_factor < 1 || p.edge_factor > (kSyntheticMaxEdges >> p.scale))
    bad_value(k, kRmatKeys, "edge_factor", num(p.edge_factor),
              "expected >= 1 and edge_factor * 2^scale <= 2^36 edges");
  check_probability(k, kRmatKeys, "a", p.a);
  check_probability(k, kRmatKeys, "b", p.b);
  check_probability(k, kRmatKeys, "c", p.c);
  if (p.a + p.b + p.c > 1.0 + 1e-12)
    bad_value(k, kRmatKeys, "a+b+c", num(p.a + p.b + p.c), "expected a + b + c <= 1");
  check_features(k, kRmatKeys, int64_t{1} << p.scale, p.feature_dim);
  if (p.classes < 0 || p.classes > 65536)
    bad_value(k, kRmatKeys, "classes", num(int64_t{p.classes}), "expected 0..65536");
}

void validate(const SbmParams& p) {
  const char* k = "sbm";
  if (p.nodes < 1) bad_value(k, kSbmKeys, "nodes", num(int64_t{p.nodes}), "expected >= 1");
  if (p.classes < 1 || p.classes > std::min<int64_t>(p.nodes, 65536))
    bad_value(k, kSbmKeys, "classes", num(int64_t{p.classes}),
              "expected 1 <= classes <= min(nodes, 65536)");
  check_features(k, kSbmKeys, p.nodes, p.feature_dim);
  if (!(p.degree >= 0.0) || p.nodes * p.degree / 2 > static_cast<double>(kSyntheticMaxEdges))
    bad_value(k, kSbmKeys, "degree", num(p.degree), "expected >= 0 and nodes * degree / 2 <= 2^36");
  check_probability(k, kSbmKeys, "homophily", p.homophily);
  if (!(p.feature_noise >= 0.0 && std::isfinite(p.feature_noise)))
    bad_value(k, kSbmKeys, "noise", num(p.feature_noise), "expected a finite value >= 0");
  check_probability(k, kSbmKeys, "label_noise", p.label_noise);
  if (!(p.separation >= 0.0 && std::isfinite(p.separation)))
    bad_value(k, kSbmKeys, "separation", num(p.separation), "expected a finite value >= 0");
}

void validate(const AcademicParams& p) {
  const char* k = "academic";
  if (p.authors < 1)
    bad_value(k, kAcademicKeys, "authors", num(int64_t{p.authors}), "expected >= 1");
  if (p.papers < 1) bad_value(k, kAcademicKeys, "papers", num(int64_t{p.papers}), "expected >= 1");
  if (p.venues < 1) bad_value(k, kAcademicKeys, "venues", num(int64_t{p.venues}), "expected >= 1");
  int64_t total = int64_t{p.authors} + p.papers + p.venues;
  if (total > kSyntheticMaxNodes)
    bad_value(k, kAcademicKeys, "authors+papers+venues", num(total),
              "expected at most " + num(kSyntheticMaxNodes) + " nodes");
  if (p.areas < 1 || p.areas > std::min(p.authors, p.venues))
    bad_value(k, kAcademicKeys, "areas", num(int64_t{p.areas}),
              "expected 1 <= areas <= min(authors, venues)");
  if (p.authors_per_paper < 1 || p.authors_per_paper > std::min<NodeId>(p.authors, 1024))
    bad_value(k, kAcademicKeys, "authors_per_paper", num(int64_t{p.authors_per_paper}),
              "expected 1 <= authors_per_paper <= min(authors, 1024)");
  check_probability(k, kAcademicKeys, "purity", p.area_purity);
}

// Builds g.csr from generated edges and records what the builder did in g.stats. Undirected
// duplicates are counted once per edge pair, so generated = kept + loops + merged.
void build_topology(Graph& g, EdgeList&& edges, NodeId n, bool directed) {
  const int64_t generated = static_cast<int64_t>(edges.size());
  CsrBuildOptions opt;
  opt.symmetrize = !directed;
  CsrBuildStats st;
  g.directed = directed;
  g.csr = build_csr(std::move(edges), n, n, opt, &st);
  g.stats.add("generated_edges", generated);
  g.stats.add("self_loops_dropped", st.self_loops);
  g.stats.add("duplicate_edges_merged", directed ? st.duplicates : st.duplicates / 2);
}

// A keyed bijection of [0, 2^bits): rounds of odd multiply + add (carries low bits up) and
// xor-shift (carries high bits down), each invertible modulo 2^bits.
struct BitPermutation {
  uint64_t mask = 0, mul[4] = {}, add[4] = {};
  int shift = 1;
  BitPermutation(int bits, uint64_t seed) {
    mask = (uint64_t{1} << bits) - 1;
    shift = std::max(1, (bits + 1) / 2);
    for (uint32_t r = 0; r < 4; ++r) {
      Philox4 x = draw(seed, kRmatPermutation, 0, r);
      mul[r] = (((static_cast<uint64_t>(x.v[0]) << 32) | x.v[1]) | 1) & mask;  // odd: bits >= 1
      add[r] = ((static_cast<uint64_t>(x.v[2]) << 32) | x.v[3]) & mask;
    }
  }
  NodeId operator()(uint64_t x) const {
    for (int r = 0; r < 4; ++r) {
      x = (x * mul[r] + add[r]) & mask;
      x ^= x >> shift;
    }
    return static_cast<NodeId>(x);
  }
};

// Key/value pairs of a spec, each applied by a setter that throws on a malformed value.
struct KeySetter {
  const char* key;
  std::function<void(const std::string&)> set;
};

template <class T>
std::function<void(const std::string&)> int_setter(const char* kind, const char* keys,
                                                   const char* key, T& field) {
  return [=, &field](const std::string& v) {
    using Wide = std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>;
    Wide x = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (ec == std::errc::result_out_of_range) bad_value(kind, keys, key, v, "out of range");
    if (ec != std::errc() || end != v.data() + v.size() || v.empty())
      bad_value(kind, keys, key, v, "expected an integer");
    if (x < static_cast<Wide>(std::numeric_limits<T>::min()) ||
        x > static_cast<Wide>(std::numeric_limits<T>::max()))
      bad_value(kind, keys, key, v,
                "out of range, at most " + std::to_string(std::numeric_limits<T>::max()));
    field = static_cast<T>(x);
  };
}

std::function<void(const std::string&)> real_setter(const char* kind, const char* keys,
                                                    const char* key, double& field) {
  return [=, &field](const std::string& v) {
    double x = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
    if (ec != std::errc() || end != v.data() + v.size() || v.empty() || !std::isfinite(x))
      bad_value(kind, keys, key, v, "expected a number");
    field = x;
  };
}

std::function<void(const std::string&)> bool_setter(const char* kind, const char* keys,
                                                    const char* key, bool& field) {
  return [=, &field](const std::string& v) {
    if (v == "1" || v == "true")
      field = true;
    else if (v == "0" || v == "false")
      field = false;
    else
      bad_value(kind, keys, key, v, "expected 0, 1, true or false");
  };
}

void apply_params(const char* kind, const char* keys, std::string_view params,
                  const std::vector<KeySetter>& setters) {
  std::vector<std::string> seen;
  while (!params.empty()) {
    size_t amp = params.find('&');
    std::string_view pair = params.substr(0, amp);
    params = amp == std::string_view::npos ? std::string_view() : params.substr(amp + 1);
    if (pair.empty()) continue;  // "a=1&&b=2" or a trailing '&'
    size_t eq = pair.find('=');
    std::string key(pair.substr(0, eq));
    if (eq == std::string_view::npos)
      throw UsageError("synthetic:" + std::string(kind) + ": '" + key +
                       "' has no value (expected key=value); valid keys: " + keys);
    std::string value(pair.substr(eq + 1));
    auto it = std::find_if(setters.begin(), setters.end(),
                           [&](const KeySetter& s) { return key == s.key; });
    if (it == setters.end())
      throw UsageError("synthetic:" + std::string(kind) + ": unknown key '" + key + "' (=" + value +
                       "); valid keys: " + keys);
    if (std::find(seen.begin(), seen.end(), key) != seen.end())
      throw UsageError("synthetic:" + std::string(kind) + ": key '" + key +
                       "' given twice; valid keys: " + keys);
    seen.push_back(key);
    it->set(value);
  }
}

}  // namespace

EdgeList rmat_edges(const RmatParams& p) {
  validate(p);
  const int64_t m = p.edge_factor << p.scale;
  // Quadrant thresholds on 16-bit uniforms: [0, ta) top-left, [ta, tab) top-right,
  // [tab, tabc) bottom-left, the rest bottom-right.
  const uint32_t ta = static_cast<uint32_t>(std::lround(p.a * 65536));
  const uint32_t tab = static_cast<uint32_t>(std::lround((p.a + p.b) * 65536));
  const uint32_t tabc = static_cast<uint32_t>(std::lround((p.a + p.b + p.c) * 65536));
  const BitPermutation permute(p.scale, p.seed);
  const int scale = p.scale;
  EdgeList edges;
  edges.src.resize(static_cast<size_t>(m));
  edges.dst.resize(static_cast<size_t>(m));
  NodeId* src = edges.src.data();
  NodeId* dst = edges.dst.data();
  parallel_chunks(m, [&](int64_t b, int64_t e, int) {
    // Edges go in batches of kLanes so the Philox rounds of independent edges interleave
    // (and vectorise) instead of running one dependent chain at a time.
    uint32_t words[4][kLanes];
    const uint32_t t_a = ta, t_ab = tab, t_abc = tabc;  // locals: kept in registers
    for (int64_t i0 = b; i0 < e; i0 += kLanes) {
      const int lanes = static_cast<int>(std::min<int64_t>(kLanes, e - i0));
      uint32_t u[kLanes] = {}, v[kLanes] = {};  // scale <= 30 bits
      // One Philox call gives eight 16-bit uniforms: eight levels of the recursion.
      for (int level = 0, block = 0; level < scale; ++block) {
        philox_lanes(p.seed, kRmatEdge, i0, static_cast<uint32_t>(block), words);
        const int levels = std::min(8, scale - level);
        for (int k = 0; k < levels; ++k)
          for (int l = 0; l < kLanes; ++l) {
            uint32_t x = (words[k >> 1][l] >> ((k & 1) * 16)) & 0xffffu;
            uint32_t row_bit = x >= t_ab;
            uint32_t col_bit = ((x >= t_a) & (x < t_ab)) | (x >= t_abc);
            u[l] = (u[l] << 1) | row_bit;
            v[l] = (v[l] << 1) | col_bit;
          }
        level += levels;
      }
      for (int l = 0; l < lanes; ++l) {
        src[i0 + l] = permute(u[l]);
        dst[i0 + l] = permute(v[l]);
      }
    }
  });
  return edges;
}

Graph make_rmat(const RmatParams& p) {
  EdgeList edges = rmat_edges(p);  // validates
  const NodeId n = static_cast<NodeId>(int64_t{1} << p.scale);
  Graph g;
  build_topology(g, std::move(edges), n, p.directed);
  g.ids = IdMap::identity(n);
  if (p.feature_dim > 0) {
    g.features.rows = n;
    g.features.dim = p.feature_dim;
    std::vector<float> values(static_cast<size_t>(n * p.feature_dim));
    fill_gaussian(values.data(), n, p.feature_dim, 1.0f, p.seed, kRmatFeature);
    g.features.values = Array<float>(std::move(values));
  }
  if (p.classes > 0) {
    g.labels.num_classes = p.classes;
    g.labels.class_names = numbered_names("c", p.classes);
    g.labels.single.resize(static_cast<size_t>(n));
    parallel_for(n, [&](int64_t v) {
      g.labels.single[v] = static_cast<int32_t>(
          random_below(draw(p.seed, kRmatLabel, static_cast<uint64_t>(v), 0).v[0],
                       static_cast<uint32_t>(p.classes)));
    });
  }
  return g;
}

Graph make_sbm(const SbmParams& p) {
  validate(p);
  const NodeId n = p.nodes;
  const int32_t k = p.classes;
  const BalancedClasses classes(n, k, p.seed, kSbmClass);
  const int64_t m = std::llround(n * p.degree / 2);

  // Edge i: a uniform source u, then with probability homophily a uniform other member of
  // u's class, else a uniform member of a uniform other class.
  EdgeList edges;
  edges.src.resize(static_cast<size_t>(m));
  edges.dst.resize(static_cast<size_t>(m));
  parallel_chunks(m, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) {
      Philox4 r = draw(p.seed, kSbmEdge, static_cast<uint64_t>(i), 0);
      NodeId u = static_cast<NodeId>(random_below(r.v[0], static_cast<uint32_t>(n)));
      int32_t c = classes.class_of(u);
      NodeId v = u;
      if (k == 1 || random_unit(r.v[1]) < p.homophily) {
        NodeId count = classes.count(c);
        if (count > 1) {  // else the only member: a self-loop, dropped and counted
          NodeId j = static_cast<NodeId>(random_below(r.v[3], static_cast<uint32_t>(count - 1)));
          if (j >= classes.index_in_class(u)) ++j;
          v = classes.member(c, j);
        }
      } else {
        int32_t other = static_cast<int32_t>(random_below(r.v[2], static_cast<uint32_t>(k - 1)));
        if (other >= c) ++other;
        NodeId j =
            static_cast<NodeId>(random_below(r.v[3], static_cast<uint32_t>(classes.count(other))));
        v = classes.member(other, j);
      }
      edges.src[i] = u;
      edges.dst[i] = v;
    }
  });

  Graph g;
  build_topology(g, std::move(edges), n, /*directed=*/false);
  g.ids = IdMap::identity(n);

  // Features: class centre + noise. Centres ~ N(0, separation^2 / dim) per coordinate.
  const int64_t dim = p.feature_dim;
  if (dim > 0) {
    std::vector<float> centres(static_cast<size_t>(k * dim));
    fill_gaussian(centres.data(), k, dim, static_cast<float>(p.separation / std::sqrt(dim)), p.seed,
                  kSbmCentre);
    std::vector<float> values(static_cast<size_t>(n * dim));
    fill_gaussian(values.data(), n, dim, static_cast<float>(p.feature_noise), p.seed, kSbmFeature);
    parallel_for(n, [&](int64_t v) {
      const float* centre = centres.data() + classes.class_of(static_cast<NodeId>(v)) * dim;
      float* row = values.data() + v * dim;
      for (int64_t j = 0; j < dim; ++j) row[j] += centre[j];
    });
    g.features.rows = n;
    g.features.dim = dim;
    g.features.values = Array<float>(std::move(values));
  }

  // Labels: the class, flipped to a uniform other class with probability label_noise.
  g.labels.num_classes = k;
  g.labels.class_names = numbered_names("c", k);
  g.labels.single.resize(static_cast<size_t>(n));
  std::vector<int64_t> flipped(static_cast<size_t>(n), 0);
  parallel_for(n, [&](int64_t v) {
    int32_t c = classes.class_of(static_cast<NodeId>(v));
    if (k > 1 && p.label_noise > 0) {
      Philox4 r = draw(p.seed, kSbmLabelNoise, static_cast<uint64_t>(v), 0);
      if (random_unit(r.v[0]) < p.label_noise) {
        int32_t other = static_cast<int32_t>(random_below(r.v[1], static_cast<uint32_t>(k - 1)));
        c = other >= c ? other + 1 : other;
        flipped[v] = 1;
      }
    }
    g.labels.single[v] = c;
  });
  if (p.label_noise > 0) {
    int64_t total = 0;
    for (int64_t f : flipped) total += f;
    g.stats.add("labels_flipped", total);
  }
  return g;
}

Graph make_academic(const AcademicParams& p) {
  validate(p);
  const NodeId na = p.authors, np = p.papers, nv = p.venues;
  const NodeId paper0 = na, venue0 = na + np, n = na + np + nv;
  const int32_t areas = p.areas, per = p.authors_per_paper;
  const BalancedClasses author_area(na, areas, p.seed, kAcademicAuthorArea);
  const BalancedClasses venue_area(nv, areas, p.seed, kAcademicVenueArea);

  // Per paper: an area, a venue and `per` distinct authors (local ids).
  std::vector<int32_t> paper_area(static_cast<size_t>(np));
  std::vector<NodeId> paper_venue(static_cast<size_t>(np));
  std::vector<NodeId> paper_authors(static_cast<size_t>(np) * per);
  parallel_chunks(np, [&](int64_t b, int64_t e, int) {
    for (int64_t q = b; q < e; ++q) {
      Philox4 r = draw(p.seed, kAcademicPaper, static_cast<uint64_t>(q), 0);
      int32_t area = static_cast<int32_t>(random_below(r.v[0], static_cast<uint32_t>(areas)));
      paper_area[q] = area;
      if (random_unit(r.v[1]) < p.area_purity)
        paper_venue[q] = venue_area.member(
            area, static_cast<NodeId>(random_below(r.v[3], venue_area.count(area))));
      else
        paper_venue[q] = static_cast<NodeId>(random_below(r.v[2], static_cast<uint32_t>(nv)));

      NodeId* chosen = paper_authors.data() + q * per;
      for (int32_t s = 0; s < per; ++s) {
        NodeId a = -1;
        // Redraw (a fresh counter per attempt) until distinct from the earlier slots.
        for (uint32_t attempt = 0; attempt < 256 && a < 0; ++attempt) {
          Philox4 x = draw(p.seed, kAcademicAuthorSlot, static_cast<uint64_t>(q),
                           static_cast<uint32_t>(s) * 256 + attempt);
          NodeId cand =
              random_unit(x.v[0]) < p.area_purity
                  ? author_area.member(
                        area, static_cast<NodeId>(random_below(x.v[1], author_area.count(area))))
                  : static_cast<NodeId>(random_below(x.v[2], static_cast<uint32_t>(na)));
          if (std::find(chosen, chosen + s, cand) == chosen + s) a = cand;
        }
        // Practically unreachable (needs 256 collisions): the smallest unused id.
        for (NodeId cand = 0; a < 0; ++cand)
          if (std::find(chosen, chosen + s, cand) == chosen + s) a = cand;
        chosen[s] = a;
      }
    }
  });

  Graph g;
  g.node_types = {{"author", 0, na}, {"paper", paper0, np}, {"venue", venue0, nv}};
  // Relation CSRs: rows local to the source type, indices global. Local row ids and global
  // column ids live in different spaces, so "self-loops" must not be dropped here.
  CsrBuildOptions rel_opt;
  rel_opt.symmetrize = false;
  rel_opt.drop_self_loops = false;
  const int64_t m_auth = static_cast<int64_t>(np) * per;
  auto relation = [&](int32_t src_type, const char* name, int32_t dst_type, NodeId rows, int64_t m,
                      int32_t reverse_of, auto&& edge) {
    EdgeList el;
    el.src.resize(static_cast<size_t>(m));
    el.dst.resize(static_cast<size_t>(m));
    parallel_for(m, [&](int64_t i) {
      auto [s, d] = edge(i);
      el.src[i] = s;
      el.dst[i] = d;
    });
    Relation rel;
    rel.src_type = src_type;
    rel.name = name;
    rel.dst_type = dst_type;
    rel.csr = build_csr(std::move(el), rows, n, rel_opt);
    rel.reverse_of = reverse_of;
    g.relations.push_back(std::move(rel));
  };
  relation(0, "writes", 1, na, m_auth, -1, [&](int64_t i) {
    return std::pair<NodeId, NodeId>{paper_authors[i], paper0 + static_cast<NodeId>(i / per)};
  });
  relation(1, "written_by", 0, np, m_auth, 0, [&](int64_t i) {
    return std::pair<NodeId, NodeId>{static_cast<NodeId>(i / per), paper_authors[i]};
  });
  relation(1, "published_in", 2, np, np, -1, [&](int64_t q) {
    return std::pair<NodeId, NodeId>{static_cast<NodeId>(q), venue0 + paper_venue[q]};
  });
  relation(2, "publishes", 1, nv, np, 2, [&](int64_t q) {
    return std::pair<NodeId, NodeId>{paper_venue[q], paper0 + static_cast<NodeId>(q)};
  });

  // Whole-graph CSR: author-paper and paper-venue edges, undirected.
  EdgeList all;
  all.src.resize(static_cast<size_t>(m_auth + np));
  all.dst.resize(static_cast<size_t>(m_auth + np));
  parallel_for(m_auth + np, [&](int64_t i) {
    if (i < m_auth) {
      all.src[i] = paper_authors[i];
      all.dst[i] = paper0 + static_cast<NodeId>(i / per);
    } else {
      int64_t q = i - m_auth;
      all.src[i] = paper0 + static_cast<NodeId>(q);
      all.dst[i] = venue0 + paper_venue[q];
    }
  });
  build_topology(g, std::move(all), n, /*directed=*/false);
  g.ids = IdMap::identity(n);

  g.labels.num_classes = areas;
  g.labels.class_names = numbered_names("area", areas);
  g.labels.single.resize(static_cast<size_t>(n));
  for (NodeId a = 0; a < na; ++a) g.labels.single[a] = author_area.class_of(a);
  for (NodeId q = 0; q < np; ++q) g.labels.single[paper0 + q] = paper_area[q];
  for (NodeId v = 0; v < nv; ++v) g.labels.single[venue0 + v] = venue_area.class_of(v);
  return g;
}

Graph make_synthetic(std::string_view spec) {
  size_t q = spec.find('?');
  std::string kind(spec.substr(0, q));
  std::string_view params = q == std::string_view::npos ? std::string_view() : spec.substr(q + 1);
  if (kind == "rmat") {
    RmatParams p;
    const char* k = "rmat";
    apply_params(k, kRmatKeys, params,
                 {{"scale", int_setter(k, kRmatKeys, "scale", p.scale)},
                  {"edge_factor", int_setter(k, kRmatKeys, "edge_factor", p.edge_factor)},
                  {"a", real_setter(k, kRmatKeys, "a", p.a)},
                  {"b", real_setter(k, kRmatKeys, "b", p.b)},
                  {"c", real_setter(k, kRmatKeys, "c", p.c)},
                  {"directed", bool_setter(k, kRmatKeys, "directed", p.directed)},
                  {"dim", int_setter(k, kRmatKeys, "dim", p.feature_dim)},
                  {"classes", int_setter(k, kRmatKeys, "classes", p.classes)},
                  {"seed", int_setter(k, kRmatKeys, "seed", p.seed)}});
    return make_rmat(p);
  }
  if (kind == "sbm") {
    SbmParams p;
    const char* k = "sbm";
    apply_params(k, kSbmKeys, params,
                 {{"nodes", int_setter(k, kSbmKeys, "nodes", p.nodes)},
                  {"classes", int_setter(k, kSbmKeys, "classes", p.classes)},
                  {"dim", int_setter(k, kSbmKeys, "dim", p.feature_dim)},
                  {"degree", real_setter(k, kSbmKeys, "degree", p.degree)},
                  {"homophily", real_setter(k, kSbmKeys, "homophily", p.homophily)},
                  {"noise", real_setter(k, kSbmKeys, "noise", p.feature_noise)},
                  {"label_noise", real_setter(k, kSbmKeys, "label_noise", p.label_noise)},
                  {"separation", real_setter(k, kSbmKeys, "separation", p.separation)},
                  {"seed", int_setter(k, kSbmKeys, "seed", p.seed)}});
    return make_sbm(p);
  }
  if (kind == "academic") {
    AcademicParams p;
    const char* k = "academic";
    apply_params(k, kAcademicKeys, params,
                 {{"authors", int_setter(k, kAcademicKeys, "authors", p.authors)},
                  {"papers", int_setter(k, kAcademicKeys, "papers", p.papers)},
                  {"venues", int_setter(k, kAcademicKeys, "venues", p.venues)},
                  {"areas", int_setter(k, kAcademicKeys, "areas", p.areas)},
                  {"authors_per_paper",
                   int_setter(k, kAcademicKeys, "authors_per_paper", p.authors_per_paper)},
                  {"purity", real_setter(k, kAcademicKeys, "purity", p.area_purity)},
                  {"seed", int_setter(k, kAcademicKeys, "seed", p.seed)}});
    return make_academic(p);
  }
  throw UsageError(
      "unknown synthetic graph kind '" + kind + "' in 'synthetic:" + std::string(spec) +
      "'; expected rmat, sbm or academic, e.g. " + "synthetic:sbm?nodes=10000&classes=8");
}

std::string default_demo_spec() {
  // Hard enough that accuracy means something (features alone ~0.4, GraphSAGE ~0.84).
  return "synthetic:sbm?nodes=20000&classes=8&dim=64&degree=10&homophily=0.6&noise=1&"
         "separation=1&seed=1";
}

}  // namespace grl
