#include "weir/web/dag_svg.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace weir::web {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The Chicago-taxi pipeline of the TFX tutorial, with ids that need escaping in places.
std::vector<DagNode> TaxiNodes() {
  return {
      {"CsvExampleGen", "CsvExampleGen", "CsvExampleGen"},
      {"StatisticsGen", "StatisticsGen", "StatisticsGen"},
      {"SchemaGen", "SchemaGen", "SchemaGen"},
      {"ExampleValidator", "ExampleValidator", "ExampleValidator"},
      {"Transform", "Transform", "Transform"},
      {"Trainer", "Trainer", "Trainer"},
      {"latest-blessed.model_resolver", "latest_blessed_model_resolver",
       "LatestBlessedModelResolver"},
      {"Evaluator", "Evaluator", "Evaluator"},
      {"Pusher", "Pusher", "Pusher"},
  };
}

std::vector<DagEdge> TaxiEdges() {
  return {
      {"CsvExampleGen", "StatisticsGen"},
      {"StatisticsGen", "SchemaGen"},
      {"StatisticsGen", "ExampleValidator"},
      {"SchemaGen", "ExampleValidator"},
      {"CsvExampleGen", "Transform"},
      {"SchemaGen", "Transform"},
      {"Transform", "Trainer"},
      {"Transform", "Trainer"},  // transform_graph and transformed_examples: drawn once.
      {"SchemaGen", "Trainer"},
      {"CsvExampleGen", "Evaluator"},
      {"Trainer", "Evaluator"},
      {"latest-blessed.model_resolver", "Evaluator"},
      {"Trainer", "Pusher"},
      {"Evaluator", "Pusher"},
  };
}

// The text of the <g> element whose id attribute is `id` (up to its first "</g>").
std::string Group(const std::string& svg, const std::string& id) {
  size_t start = svg.find("<g id=\"" + id + "\"");
  if (start == std::string::npos) return "";
  size_t end = svg.find("</g>", start);
  return svg.substr(start, end - start);
}

// Middle of the x range of the points of a node's outline.
double CenterX(const std::string& group) {
  std::regex point(R"((-?[0-9.]+),(-?[0-9.]+))");
  size_t outline = group.find(" d=\"");
  if (outline == std::string::npos) outline = group.find(" points=\"");
  std::string coordinates = group.substr(outline, group.find('"', outline + 5) - outline);
  double min = 1e9, max = -1e9;
  for (std::sregex_iterator it(coordinates.begin(), coordinates.end(), point), end; it != end;
       ++it) {
    double x = std::stod((*it)[1]);
    min = std::min(min, x);
    max = std::max(max, x);
  }
  return (min + max) / 2;
}

int Count(const std::string& text, const std::string& piece) {
  int count = 0;
  for (size_t at = text.find(piece); at != std::string::npos; at = text.find(piece, at + 1)) {
    ++count;
  }
  return count;
}

// Every '&' starts one of the references XML knows, so the SVG parses.
void ExpectOnlyXmlReferences(const std::string& svg) {
  std::regex reference(R"(^&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)");
  for (size_t at = svg.find('&'); at != std::string::npos; at = svg.find('&', at + 1)) {
    EXPECT_TRUE(std::regex_search(svg.substr(at, 12), reference)) << svg.substr(at, 12);
  }
}

TEST(LayoutDagSvgTest, TaxiPipelineHasEveryNodeAndEdgeLeftToRight) {
  absl::StatusOr<std::string> svg = LayoutDagSvg(TaxiNodes(), TaxiEdges());
  ASSERT_TRUE(svg.ok()) << svg.status();

  EXPECT_EQ(svg->rfind("<svg", 0), 0u) << svg->substr(0, 100);
  EXPECT_EQ(svg->substr(svg->size() - 6), "</svg>");
  EXPECT_THAT(*svg, Not(HasSubstr("<?xml")));
  EXPECT_THAT(*svg, Not(HasSubstr("<!DOCTYPE")));
  EXPECT_THAT(*svg, Not(HasSubstr("<!--")));
  ExpectOnlyXmlReferences(*svg);

  std::map<std::string, double> x;
  for (const DagNode& node : TaxiNodes()) {
    std::string group = Group(*svg, "node-" + node.id);
    ASSERT_FALSE(group.empty()) << "no node-" << node.id << " in\n" << *svg;
    EXPECT_THAT(group, HasSubstr("class=\"node\""));
    EXPECT_THAT(group, HasSubstr(">" + node.label + "</text>"));
    EXPECT_THAT(group, HasSubstr(">" + node.sublabel + "</text>"));
    x[node.id] = CenterX(group);
  }
  for (const DagEdge& edge : TaxiEdges()) {
    std::string id = "edge-" + edge.from + "-" + edge.to;
    EXPECT_EQ(Count(*svg, "<g id=\"" + id + "\" class=\"edge\""), 1) << id;
    // Left to right: each edge points to a later rank.
    EXPECT_LT(x[edge.from], x[edge.to]) << id;
  }
  EXPECT_EQ(Count(*svg, "class=\"node\""), 9);
  EXPECT_EQ(Count(*svg, "class=\"edge\""), 13);
  EXPECT_LT(x["CsvExampleGen"], x["StatisticsGen"]);
  EXPECT_LT(x["SchemaGen"], x["Transform"]);
  EXPECT_LT(x["Trainer"], x["Evaluator"]);
  EXPECT_LT(x["Evaluator"], x["Pusher"]);
}

TEST(LayoutDagSvgTest, EscapesLabelsAndIds) {
  std::vector<DagNode> nodes = {
      {"a&b<c>\"d'", "<&> \"quoted\" it's", "&lt; stays text"},
      {"back\\slash\\N.x", "caf\xc3\xa9 \\n \\N", "tab\there"},
      {"plain", "", ""},
      {"x&lt;y", "", ""},
      {"\\G\\E\\\\N", "\\\\N \\G \\E \\T \\H \\L \\l \\r \\", "\\"},
  };
  std::vector<DagEdge> edges = {{"a&b<c>\"d'", "back\\slash\\N.x"}, {"back\\slash\\N.x", "plain"}};
  absl::StatusOr<std::string> svg = LayoutDagSvg(nodes, edges);
  ASSERT_TRUE(svg.ok()) << svg.status();
  ExpectOnlyXmlReferences(*svg);

  EXPECT_THAT(*svg, HasSubstr("<g id=\"node-a&amp;b&lt;c&gt;&quot;d&#39;\" class=\"node\""));
  EXPECT_THAT(*svg, HasSubstr(">&lt;&amp;&gt; &quot;quoted&quot; it&#39;s</text>"));
  EXPECT_THAT(*svg, HasSubstr(">&amp;lt; stays text</text>"));
  EXPECT_THAT(*svg, Not(HasSubstr("<&>")));

  EXPECT_THAT(*svg, HasSubstr("<g id=\"node-back\\slash\\N.x\" class=\"node\""));
  EXPECT_THAT(*svg, HasSubstr(">caf\xc3\xa9 \\n \\N</text>"));
  EXPECT_THAT(*svg, HasSubstr(">tab here</text>"));
  EXPECT_THAT(*svg, HasSubstr("<title>back\\slash\\N.x</title>"));

  EXPECT_THAT(*svg, HasSubstr("<g id=\"node-\\G\\E\\\\N\" class=\"node\""));
  EXPECT_THAT(*svg, HasSubstr(">\\\\N \\G \\E \\T \\H \\L \\l \\r \\</text>"));
  EXPECT_THAT(*svg, HasSubstr(">\\</text>"));

  EXPECT_THAT(*svg, HasSubstr("<g id=\"node-x&amp;lt;y\" class=\"node\""));
  EXPECT_THAT(*svg, HasSubstr("<title>x&amp;lt;y</title>"));
  EXPECT_THAT(*svg, HasSubstr(">x&amp;lt;y</text>"));

  // An empty label shows the id.
  EXPECT_THAT(*svg, HasSubstr(">plain</text>"));
  EXPECT_THAT(*svg, HasSubstr("<g id=\"edge-a&amp;b&lt;c&gt;&quot;d&#39;-back\\slash\\N.x\""));
  EXPECT_THAT(*svg, HasSubstr("<g id=\"edge-back\\slash\\N.x-plain\" class=\"edge\""));
}

TEST(LayoutDagSvgTest, EdgeToUnknownNodeIsInvalidArgument) {
  std::vector<DagEdge> edges = TaxiEdges();
  edges.push_back({"Pusher", "InfraValidator"});
  absl::StatusOr<std::string> svg = LayoutDagSvg(TaxiNodes(), edges);
  EXPECT_EQ(svg.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(svg.status().message()), HasSubstr("\"InfraValidator\""));

  svg = LayoutDagSvg(TaxiNodes(), {{"ImportExampleGen", "StatisticsGen"}});
  EXPECT_EQ(svg.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(svg.status().message()), HasSubstr("\"ImportExampleGen\""));
}

TEST(LayoutDagSvgTest, BadNodesAreInvalidArgument) {
  EXPECT_EQ(LayoutDagSvg({{"a", "", ""}, {"a", "", ""}}, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LayoutDagSvg({{"", "x", ""}}, {}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LayoutDagSvg({{"new\nline", "", ""}}, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LayoutDagSvg({{"a", "bad \xff utf-8", ""}}, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(LayoutDagSvgTest, NoNodesGivesAnEmptySvg) {
  absl::StatusOr<std::string> svg = LayoutDagSvg({}, {});
  ASSERT_TRUE(svg.ok()) << svg.status();
  EXPECT_EQ(svg->rfind("<svg", 0), 0u);
  EXPECT_EQ(Count(*svg, "class=\"node\""), 0);
}

TEST(LayoutDagSvgTest, FourThreadsAtOnceGetTheSameSvg) {
  absl::StatusOr<std::string> expected = LayoutDagSvg(TaxiNodes(), TaxiEdges());
  ASSERT_TRUE(expected.ok()) << expected.status();
  constexpr int kThreads = 4;
  constexpr int kLayoutsPerThread = 25;
  std::vector<int> same(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kLayoutsPerThread; ++i) {
        absl::StatusOr<std::string> svg = LayoutDagSvg(TaxiNodes(), TaxiEdges());
        if (svg.ok() && *svg == *expected) ++same[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(same[t], kLayoutsPerThread) << "thread " << t;
}

}  // namespace
}  // namespace weir::web
