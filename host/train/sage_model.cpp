#include "host/train/sage_model.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "host/core/error.h"
#include "host/io/section_file.h"
#include "kernels/common/philox.h"

namespace grl {

namespace {
constexpr char kMagic[] = "GRLMODEL";
constexpr uint32_t kVersion = 2;  // 2: stacked [W_self; W_neigh]
int64_t align64(int64_t x) { return (x + 63) / 64 * 64; }
}  // namespace

const char* aggregator_name(SageAggregator a) {
  switch (a) {
    case SageAggregator::kMean:
      return "mean";
    case SageAggregator::kMax:
      return "max";
    case SageAggregator::kPool:
      return "pool";
    case SageAggregator::kLstm:
      return "lstm";
  }
  return "?";
}

SageAggregator parse_aggregator(const std::string& s) {
  if (s == "mean") return SageAggregator::kMean;
  if (s == "max") return SageAggregator::kMax;
  if (s == "pool") return SageAggregator::kPool;
  if (s == "lstm") return SageAggregator::kLstm;
  throw UsageError("unknown aggregator '" + s + "' (expected mean, max, pool or lstm)");
}

ParamLayout param_layout(const SageArch& arch) {
  if (arch.in_dim <= 0) throw UsageError("the graph has no node features; GraphSAGE needs them");
  if (arch.num_classes <= 0) throw UsageError("the graph has no labels to train on");
  if (arch.hidden <= 0) throw ConfigError("{hidden} must be positive");
  if (arch.fanouts.empty()) throw UsageError("at least one fanout (layer) is needed");
  const bool lstm = arch.aggregator == SageAggregator::kLstm;
  if (lstm && arch.lstm_hidden <= 0) throw ConfigError("{lstm_hidden} must be positive");
  if (lstm)
    for (int f : arch.fanouts)
      if (f > 255)
        throw UsageError("the lstm aggregator takes fanouts up to 255 (got " + std::to_string(f) +
                         ")");
  ParamLayout out;
  int64_t off = 0;
  auto take = [&](int64_t n) {
    int64_t at = off;
    off = align64(off + n);
    return at;
  };
  for (int l = 1; l <= arch.num_layers(); ++l) {
    LayerParams p;
    p.d_in = arch.layer_in(l);
    p.d_out = arch.layer_out(l);
    p.d_agg = arch.layer_agg(l);
    p.w_self = take((p.d_in + p.d_agg) * p.d_out);
    p.w_neigh = p.w_self + p.d_in * p.d_out;
    p.bias = take(p.d_out);
    if (arch.aggregator == SageAggregator::kPool) {
      p.w_pool = take(p.d_in * p.d_in);
      p.b_pool = take(p.d_in);
    }
    if (lstm) {
      const int64_t H = arch.lstm_hidden;
      p.w_ih = take(p.d_in * 4 * H);
      p.w_hh = take(H * 4 * H);
      p.b_lstm = take(4 * H);
    }
    out.layers.push_back(p);
  }
  out.num_params = off;
  return out;
}

SageModel::SageModel(SageArch arch) : arch_(std::move(arch)) {
  ParamLayout pl = param_layout(arch_);
  layers_ = std::move(pl.layers);
  num_params_ = pl.num_params;
  params_.assign(static_cast<size_t>(num_params_), 0.0f);
}

void SageModel::initialize(uint64_t seed) {
  std::fill(params_.begin(), params_.end(), 0.0f);
  uint32_t tensor = 0;
  auto uniform = [&](int64_t at, int64_t n, float a) {
    for (int64_t i = 0; i < n; ++i) {
      Philox4 r = philox(seed, RandomPurpose::kInit, tensor, static_cast<uint32_t>(i / 4),
                         static_cast<uint32_t>(i / 4 >> 32));
      params_[at + i] = random_uniform(r.v[i % 4], -a, a);
    }
    ++tensor;
  };
  auto glorot = [&](int64_t at, int64_t fan_in, int64_t fan_out) {
    uniform(at, fan_in * fan_out, std::sqrt(6.0f / static_cast<float>(fan_in + fan_out)));
  };
  for (const LayerParams& p : layers_) {
    glorot(p.w_self, p.d_in, p.d_out);
    glorot(p.w_neigh, p.d_agg, p.d_out);
    if (p.w_pool >= 0) glorot(p.w_pool, p.d_in, p.d_in);
  }
  // LSTM: U(-1/sqrt(H), 1/sqrt(H)) as PyTorch's nn.LSTM, forget-gate bias 1 (TensorFlow's
  // BasicLSTMCell, which the GraphSAGE reference code uses).
  for (const LayerParams& p : layers_) {
    if (p.w_ih < 0) continue;
    const int64_t H = arch_.lstm_hidden;
    const float a = 1.0f / std::sqrt(static_cast<float>(H));
    uniform(p.w_ih, p.d_in * 4 * H, a);
    uniform(p.w_hh, H * 4 * H, a);
    for (int64_t k = 0; k < H; ++k) params_[p.b_lstm + H + k] = 1.0f;
  }
}

void SageModel::save(const std::string& path) const {
  nlohmann::json meta;
  meta["aggregator"] = aggregator_name(arch_.aggregator);
  meta["in_dim"] = arch_.in_dim;
  meta["hidden"] = arch_.hidden;
  meta["num_classes"] = arch_.num_classes;
  meta["multi_label"] = arch_.multi_label;
  meta["normalize"] = arch_.normalize;
  meta["lstm_hidden"] = arch_.lstm_hidden;
  meta["unsupervised"] = arch_.unsupervised;
  meta["fanouts"] = arch_.fanouts;
  meta["num_params"] = num_params_;
  meta["class_names"] = class_names;
  meta["trained_on"] = trained_on;
  meta["config"] = config_json;
  meta["feature_encoder"] = feature_encoder_json;
  meta["base_feature_dim"] = base_feature_dim;
  if (!feature_norm.empty()) meta["feature_norm"] = feature_norm;
  SectionWriter w(kMagic, kVersion);
  w.add_text("meta", meta.dump());
  w.add("params", params_);
  w.write_atomic(path);
}

SageModel SageModel::load(const std::string& path) {
  SectionFile f(path, kMagic, kVersion);
  if (f.version() != kVersion)
    throw InputError(path, 0,
                     "model format version " + std::to_string(f.version()) +
                         " was written by an older grl whose weight layout differs; retrain it");
  try {
    nlohmann::json meta = nlohmann::json::parse(f.text("meta"));
    SageArch a;
    a.aggregator = parse_aggregator(meta.at("aggregator").get<std::string>());
    a.in_dim = meta.at("in_dim").get<int64_t>();
    a.hidden = meta.at("hidden").get<int64_t>();
    a.num_classes = meta.at("num_classes").get<int64_t>();
    a.multi_label = meta.at("multi_label").get<bool>();
    a.normalize = meta.at("normalize").get<bool>();
    a.lstm_hidden = meta.value("lstm_hidden", int64_t{128});
    a.unsupervised = meta.value("unsupervised", false);  // absent in files before it existed
    a.fanouts = meta.at("fanouts").get<std::vector<int>>();
    SageModel m(a);
    Array<float> p = f.array<float>("params");
    if (static_cast<int64_t>(p.size()) != m.num_params_ ||
        meta.at("num_params").get<int64_t>() != m.num_params_)
      throw InputError(path, 0, "parameter count does not match the architecture");
    m.params_.assign(p.begin(), p.end());
    m.class_names = meta.at("class_names").get<std::vector<std::string>>();
    m.trained_on = meta.at("trained_on").get<std::string>();
    m.config_json = meta.at("config").get<std::string>();
    m.feature_encoder_json = meta.value("feature_encoder", std::string());
    m.base_feature_dim = meta.value("base_feature_dim", int64_t{0});
    m.feature_norm = meta.value("feature_norm", std::string());
    if (!m.feature_norm.empty() && m.feature_norm != "row")
      throw InputError(path, 0, "unknown feature_norm '" + m.feature_norm + "' (expected row)");
    return m;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path, 0, std::string("bad model metadata: ") + e.what());
  } catch (const UsageError& e) {
    throw InputError(path, 0, std::string("bad model metadata: ") + e.what());
  }
}

}  // namespace grl
