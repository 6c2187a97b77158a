// Lays out a pipeline DAG with Graphviz (dot) and renders it as SVG that the web UI inlines.
#ifndef WEIR_WEB_DAG_SVG_H_
#define WEIR_WEB_DAG_SVG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace weir::web {

struct DagNode {
  std::string id;        // Unique, non-empty; used in the SVG element id "node-<id>".
  std::string label;     // First line of the box; the id when empty.
  std::string sublabel;  // Second line (e.g. the component type); omitted when empty.
};

struct DagEdge {
  std::string from;  // Node id of the upstream node.
  std::string to;    // Node id of the downstream node.
};

// Lays `nodes` and `edges` out left to right (rank by rank, as Graphviz's dot does) and returns
// an <svg> element without XML prolog, DOCTYPE or comments, ready to inline into HTML. Each node
// is a <g id="node-<id>" class="node"> (label and sublabel are its first and second <text>) and
// each edge a <g id="edge-<from>-<to>" class="edge">, so scripts can find them and style them
// with CSS classes; ids and labels are XML-escaped. Edges
// repeated between the same two nodes are drawn once; cycles are drawn, not rejected. No nodes
// gives an empty <svg>.
//
// Errors: InvalidArgument when a node id is empty, repeated, not valid UTF-8 or has control
// characters, when a label is not valid UTF-8, or when an edge names a node that is not in
// `nodes`; Internal when Graphviz fails. Thread-safe: calls are serialised, because Graphviz
// keeps global state.
absl::StatusOr<std::string> LayoutDagSvg(const std::vector<DagNode>& nodes,
                                         const std::vector<DagEdge>& edges);

}  // namespace weir::web

#endif  // WEIR_WEB_DAG_SVG_H_
