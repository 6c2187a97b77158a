#include "weir/onnx/graph_builder.h"

#include "weir/base/strings.h"

namespace weir::onnx {
namespace {

using proto::AttributeProto;
using proto::TensorProto;

AttributeProto Named(std::string name, AttributeProto::AttributeType type) {
  AttributeProto attribute;
  attribute.set_name(std::move(name));
  attribute.set_type(type);
  return attribute;
}

TensorProto Tensor(ElementType type, const std::vector<int64_t>& dims) {
  TensorProto tensor;
  tensor.set_data_type(type);
  for (int64_t d : dims) tensor.add_dims(d);
  return tensor;
}

// One value of `type` (FLOAT, DOUBLE, BOOL or INT64) in a tensor of `dims`.
TensorProto ScalarTensor(ElementType type, double value, const std::vector<int64_t>& dims) {
  TensorProto tensor = Tensor(type, dims);
  switch (type) {
    case TensorProto::FLOAT:
      tensor.add_float_data(static_cast<float>(value));
      break;
    case TensorProto::DOUBLE:
      tensor.add_double_data(value);
      break;
    case TensorProto::BOOL:
      tensor.add_int32_data(value != 0 ? 1 : 0);
      break;
    default:
      tensor.add_int64_data(static_cast<int64_t>(value));
      break;
  }
  return tensor;
}

// [N, width]: the batch's rows, then a fixed width.
proto::TypeProto BatchType(ElementType type, int64_t width) {
  proto::TypeProto proto;
  proto::TypeProto::Tensor* tensor = proto.mutable_tensor_type();
  tensor->set_elem_type(type);
  tensor->mutable_shape()->add_dim()->set_dim_param("N");
  tensor->mutable_shape()->add_dim()->set_dim_value(width);
  return proto;
}

}  // namespace

AttributeProto IntAttribute(std::string name, int64_t value) {
  AttributeProto attribute = Named(std::move(name), AttributeProto::INT);
  attribute.set_i(value);
  return attribute;
}

AttributeProto FloatAttribute(std::string name, float value) {
  AttributeProto attribute = Named(std::move(name), AttributeProto::FLOAT);
  attribute.set_f(value);
  return attribute;
}

AttributeProto StringAttribute(std::string name, std::string value) {
  AttributeProto attribute = Named(std::move(name), AttributeProto::STRING);
  attribute.set_s(std::move(value));
  return attribute;
}

AttributeProto IntsAttribute(std::string name, std::span<const int64_t> values) {
  AttributeProto attribute = Named(std::move(name), AttributeProto::INTS);
  attribute.mutable_ints()->Add(values.begin(), values.end());
  return attribute;
}

AttributeProto FloatsAttribute(std::string name, std::span<const float> values) {
  AttributeProto attribute = Named(std::move(name), AttributeProto::FLOATS);
  attribute.mutable_floats()->Add(values.begin(), values.end());
  return attribute;
}

AttributeProto StringsAttribute(std::string name, std::span<const std::string> values) {
  AttributeProto attribute = Named(std::move(name), AttributeProto::STRINGS);
  for (const std::string& value : values) attribute.add_strings(value);
  return attribute;
}

AttributeProto ScalarTensorAttribute(std::string name, ElementType type, double value) {
  AttributeProto attribute = Named(std::move(name), AttributeProto::TENSOR);
  *attribute.mutable_t() = ScalarTensor(type, value, {1});
  return attribute;
}

void GraphBuilder::AddInput(const std::string& name, ElementType type, int64_t width,
                            std::string doc) {
  proto::ValueInfoProto* input = graph_.add_input();
  input->set_name(name);
  *input->mutable_type() = BatchType(type, width);
  input->set_doc_string(std::move(doc));
}

void GraphBuilder::AddOutput(const std::string& name, const std::string& value, ElementType type,
                             int64_t width, std::string doc) {
  proto::NodeProto* node = graph_.add_node();
  node->set_op_type("Identity");
  node->set_name(StrCat("output_", name));
  node->add_input(value);
  node->add_output(name);
  proto::ValueInfoProto* output = graph_.add_output();
  output->set_name(name);
  *output->mutable_type() = BatchType(type, width);
  output->set_doc_string(std::move(doc));
}

std::string GraphBuilder::NewName(std::string_view hint) { return StrCat(hint, "_", next_id_++); }

std::string GraphBuilder::Add(std::string_view op_type, std::vector<std::string> inputs,
                              std::vector<AttributeProto> attributes, std::string_view domain) {
  proto::NodeProto* node = graph_.add_node();
  std::string output = NewName(op_type);
  node->set_op_type(std::string(op_type));
  node->set_name(output);
  if (!domain.empty()) node->set_domain(std::string(domain));
  for (std::string& input : inputs) node->add_input(std::move(input));
  for (AttributeProto& attribute : attributes) *node->add_attribute() = std::move(attribute);
  node->add_output(output);
  return output;
}

std::string GraphBuilder::Constant(TensorProto tensor) {
  std::string key = tensor.SerializeAsString();
  auto it = constants_.find(key);
  if (it != constants_.end()) return it->second;
  std::string name = NewName("const");
  tensor.set_name(name);
  *graph_.add_initializer() = std::move(tensor);
  constants_.emplace(std::move(key), name);
  return name;
}

std::string GraphBuilder::Doubles(std::span<const double> values, std::vector<int64_t> dims) {
  TensorProto tensor = Tensor(TensorProto::DOUBLE, dims);
  tensor.mutable_double_data()->Add(values.begin(), values.end());
  return Constant(std::move(tensor));
}

std::string GraphBuilder::Floats(std::span<const float> values, std::vector<int64_t> dims) {
  TensorProto tensor = Tensor(TensorProto::FLOAT, dims);
  tensor.mutable_float_data()->Add(values.begin(), values.end());
  return Constant(std::move(tensor));
}

std::string GraphBuilder::Int64s(std::span<const int64_t> values, std::vector<int64_t> dims) {
  TensorProto tensor = Tensor(TensorProto::INT64, dims);
  tensor.mutable_int64_data()->Add(values.begin(), values.end());
  return Constant(std::move(tensor));
}

std::string GraphBuilder::Strings(std::span<const std::string> values, std::vector<int64_t> dims) {
  TensorProto tensor = Tensor(TensorProto::STRING, dims);
  for (const std::string& value : values) tensor.add_string_data(value);
  return Constant(std::move(tensor));
}

std::string GraphBuilder::Scalar(ElementType type, double value) {
  return Constant(ScalarTensor(type, value, {}));
}

std::string GraphBuilder::Cast(const std::string& value, ElementType to) {
  return Add("Cast", {value}, {IntAttribute("to", to)});
}

}  // namespace weir::onnx
