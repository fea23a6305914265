#include "host/io/loaders.h"

#include "host/core/error.h"
#include "host/io/synthetic.h"

namespace grl {

const char* graph_spec_help() {
  return "Graph specs:\n"
         "  edgelist:FILE         edge list (space/tab/comma separated, optional weight column,\n"
         "                        '#' comments, integer or string ids; .gz accepted)\n"
         "  planetoid:PREFIX      LINQS Cora/CiteSeer raw form: PREFIX.content[.gz], PREFIX.cites\n"
         "  blogcatalog:DIR       DIR/edges.csv + DIR/group-edges.csv (multi-label)\n"
         "  ogb:DIR               OGB node property prediction raw layout (edge.csv[.gz], ...)\n"
         "  hetero:DIR            DIR/<srctype>-<relation>-<dsttype>.txt, optional <type>.labels,\n"
         "                        optional <type>.nodes (isolated nodes)\n"
         "  grl:DIR               grl's binary format, written by `grl convert`\n"
         "  synthetic:KIND?k=v&.. generated graph: rmat, sbm or academic, e.g.\n"
         "                        synthetic:sbm?nodes=10000&classes=8&dim=64&degree=10\n"
         "                        synthetic:rmat?scale=20&edge_factor=16\n"
         "                        synthetic:academic?authors=2000&areas=4\n";
}

Graph load_graph(std::string_view spec, const LoadOptions& options) {
  size_t colon = spec.find(':');
  if (colon == std::string_view::npos || colon == 0)
    throw UsageError("graph spec '" + std::string(spec) +
                     "' has no kind; expected KIND:ARGUMENT, for example edgelist:edges.txt\n" +
                     graph_spec_help());
  std::string kind(spec.substr(0, colon));
  std::string arg(spec.substr(colon + 1));
  if (arg.empty()) throw UsageError("graph spec '" + std::string(spec) + "' has an empty argument");
  Graph g;
  if (kind == "edgelist")
    g = load_edgelist(arg, options);
  else if (kind == "planetoid")
    g = load_planetoid(arg, options);
  else if (kind == "blogcatalog")
    g = load_blogcatalog(arg, options);
  else if (kind == "ogb")
    g = load_ogb(arg, options);
  else if (kind == "hetero")
    g = load_hetero(arg, options);
  else if (kind == "grl")
    g = load_grl(arg);
  else if (kind == "synthetic")
    g = make_synthetic(arg);
  else
    throw UsageError("unknown graph kind '" + kind + "' in spec '" + std::string(spec) + "'\n" +
                     graph_spec_help());
  g.source = std::string(spec);
  return g;
}

}  // namespace grl
