// A GraphSAGE model: architecture, the flat parameter vector and its layout, initialisation,
// and the checkpoint file (a section file with magic "GRLMODEL", written atomically and
// checksummed; loading a truncated or corrupted file is a clear error).
//
// Layer l (1 = input layer) of K maps d_in -> d_out:
//   z = concat(h_self, AGG({h_u})) W + b             W = [W_self; W_neigh], 2 d_in x d_out
//   h = relu(z) [, L2-normalised] [, dropout]        for l < K;  the logits for l = K
// pool aggregator: AGG = max_u relu(h_u W_pool + b_pool), W_pool d_in x d_in (Hamilton et al.).
// lstm aggregator: AGG = the last hidden state of an LSTM (H = lstm_hidden units) run over the
// sampled neighbours in a random order (kernels/lstm.h): W_ih d_in x 4H, W_hh H x 4H, b 4H,
// gates in the order i, f, g, o; then W_neigh is H x d_out.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace grl {

enum class SageAggregator : int { kMean = 0, kMax = 1, kPool = 2, kLstm = 3 };
const char* aggregator_name(SageAggregator a);
SageAggregator parse_aggregator(const std::string& s);  // throws UsageError

struct SageArch {
  SageAggregator aggregator = SageAggregator::kMean;
  int64_t in_dim = 0;
  int64_t hidden = 256;
  int64_t num_classes = 0;
  bool multi_label = false;
  bool normalize = false;     // L2-normalise hidden layers
  int64_t lstm_hidden = 128;  // LSTM units (lstm aggregator only)
  std::vector<int> fanouts;   // hop 1 first; one layer per fanout
  // Trained with the unsupervised loss: the last layer's num_classes outputs are an embedding,
  // L2-normalised by the engine (training and inference alike); there are no classes.
  bool unsupervised = false;
  int num_layers() const { return static_cast<int>(fanouts.size()); }
  int64_t layer_in(int l) const { return l == 1 ? in_dim : hidden; }
  int64_t layer_out(int l) const { return l == num_layers() ? num_classes : hidden; }
  // Width of layer l's aggregate: lstm_hidden for the LSTM, else the layer's input width.
  int64_t layer_agg(int l) const {
    return aggregator == SageAggregator::kLstm ? lstm_hidden : layer_in(l);
  }
};

// Offsets (in floats) of one layer's tensors inside the flat parameter vector; -1 = absent.
// W_neigh directly follows W_self (w_neigh = w_self + d_in * d_out): together they are the
// stacked (d_in + d_agg) x d_out matrix one GEMM multiplies [self | aggregate] by.
struct LayerParams {
  int64_t d_in = 0, d_out = 0, d_agg = 0;
  int64_t w_self = -1, w_neigh = -1, bias = -1, w_pool = -1, b_pool = -1;
  int64_t w_ih = -1, w_hh = -1, b_lstm = -1;
};

// The parameter layout of an architecture, without the parameters (for sizing an engine).
// Throws UsageError / ConfigError for an architecture that cannot be built.
struct ParamLayout {
  std::vector<LayerParams> layers;  // index l - 1
  int64_t num_params = 0;
};
ParamLayout param_layout(const SageArch& arch);

class SageModel {
 public:
  SageModel() = default;
  explicit SageModel(SageArch arch);

  const SageArch& arch() const { return arch_; }
  const LayerParams& layer(int l) const { return layers_[l - 1]; }
  int64_t num_params() const { return num_params_; }
  std::vector<float>& params() { return params_; }
  const std::vector<float>& params() const { return params_; }

  // Glorot-uniform weights, zero biases, drawn from Philox keyed by (seed, tensor, index):
  // identical on every backend and thread count.
  void initialize(uint64_t seed);

  // Class names and training metadata travel with the weights.
  std::vector<std::string> class_names;
  std::string trained_on;   // graph spec
  std::string config_json;  // the training configuration, for the record
  // Attribute-table encoder (host/io/feature_table.h) as JSON, "" when none, and the width of
  // the graph's own features the table's columns were appended to.
  std::string feature_encoder_json;
  int64_t base_feature_dim = 0;
  // "row": the features were row-normalised for training (sage_config.h's FeatureNorm), and
  // inference does the same; "" when they were used as loaded.
  std::string feature_norm;

  void save(const std::string& path) const;  // atomic
  static SageModel load(const std::string& path);

 private:
  SageArch arch_;
  std::vector<LayerParams> layers_;
  int64_t num_params_ = 0;
  std::vector<float> params_;
};

}  // namespace grl
