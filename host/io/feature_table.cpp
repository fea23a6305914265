#include "host/io/feature_table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "host/core/error.h"
#include "host/io/label_file.h"
#include "host/io/text_reader.h"

namespace grl {

namespace {

bool is_missing(std::string_view v) {
  return v.empty() || v == "NA" || v == "NaN" || v == "nan" || v == "null" || v == "NULL";
}

// Splits one CSV line on commas; double quotes protect commas ("" is a quote inside quotes).
void split_csv(std::string_view line, const LineReader& r, std::vector<std::string>& out) {
  out.clear();
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (quoted) r.fail("unterminated quoted field");
  out.push_back(cur);
  for (std::string& f : out) {  // trim blanks around fields
    size_t a = f.find_first_not_of(" \t"), b = f.find_last_not_of(" \t");
    f = a == std::string::npos ? std::string() : f.substr(a, b - a + 1);
  }
}

std::vector<std::string> tokens(const std::string& v) {
  std::vector<std::string> t;
  size_t i = 0;
  while (i < v.size()) {
    while (i < v.size() && (v[i] == ' ' || v[i] == '\t')) ++i;
    size_t j = i;
    while (j < v.size() && v[j] != ' ' && v[j] != '\t') ++j;
    if (j > i) t.push_back(v.substr(i, j - i));
    i = j;
  }
  return t;
}

// Node lookup by the names grl writes: the external id, "type:id" for heterogeneous graphs.

struct Table {
  std::vector<std::string> header;
  size_t id_col = 0;
  std::vector<std::vector<std::string>> rows;
  std::vector<int64_t> lines;
};

Table read_table(const std::string& path, const std::string& id_column) {
  LineReader r(path);
  Table t;
  std::string_view line;
  std::vector<std::string> f;
  bool have_header = false;
  while (r.next(line)) {
    if (is_blank_or_comment(line)) continue;
    split_csv(line, r, f);
    if (!have_header) {
      t.header = f;
      have_header = true;
      bool found = false;
      for (size_t c = 0; c < f.size() && !found; ++c) {
        std::string lower = f[c];
        std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
        if (id_column.empty() ? (lower == "id" || lower == "node" || lower == "node_id")
                              : f[c] == id_column) {
          t.id_col = c;
          found = true;
        }
      }
      if (!found)
        r.fail(id_column.empty() ? "no node id column in the header (looked for id, node, node_id; "
                                   "name it with {id_column})"
                                 : "no column named '" + id_column + "' in the header");
      if (f.size() < 2) r.fail("the table has no attribute columns besides the node id");
      continue;
    }
    if (f.size() != t.header.size())
      r.fail("expected " + std::to_string(t.header.size()) + " fields as in the header, got " +
             std::to_string(f.size()));
    t.rows.push_back(f);
    t.lines.push_back(r.line_number());
  }
  if (!have_header) throw InputError(path, 0, "empty table (expected a header line)");
  return t;
}

}  // namespace

FeatureEncoder FeatureEncoder::fit(const std::string& path, const Graph& g,
                                   const FeatureTableOptions& o) {
  Table t = read_table(path, o.id_column);
  if (t.rows.empty())
    throw InputError(path, 0, "the table has a header but no rows: no node would get features");
  FeatureEncoder e;
  e.id_column_ = t.header[t.id_col];
  for (const std::string& c : o.categorical)
    if (std::find(t.header.begin(), t.header.end(), c) == t.header.end())
      throw ConfigError("{categorical} " + c + ": no such column in " + path);
  for (size_t c = 0; c < t.header.size(); ++c) {
    if (c == t.id_col) continue;
    FeatureColumn col;
    col.name = t.header[c];
    const bool forced =
        std::find(o.categorical.begin(), o.categorical.end(), col.name) != o.categorical.end();
    // The first present value decides between numeric and text.
    const std::string* first = nullptr;
    for (const auto& row : t.rows)
      if (!is_missing(row[c])) {
        first = &row[c];
        break;
      }
    double dummy;
    if (!forced && first && try_parse_double(*first, dummy))
      col.kind = FeatureColumn::kNumeric;
    else {
      col.kind = FeatureColumn::kCategorical;
      for (const auto& row : t.rows)
        if (!forced && !is_missing(row[c]) && tokens(row[c]).size() > 1)
          col.kind = FeatureColumn::kBagOfWords;
    }
    std::set<std::string> vocab;
    double sum = 0, sumsq = 0, lo = 0, hi = 0;
    int64_t present = 0;
    for (size_t i = 0; i < t.rows.size(); ++i) {
      const std::string& v = t.rows[i][c];
      if (is_missing(v)) {
        col.missing_indicator = true;
        continue;
      }
      if (col.kind == FeatureColumn::kNumeric) {
        double x;
        if (!try_parse_double(v, x) || !std::isfinite(x))
          throw InputError(path, t.lines[i],
                           "column '" + col.name + "': expected a number, got " + quote_field(v) +
                               " (the column's first value is numeric; list it in {categorical} "
                               "to treat it as a category)");
        sum += x;
        sumsq += x * x;
        lo = present ? std::min(lo, x) : x;
        hi = present ? std::max(hi, x) : x;
        ++present;
      } else if (col.kind == FeatureColumn::kCategorical) {
        vocab.insert(v);
      } else {
        for (const std::string& tok : tokens(v)) vocab.insert(tok);
      }
    }
    if (col.kind == FeatureColumn::kNumeric && present > 0) {
      const double mean = sum / present;
      const double var = std::max(0.0, sumsq / present - mean * mean);
      if (o.standardize) {
        col.mean = mean;
        col.scale = var > 0 ? std::sqrt(var) : 1.0;
      } else if (std::max(std::fabs(lo), std::fabs(hi)) > kUnitScaleLimit ||
                 std::sqrt(var) > kUnitScaleLimit / 5) {
        // Raw values near 1000 next to 0/1 indicators make the first layer's products explode
        // (a run was seen to diverge and predict one class for every node).
        char buf[200];
        std::snprintf(buf, sizeof buf, "ranges from %.4g to %.4g (sd %.3g)", lo, hi,
                      std::sqrt(var));
        e.warnings_.push_back("column '" + col.name + "' " + buf +
                              ": far from unit scale, which trains poorly; standardise the "
                              "numeric columns with {standardize}");
      }
    }
    col.vocab.assign(vocab.begin(), vocab.end());
    e.columns_.push_back(std::move(col));
  }
  // Graph nodes without a row are all-missing: every column then needs an indicator.
  if (static_cast<int64_t>(t.rows.size()) < g.num_nodes())
    for (FeatureColumn& col : e.columns_) col.missing_indicator = true;
  return e;
}

int64_t FeatureEncoder::dim() const {
  int64_t d = 0;
  for (const FeatureColumn& c : columns_)
    d += (c.kind == FeatureColumn::kNumeric ? 1 : static_cast<int64_t>(c.vocab.size())) +
         (c.missing_indicator ? 1 : 0);
  return d;
}

std::vector<float> FeatureEncoder::encode(const std::string& path, const Graph& g,
                                          FeatureTableReport* report) const {
  Table t = read_table(path, id_column_);
  // Columns by name: the table may order them differently from the one the model saw.
  std::vector<int64_t> where(columns_.size(), -1);
  for (size_t k = 0; k < columns_.size(); ++k)
    for (size_t c = 0; c < t.header.size(); ++c)
      if (t.header[c] == columns_[k].name) where[k] = static_cast<int64_t>(c);
  for (size_t k = 0; k < columns_.size(); ++k)
    if (where[k] < 0)
      throw InputError(path, 1,
                       "missing column '" + columns_[k].name + "' (the model was trained with it)");
  const int64_t D = dim();
  const NodeId n = g.num_nodes();
  std::vector<float> out(static_cast<size_t>(n) * D, 0.0f);
  std::vector<char> has_row(n, 0);
  FeatureTableReport rep;
  rep.rows = static_cast<int64_t>(t.rows.size());
  NodeNameIndex index(g);
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const auto& row = t.rows[i];
    auto v = index.find(row[t.id_col]);
    if (!v)
      throw InputError(path, t.lines[i],
                       "node id " + quote_field(row[t.id_col]) + " is not in the graph");
    if (has_row[*v])
      throw InputError(path, t.lines[i],
                       "node id " + quote_field(row[t.id_col]) + " has a second row");
    has_row[*v] = 1;
    float* x = out.data() + int64_t{*v} * D;
    int64_t at = 0;
    for (size_t k = 0; k < columns_.size(); ++k) {
      const FeatureColumn& col = columns_[k];
      const std::string& s = row[where[k]];
      const int64_t width =
          col.kind == FeatureColumn::kNumeric ? 1 : static_cast<int64_t>(col.vocab.size());
      if (is_missing(s)) {
        ++rep.missing_values;
        if (col.missing_indicator) x[at + width] = 1.0f;
      } else if (col.kind == FeatureColumn::kNumeric) {
        double val;
        if (!try_parse_double(s, val) || !std::isfinite(val))
          throw InputError(path, t.lines[i],
                           "column '" + col.name + "': expected a number, got " + quote_field(s));
        x[at] = static_cast<float>((val - col.mean) / col.scale);
      } else {
        const std::vector<std::string> toks =
            col.kind == FeatureColumn::kCategorical ? std::vector<std::string>{s} : tokens(s);
        for (const std::string& tok : toks) {
          auto it = std::lower_bound(col.vocab.begin(), col.vocab.end(), tok);
          if (it != col.vocab.end() && *it == tok)
            x[at + (it - col.vocab.begin())] = 1.0f;
          else
            ++rep.unseen_categories;
        }
      }
      at += width + (col.missing_indicator ? 1 : 0);
    }
  }
  for (NodeId v = 0; v < n; ++v) {
    if (has_row[v]) continue;
    ++rep.nodes_without_row;
    int64_t at = 0;
    for (const FeatureColumn& col : columns_) {
      const int64_t width =
          col.kind == FeatureColumn::kNumeric ? 1 : static_cast<int64_t>(col.vocab.size());
      if (col.missing_indicator) out[int64_t{v} * D + at + width] = 1.0f;
      at += width + (col.missing_indicator ? 1 : 0);
    }
  }
  if (report) *report = rep;
  return out;
}

std::string FeatureEncoder::to_json() const {
  nlohmann::json j;
  j["id_column"] = id_column_;
  nlohmann::json cols = nlohmann::json::array();
  for (const FeatureColumn& c : columns_)
    cols.push_back({{"kind", static_cast<int>(c.kind)},
                    {"name", c.name},
                    {"vocab", c.vocab},
                    {"mean", c.mean},
                    {"scale", c.scale},
                    {"missing_indicator", c.missing_indicator}});
  j["columns"] = cols;
  return j.dump();
}

FeatureEncoder FeatureEncoder::from_json(const std::string& s) {
  nlohmann::json j = nlohmann::json::parse(s);
  FeatureEncoder e;
  e.id_column_ = j.at("id_column").get<std::string>();
  for (const auto& c : j.at("columns")) {
    FeatureColumn col;
    col.kind = static_cast<FeatureColumn::Kind>(c.at("kind").get<int>());
    col.name = c.at("name").get<std::string>();
    col.vocab = c.at("vocab").get<std::vector<std::string>>();
    col.mean = c.at("mean").get<double>();
    col.scale = c.at("scale").get<double>();
    col.missing_indicator = c.at("missing_indicator").get<bool>();
    e.columns_.push_back(std::move(col));
  }
  return e;
}

void append_features(Graph& g, const std::vector<float>& values, int64_t dim) {
  const NodeId n = g.num_nodes();
  const int64_t old = g.features.dim, total = old + dim;
  std::vector<float> f(static_cast<size_t>(n) * total);
  for (NodeId v = 0; v < n; ++v) {
    if (old) std::copy(g.features.row(v), g.features.row(v) + old, f.begin() + int64_t{v} * total);
    std::copy(values.begin() + int64_t{v} * dim, values.begin() + int64_t{v + 1} * dim,
              f.begin() + int64_t{v} * total + old);
  }
  g.features.rows = n;
  g.features.dim = total;
  g.features.values = Array<float>(std::move(f));
  g.features.bag_of_words = false;  // the table's columns are not word counts
}

}  // namespace grl
