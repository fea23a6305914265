// Graph loaders, selected by a spec string "kind:argument":
//   edgelist:FILE      whitespace/comma separated edges, optional weight column, '#' comments
//   planetoid:PREFIX   LINQS raw form: PREFIX.content[.gz] + PREFIX.cites
//   blogcatalog:DIR    edges.csv + group-edges.csv (ASU form, comma or space separated)
//   ogb:DIR            OGB node-property-prediction raw layout
//   hetero:DIR         one <srctype>-<relation>-<dsttype>.txt per relation, optional <type>.labels
//   grl:DIR            grl's own binary format (grl convert), memory-mapped
//   synthetic:KIND?key=value&...   rmat | sbm | academic (see synthetic.h)
// Every loader reports bad input as InputError (file, line, what was expected).
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "host/graph/graph.h"

namespace grl {

struct LoadOptions {
  // Direction of the whole-graph CSR; unset means undirected (each edge stored both ways).
  // Hetero relations keep the direction of their files; reverse relations on request.
  std::optional<bool> directed;
  bool keep_self_loops = false;        // default: dropped and counted
  bool add_reverse_relations = false;  // hetero: add <dst>-rev_<rel>-<src> for each relation
  std::string split_scheme;            // ogb: split/<scheme>/; empty = the only one present
};

Graph load_graph(std::string_view spec, const LoadOptions& options = {});

Graph load_edgelist(const std::string& file, const LoadOptions& options);
Graph load_planetoid(const std::string& prefix, const LoadOptions& options);
Graph load_blogcatalog(const std::string& dir, const LoadOptions& options);
Graph load_ogb(const std::string& dir, const LoadOptions& options);
Graph load_hetero(const std::string& dir, const LoadOptions& options);

// grl's binary format (grl_format.cpp).
Graph load_grl(const std::string& dir);
void save_grl(const Graph& graph, const std::string& dir);

// Loader kinds, for help texts.
const char* graph_spec_help();

}  // namespace grl
