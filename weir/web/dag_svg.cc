#include "weir/web/dag_svg.h"

#include <gvc.h>

#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "weir/base/plugin.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/base/utf8.h"

namespace weir::web {
namespace {

// Graphviz keeps global state (attribute prototypes, error handler, static buffers in its XML
// escaping), so every call into it holds this mutex.
std::mutex graphviz_mutex;
// Messages Graphviz reported during the current call (guarded by graphviz_mutex).
std::string* graphviz_messages = nullptr;

int CaptureGraphvizMessage(char* message) {
  if (graphviz_messages != nullptr) graphviz_messages->append(message);
  return 0;
}

// Graphviz (libgvc, libcgraph and two of its plug-ins) is loaded the first time a graph is laid
// out rather than linked: its eight libraries cost every weir command ~2 ms of start-up, and only
// the web UI draws graphs. The plug-ins are given to Graphviz as built-ins rather than found
// through its plug-in configuration file (config6a): no search path, no text-layout plug-in that
// pulls in Pango, Cairo and fontconfig, and the same layout whichever fonts the host has.
struct LibGvc {
  decltype(&::gvContextPlugins) gvContextPlugins;
  decltype(&::gvLayout) gvLayout;
  decltype(&::gvFreeLayout) gvFreeLayout;
  decltype(&::gvRenderData) gvRenderData;
  decltype(&::gvFreeRenderData) gvFreeRenderData;
};
struct LibCgraph {
  decltype(&::agseterrf) agseterrf;
  decltype(&::agopen) agopen;
  decltype(&::agclose) agclose;
  decltype(&::agattr) agattr;
  decltype(&::agnode) agnode;
  decltype(&::agedge) agedge;
  decltype(&::agset) agset;
  Agdesc_t* Agstrictdirected;
};
// Each plug-in library's table of what it brings: the svg renderer, the dot layout engine.
struct GvPluginCore {
  gvplugin_library_t* library;
};
struct GvPluginDotLayout {
  gvplugin_library_t* library;
};

struct Graphviz {
  const LibGvc* gvc;
  const LibCgraph* cgraph;
  GVC_t* context;
};

constexpr char kNeededBy[] = "drawing the pipeline graph needs Graphviz (Debian package libgvc6)";

absl::StatusOr<Graphviz> LoadGraphviz() {
  ASSIGN_OR_RETURN(const LibCgraph* cgraph,
                   base::LoadLibraryOnce<LibCgraph>(
                       "libcgraph.so.6", kNeededBy, [](base::LibraryBinder& bind, LibCgraph& lib) {
                         bind("agseterrf", lib.agseterrf)("agopen", lib.agopen)(
                             "agclose", lib.agclose)("agattr", lib.agattr)("agnode", lib.agnode)(
                             "agedge", lib.agedge)("agset", lib.agset)("Agstrictdirected",
                                                                       lib.Agstrictdirected);
                       }));
  ASSIGN_OR_RETURN(const LibGvc* gvc,
                   base::LoadLibraryOnce<LibGvc>(
                       "libgvc.so.6", kNeededBy, [](base::LibraryBinder& bind, LibGvc& lib) {
                         bind("gvContextPlugins", lib.gvContextPlugins)("gvLayout", lib.gvLayout)(
                             "gvFreeLayout", lib.gvFreeLayout)("gvRenderData", lib.gvRenderData)(
                             "gvFreeRenderData", lib.gvFreeRenderData);
                       }));
  ASSIGN_OR_RETURN(const GvPluginCore* core,
                   base::LoadLibraryOnce<GvPluginCore>(
                       WEIR_GRAPHVIZ_PLUGIN_DIR "/libgvplugin_core.so.6", kNeededBy,
                       [](base::LibraryBinder& bind, GvPluginCore& lib) {
                         bind("gvplugin_core_LTX_library", lib.library);
                       }));
  ASSIGN_OR_RETURN(const GvPluginDotLayout* dot_layout,
                   base::LoadLibraryOnce<GvPluginDotLayout>(
                       WEIR_GRAPHVIZ_PLUGIN_DIR "/libgvplugin_dot_layout.so.6", kNeededBy,
                       [](base::LibraryBinder& bind, GvPluginDotLayout& lib) {
                         bind("gvplugin_dot_layout_LTX_library", lib.library);
                       }));
  // Created once and kept for the life of the process.
  static GVC_t* const context = [&] {
    static const lt_symlist_t kBuiltins[] = {
        {"gvplugin_core_LTX_library", core->library},
        {"gvplugin_dot_layout_LTX_library", dot_layout->library},
        {nullptr, nullptr},
    };
    cgraph->agseterrf(CaptureGraphvizMessage);
    return gvc->gvContextPlugins(kBuiltins, /*demand_loading=*/0);
  }();
  if (context == nullptr) return absl::InternalError("Graphviz: could not create a context");
  return Graphviz{gvc, cgraph, context};
}

char* C(const char* text) { return const_cast<char*>(text); }

absl::Status CheckText(std::string_view text, std::string_view what, bool allow_control) {
  if (size_t at = base::FindInvalidUtf8(text); at != std::string_view::npos) {
    return absl::InvalidArgumentError(
        StrCat(what, " is not valid UTF-8 (at byte ", at, "); pass UTF-8 text"));
  }
  if (!allow_control) {
    for (char c : text) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return absl::InvalidArgumentError(
            StrCat(what, " contains a control character; node ids must be printable"));
      }
    }
  }
  return absl::OkStatus();
}

// Text for Graphviz: '&' as "&amp;" always (its SVG writer leaves a '&' that starts an entity
// alone, so "&lt;" would come out as '<'; escaped, the output decodes to the input). In an
// escString (`id` attributes, labels) Graphviz also expands backslash sequences
// (\N is the node name, \n a line break, ...), so there '\' is doubled; in a label, control
// characters become spaces. (HTML-like labels would allow a smaller font for the sublabel, but
// Graphviz 2.42 leaks 72 bytes per line of them on every layout.)
enum class GraphvizText { kName, kEscString, kLabel };

std::string EscapeFor(GraphvizText kind, std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '\\' && kind != GraphvizText::kName) {
      out += "\\\\";
    } else if (kind == GraphvizText::kLabel &&
               (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string Label(const DagNode& node) {
  std::string label = EscapeFor(GraphvizText::kLabel, node.label.empty() ? node.id : node.label);
  if (!node.sublabel.empty())
    label += StrCat("\\n", EscapeFor(GraphvizText::kLabel, node.sublabel));
  return label;
}

// Graphviz's SVG starts with an XML prolog, a DOCTYPE and comments, and writes '-' as "&#45;"
// (to keep "--" out of comments). Keeps the <svg> element only, without comments, with plain '-'.
std::string InlineableSvg(std::string_view svg) {
  size_t start = svg.find("<svg");
  if (start == std::string_view::npos) return "";
  svg.remove_prefix(start);
  std::string out;
  out.reserve(svg.size());
  while (!svg.empty()) {
    size_t comment = svg.find("<!--");
    out.append(svg.substr(0, comment));
    if (comment == std::string_view::npos) break;
    size_t end = svg.find("-->", comment);
    svg.remove_prefix(end == std::string_view::npos ? svg.size() : end + 3);
    if (!svg.empty() && svg.front() == '\n') svg.remove_prefix(1);
  }
  std::string result;
  result.reserve(out.size());
  std::string_view rest = out;
  constexpr std::string_view kDash = "&#45;";
  while (true) {
    size_t dash = rest.find(kDash);
    result.append(rest.substr(0, dash));
    if (dash == std::string_view::npos) break;
    result += '-';
    rest.remove_prefix(dash + kDash.size());
  }
  while (!result.empty() && (result.back() == '\n' || result.back() == ' ')) result.pop_back();
  return result;
}

struct PreparedNode {
  std::string name;  // Graphviz node name: shown as the SVG <title> (a tooltip in browsers).
  std::string id_attribute;
  std::string label;
};

struct PreparedEdge {
  size_t from;
  size_t to;
  std::string id_attribute;
};

// Requires graphviz_mutex.
absl::StatusOr<std::string> RenderLocked(const std::vector<PreparedNode>& nodes,
                                         const std::vector<PreparedEdge>& edges) {
  ASSIGN_OR_RETURN(const Graphviz graphviz, LoadGraphviz());
  const LibGvc& gvc = *graphviz.gvc;
  const LibCgraph& cgraph = *graphviz.cgraph;
  GVC_t* const context = graphviz.context;
  std::string messages;
  graphviz_messages = &messages;
  struct ClearMessages {
    ~ClearMessages() { graphviz_messages = nullptr; }
  } clear_messages;
  auto graphviz_error = [&](std::string_view what) {
    return absl::InternalError(
        StrCat("Graphviz ", what, " failed", messages.empty() ? "" : ": ", messages));
  };

  std::unique_ptr<Agraph_t, int (*)(Agraph_t*)> graph(
      cgraph.agopen(C("dag"), *cgraph.Agstrictdirected, nullptr), cgraph.agclose);
  if (graph == nullptr) return graphviz_error("agopen");
  Agraph_t* g = graph.get();
  cgraph.agattr(g, AGRAPH, C("rankdir"), C("LR"));
  cgraph.agattr(g, AGRAPH, C("bgcolor"), C("transparent"));
  cgraph.agattr(g, AGRAPH, C("nodesep"), C("0.3"));
  cgraph.agattr(g, AGRAPH, C("ranksep"), C("0.45"));
  cgraph.agattr(g, AGNODE, C("shape"), C("box"));
  cgraph.agattr(g, AGNODE, C("style"), C("rounded,filled"));
  cgraph.agattr(g, AGNODE, C("fillcolor"), C("white"));
  cgraph.agattr(g, AGNODE, C("color"), C("#888888"));
  cgraph.agattr(g, AGNODE, C("fontname"), C("Helvetica"));
  cgraph.agattr(g, AGNODE, C("fontsize"), C("12"));
  cgraph.agattr(g, AGNODE, C("margin"), C("0.15,0.06"));
  cgraph.agattr(g, AGNODE, C("label"), C(""));
  cgraph.agattr(g, AGNODE, C("id"), C(""));
  cgraph.agattr(g, AGEDGE, C("id"), C(""));
  cgraph.agattr(g, AGEDGE, C("color"), C("#888888"));
  cgraph.agattr(g, AGEDGE, C("arrowsize"), C("0.7"));

  std::vector<Agnode_t*> graph_nodes;
  graph_nodes.reserve(nodes.size());
  for (const PreparedNode& node : nodes) {
    Agnode_t* n = cgraph.agnode(g, C(node.name.c_str()), 1);
    if (n == nullptr) return graphviz_error("agnode");
    cgraph.agset(n, C("id"), C(node.id_attribute.c_str()));
    cgraph.agset(n, C("label"), C(node.label.c_str()));
    graph_nodes.push_back(n);
  }
  for (const PreparedEdge& edge : edges) {
    Agnode_t* tail = graph_nodes[edge.from];
    Agnode_t* head = graph_nodes[edge.to];
    if (cgraph.agedge(g, tail, head, nullptr, 0) != nullptr) continue;  // Drawn once.
    Agedge_t* e = cgraph.agedge(g, tail, head, nullptr, 1);
    if (e == nullptr) return graphviz_error("agedge");
    cgraph.agset(e, C("id"), C(edge.id_attribute.c_str()));
  }

  if (gvc.gvLayout(context, g, "dot") != 0) return graphviz_error("dot layout");
  struct FreeLayout {
    const LibGvc& gvc;
    GVC_t* context;
    Agraph_t* g;
    ~FreeLayout() { gvc.gvFreeLayout(context, g); }
  } free_layout{gvc, context, g};
  char* data = nullptr;
  unsigned int size = 0;
  if (gvc.gvRenderData(context, g, "svg", &data, &size) != 0 || data == nullptr) {
    if (data != nullptr) gvc.gvFreeRenderData(data);
    return graphviz_error("svg rendering");
  }
  std::string svg = InlineableSvg(std::string_view(data, size));
  gvc.gvFreeRenderData(data);
  if (svg.empty()) return graphviz_error("svg rendering (no <svg> element)");
  return svg;
}

}  // namespace

absl::StatusOr<std::string> LayoutDagSvg(const std::vector<DagNode>& nodes,
                                         const std::vector<DagEdge>& edges) {
  std::vector<PreparedNode> prepared_nodes;
  prepared_nodes.reserve(nodes.size());
  std::unordered_map<std::string_view, size_t> index_of;
  for (const DagNode& node : nodes) {
    if (node.id.empty()) {
      return absl::InvalidArgumentError(
          StrCat("DAG node ", prepared_nodes.size(), " has an empty id; give every node an id"));
    }
    RETURN_IF_ERROR(CheckText(node.id, StrCat("DAG node id \"", node.id, "\""), false));
    RETURN_IF_ERROR(CheckText(node.label, StrCat("label of DAG node \"", node.id, "\""), true));
    RETURN_IF_ERROR(
        CheckText(node.sublabel, StrCat("sublabel of DAG node \"", node.id, "\""), true));
    if (!index_of.emplace(node.id, prepared_nodes.size()).second) {
      return absl::InvalidArgumentError(
          StrCat("DAG node id \"", node.id, "\" appears twice; node ids must be unique"));
    }
    prepared_nodes.push_back({EscapeFor(GraphvizText::kName, node.id),
                              StrCat("node-", EscapeFor(GraphvizText::kEscString, node.id)),
                              Label(node)});
  }
  std::vector<PreparedEdge> prepared_edges;
  prepared_edges.reserve(edges.size());
  for (const DagEdge& edge : edges) {
    auto from = index_of.find(edge.from);
    auto to = index_of.find(edge.to);
    if (from == index_of.end() || to == index_of.end()) {
      const std::string& missing = from == index_of.end() ? edge.from : edge.to;
      return absl::InvalidArgumentError(
          StrCat("DAG edge \"", edge.from, "\" -> \"", edge.to, "\": node \"", missing,
                 "\" is not among the nodes; add it or drop the edge"));
    }
    prepared_edges.push_back({from->second, to->second,
                              StrCat("edge-", EscapeFor(GraphvizText::kEscString, edge.from), "-",
                                     EscapeFor(GraphvizText::kEscString, edge.to))});
  }

  std::lock_guard<std::mutex> lock(graphviz_mutex);
  return RenderLocked(prepared_nodes, prepared_edges);
}

}  // namespace weir::web
