// Building one ONNX graph a node at a time: unique value names, constants as initializers (each
// distinct constant stored once), typed inputs and outputs over a batch of N rows.
#ifndef WEIR_ONNX_GRAPH_BUILDER_H_
#define WEIR_ONNX_GRAPH_BUILDER_H_

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "weir/onnx/onnx.pb.h"

namespace weir::onnx {

using ElementType = proto::TensorProto::DataType;

// Node attributes.
proto::AttributeProto IntAttribute(std::string name, int64_t value);
proto::AttributeProto FloatAttribute(std::string name, float value);
proto::AttributeProto StringAttribute(std::string name, std::string value);
proto::AttributeProto IntsAttribute(std::string name, std::span<const int64_t> values);
proto::AttributeProto FloatsAttribute(std::string name, std::span<const float> values);
proto::AttributeProto StringsAttribute(std::string name, std::span<const std::string> values);
// A one-value tensor of `type` (as Scalar), for ConstantOfShape's `value`.
proto::AttributeProto ScalarTensorAttribute(std::string name, ElementType type, double value);

class GraphBuilder {
 public:
  explicit GraphBuilder(proto::GraphProto& graph) : graph_(graph) {}

  // A graph input of shape [N, width].
  void AddInput(const std::string& name, ElementType type, int64_t width, std::string doc);
  // A graph output named `name`, of shape [N, width], holding `value` (a node's output).
  void AddOutput(const std::string& name, const std::string& value, ElementType type, int64_t width,
                 std::string doc);

  // Adds a node and returns its output's name. Nodes must be added in an order in which every
  // input already exists (a graph input, a constant or an earlier node's output).
  std::string Add(std::string_view op_type, std::vector<std::string> inputs,
                  std::vector<proto::AttributeProto> attributes = {}, std::string_view domain = "");

  // Constants of the given shape ({} for a scalar); the name of the initializer.
  std::string Doubles(std::span<const double> values, std::vector<int64_t> dims);
  std::string Floats(std::span<const float> values, std::vector<int64_t> dims);
  std::string Int64s(std::span<const int64_t> values, std::vector<int64_t> dims);
  std::string Strings(std::span<const std::string> values, std::vector<int64_t> dims);
  // A scalar constant of `type`: FLOAT, DOUBLE, BOOL, or INT64 (for ints beyond 2^53, Int64s).
  std::string Scalar(ElementType type, double value);

  std::string Cast(const std::string& value, ElementType to);

 private:
  std::string NewName(std::string_view hint);
  // Adds `tensor` as an initializer unless an equal one exists; returns its name.
  std::string Constant(proto::TensorProto tensor);

  proto::GraphProto& graph_;
  int64_t next_id_ = 0;
  std::map<std::string, std::string> constants_;  // Serialized tensor -> initializer name.
};

}  // namespace weir::onnx

#endif  // WEIR_ONNX_GRAPH_BUILDER_H_
