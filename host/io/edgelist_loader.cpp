// Edge-list loader: one edge per line, `src dst [weight]`, separated by blanks or a comma.
//
// FILE may be gzipped (detected from the content), or given without its .gz suffix.
// Node ids follow graph.h's rule (canonical_id): integer literals name nodes by value, other ids
// are strings. The file is read once assuming integer ids (raw int64 values kept in flat vectors,
// no per-edge allocation); if some id is not an integer that fits in 64 bits the file is read
// again in string mode. Integer ids get dense internal ids in ascending order of their value,
// string ids in order of first appearance.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>

#include "host/core/error.h"
#include "host/core/parallel.h"
#include "host/io/loaders.h"
#include "host/io/text_reader.h"

namespace grl {
namespace {

constexpr int64_t kMaxNodes = std::numeric_limits<NodeId>::max();

struct ScanCounts {
  int64_t comment_lines = 0;
  int64_t edge_lines = 0;
  size_t fields = 0;  // 2 or 3, fixed by the first data line
  int64_t fields_line = 0;
};

// Reads every data line, checks its shape and weight, and calls
// on_edge(reader, src_field, dst_field, weight). Stops early (returning false) when on_edge
// returns false.
template <class OnEdge>
bool scan_edges(const std::string& file, ScanCounts& counts, OnEdge&& on_edge) {
  counts = ScanCounts{};
  LineReader reader(file);
  std::vector<std::string_view> fields;
  std::string_view line;
  while (reader.next(line)) {
    if (is_blank_or_comment(line)) {
      ++counts.comment_lines;
      continue;
    }
    split_fields(line, fields);
    if (fields.size() != 2 && fields.size() != 3)
      reader.fail("expected 2 or 3 fields (src dst [weight]), got " +
                  std::to_string(fields.size()));
    if (counts.fields == 0) {
      counts.fields = fields.size();
      counts.fields_line = reader.line_number();
    } else if (fields.size() != counts.fields) {
      reader.fail("expected " + std::to_string(counts.fields) + " fields (" +
                  (counts.fields == 2 ? "src dst" : "src dst weight") + ") as on line " +
                  std::to_string(counts.fields_line) + ", got " + std::to_string(fields.size()));
    }
    float weight = 1.0f;
    if (fields.size() == 3) {
      double w = parse_double(fields[2], reader, "for the weight");
      if (!std::isfinite(w) || std::fabs(w) > FLT_MAX)
        reader.fail("expected a finite weight (float32), got " + quote_field(fields[2]));
      weight = static_cast<float>(w);
    }
    ++counts.edge_lines;
    if (!on_edge(reader, fields[0], fields[1], weight)) return false;
  }
  return true;
}

// Dense ids in ascending order of the raw integer ids appearing in `a` and `b`. Returns the
// sorted distinct raw ids and rewrites every raw id as its dense id (in place, as int64).
std::vector<int64_t> densify(std::vector<int64_t>& a, std::vector<int64_t>& b,
                             const std::string& file) {
  const int64_t m = static_cast<int64_t>(a.size());
  int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
  for (int64_t i = 0; i < m; ++i) {
    lo = std::min({lo, a[i], b[i]});
    hi = std::max({hi, a[i], b[i]});
  }
  std::vector<int64_t> sorted;
  // A compact id range (the common case: 0..n-1 or 1..n) is mapped through a direct table;
  // otherwise through sort + unique + binary search. Both give the same ascending order.
  const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);  // cannot overflow
  if (span <
      static_cast<uint64_t>(std::min<int64_t>(std::max<int64_t>(4 * m, 1 << 16), kMaxNodes))) {
    const uint64_t range = span + 1;
    std::vector<NodeId> slot(range, -1);
    for (int64_t i = 0; i < m; ++i) slot[a[i] - lo] = slot[b[i] - lo] = 0;
    NodeId next = 0;
    for (uint64_t k = 0; k < range; ++k)
      if (slot[k] == 0) {
        slot[k] = next++;
        sorted.push_back(lo + static_cast<int64_t>(k));
      }
    parallel_for(m, [&](int64_t i) {
      a[i] = slot[a[i] - lo];
      b[i] = slot[b[i] - lo];
    });
    return sorted;
  }
  sorted.reserve(2 * a.size());
  sorted.insert(sorted.end(), a.begin(), a.end());
  sorted.insert(sorted.end(), b.begin(), b.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  sorted.shrink_to_fit();
  if (static_cast<int64_t>(sorted.size()) > kMaxNodes)
    throw InputError(file, 0,
                     "too many distinct node ids (" + std::to_string(sorted.size()) +
                         "); at most " + std::to_string(kMaxNodes) + " are supported");
  parallel_for(m, [&](int64_t i) {
    a[i] = std::lower_bound(sorted.begin(), sorted.end(), a[i]) - sorted.begin();
    b[i] = std::lower_bound(sorted.begin(), sorted.end(), b[i]) - sorted.begin();
  });
  return sorted;
}

std::vector<NodeId> narrow(std::vector<int64_t>&& v) {
  std::vector<NodeId> out(v.size());
  parallel_for(static_cast<int64_t>(v.size()),
               [&](int64_t i) { out[i] = static_cast<NodeId>(v[i]); });
  v = {};
  return out;
}

// Dense ids for strings in order of first appearance: open addressing over a flat slot table,
// the names kept in one character arena, so there is no allocation per id or per lookup.
class StringInterner {
 public:
  int64_t size() const { return static_cast<int64_t>(offsets_.size()) - 1; }

  std::optional<NodeId> find(std::string_view s) const {
    if (slots_.empty()) return std::nullopt;
    const uint64_t h = std::hash<std::string_view>{}(s);
    for (uint64_t i = h & mask_;; i = (i + 1) & mask_) {
      const uint64_t slot = slots_[i];
      if (slot == 0) return std::nullopt;
      if ((slot >> 32) == (h >> 32) && name((slot & 0xffffffffu) - 1) == s)
        return static_cast<NodeId>((slot & 0xffffffffu) - 1);
    }
  }

  NodeId intern(std::string_view s) {
    if (2 * (size() + 1) > static_cast<int64_t>(slots_.size())) grow();
    const uint64_t h = std::hash<std::string_view>{}(s);
    uint64_t i = h & mask_;
    for (;; i = (i + 1) & mask_) {
      const uint64_t slot = slots_[i];
      if (slot == 0) break;
      if ((slot >> 32) == (h >> 32) && name((slot & 0xffffffffu) - 1) == s)
        return static_cast<NodeId>((slot & 0xffffffffu) - 1);
    }
    const NodeId id = static_cast<NodeId>(size());
    slots_[i] = (h & ~uint64_t{0xffffffffu}) | (static_cast<uint64_t>(id) + 1);
    arena_.append(s);
    offsets_.push_back(arena_.size());
    return id;
  }

  std::vector<std::string> take_names() {
    std::vector<std::string> out;
    out.reserve(static_cast<size_t>(size()));
    for (NodeId v = 0; v < size(); ++v) out.emplace_back(name(v));
    *this = StringInterner{};
    return out;
  }

 private:
  std::string_view name(int64_t id) const {
    return std::string_view(arena_).substr(offsets_[id], offsets_[id + 1] - offsets_[id]);
  }
  void grow() {
    std::vector<uint64_t> old = std::move(slots_);
    slots_.assign(std::max<size_t>(1024, 2 * old.size()), 0);
    mask_ = slots_.size() - 1;
    for (uint64_t slot : old) {
      if (slot == 0) continue;
      uint64_t i = std::hash<std::string_view>{}(name((slot & 0xffffffffu) - 1)) & mask_;
      while (slots_[i] != 0) i = (i + 1) & mask_;
      slots_[i] = slot;
    }
  }

  std::vector<uint64_t> slots_;  // 0: empty, else (hash >> 32) << 32 | (id + 1)
  uint64_t mask_ = 0;
  std::string arena_;
  std::vector<size_t> offsets_{0};
};

}  // namespace

Graph load_edgelist(const std::string& path, const LoadOptions& options) {
  const std::string file = resolve_maybe_gz(path);
  ScanCounts counts;
  EdgeList edges;
  IdMap ids;
  NodeId num_nodes = 0;

  // Pass 1: integer ids.
  std::vector<int64_t> src, dst;
  std::vector<float> weight;
  bool integers = scan_edges(
      file, counts, [&](const LineReader&, std::string_view s, std::string_view d, float w) {
        int64_t u = 0, v = 0;
        if (!try_parse_int(s, u) || !try_parse_int(d, v)) return false;
        src.push_back(u);
        dst.push_back(v);
        if (counts.fields == 3) weight.push_back(w);
        return true;
      });
  if (counts.edge_lines == 0)  // (a file without edge lines never leaves integer mode)
    throw InputError(file, 0, "no edges found (expected lines 'src dst [weight]')");
  if (integers) {
    std::vector<int64_t> sorted = densify(src, dst, file);
    num_nodes = static_cast<NodeId>(sorted.size());
    ids = IdMap::integers(std::move(sorted));
    edges.src = narrow(std::move(src));
    edges.dst = narrow(std::move(dst));
  } else {
    // Pass 2: string ids, numbered in order of first appearance.
    src = {};
    dst = {};
    weight.clear();
    StringInterner names;
    std::string canon;
    auto intern = [&](const LineReader& reader, std::string_view raw) {
      if (raw.empty()) reader.fail("empty node id");
      // Integer literals by value (canonical_id: "007" is "7"), other ids exactly.
      std::string_view name = raw;
      if (is_integer_literal(raw)) name = canon = canonical_id(raw);
      if (names.size() >= kMaxNodes && !names.find(name))
        reader.fail("too many distinct node ids; at most " + std::to_string(kMaxNodes) +
                    " are supported");
      return names.intern(name);
    };
    scan_edges(file, counts,
               [&](const LineReader& reader, std::string_view s, std::string_view d, float w) {
                 edges.src.push_back(intern(reader, s));
                 edges.dst.push_back(intern(reader, d));
                 if (counts.fields == 3) weight.push_back(w);
                 return true;
               });
    num_nodes = static_cast<NodeId>(names.size());
    ids = IdMap::strings(names.take_names());
  }
  if (counts.fields == 3) edges.weight = std::move(weight);
  weight = {};

  Graph g;
  g.directed = options.directed.value_or(false);
  CsrBuildOptions build;
  build.symmetrize = !g.directed;
  build.drop_self_loops = !options.keep_self_loops;
  CsrBuildStats stats;
  g.csr = build_csr(std::move(edges), num_nodes, num_nodes, build, &stats);
  g.ids = std::move(ids);
  g.stats.add("input_edge_lines", counts.edge_lines);
  g.stats.add("comment_lines", counts.comment_lines);
  g.stats.add("self_loops_dropped", stats.self_loops);
  // Edge lines that repeat an earlier edge (in either direction when undirected).
  g.stats.add("duplicate_edges_merged", counts.edge_lines - stats.self_loops - g.num_edges());
  return g;
}

}  // namespace grl
