#include "weir/base/proto_files.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <string>
#include <vector>

#include "weir/base/files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/base/utf8.h"

namespace weir::base {
namespace {

// Keeps the first parse error (later ones usually follow from it), 1-based.
class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (error_.empty()) error_ = StrCat(line + 1, ":", column + 1, ": ", message);
  }
  const std::string& error() const { return error_; }

 private:
  std::string error_;
};

}  // namespace

absl::Status ReadBinaryProto(const std::filesystem::path& file,
                             google::protobuf::Message* message) {
  ASSIGN_OR_RETURN(std::string bytes, ReadFile(file));
  if (!message->ParseFromString(bytes)) {
    return absl::DataLossError(StrCat(file.string(), " is not a binary ", message->GetTypeName(),
                                      " (corrupt, or in text format)"));
  }
  return absl::OkStatus();
}

namespace {

// The path of the first string field of `message` (bytes fields aside) whose value is not UTF-8,
// e.g. "nodes[0].params[2].value.string_value"; empty when there is none.
std::string FirstNonUtf8Field(const google::protobuf::Message& message, const std::string& prefix) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const std::string name = StrCat(prefix, prefix.empty() ? "" : ".", field->name());
    const int count = field->is_repeated() ? reflection->FieldSize(message, field) : 1;
    for (int i = 0; i < count; ++i) {
      const std::string at = field->is_repeated() ? StrCat(name, "[", i, "]") : name;
      if (field->type() == FieldDescriptor::TYPE_STRING) {
        std::string scratch;
        const std::string& value =
            field->is_repeated()
                ? reflection->GetRepeatedStringReference(message, field, i, &scratch)
                : reflection->GetStringReference(message, field, &scratch);
        if (FindInvalidUtf8(value) != std::string_view::npos) return at;
      } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        const google::protobuf::Message& inner =
            field->is_repeated() ? reflection->GetRepeatedMessage(message, field, i)
                                 : reflection->GetMessage(message, field);
        if (std::string found = FirstNonUtf8Field(inner, at); !found.empty()) return found;
      }
    }
  }
  return "";
}

}  // namespace

absl::Status ReadTextProto(const std::filesystem::path& file, google::protobuf::Message* message,
                           bool allow_unknown_fields) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(file));
  google::protobuf::TextFormat::Parser parser;
  FirstErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  parser.AllowUnknownField(allow_unknown_fields);
  if (!parser.ParseFromString(text, message)) {
    return absl::InvalidArgumentError(
        StrCat(file.string(), ":", errors.error().empty() ? "1:1: " : errors.error(),
               " (expected a ", message->GetTypeName(), " in protobuf text format)"));
  }
  // Text format lets any byte into a string (as an escape or as is); protobuf strings must be
  // UTF-8, and one that is not would fail later, far from the file.
  if (std::string field = FirstNonUtf8Field(*message, ""); !field.empty()) {
    return absl::InvalidArgumentError(
        StrCat(file.string(), ": ", field, " is not UTF-8 text; save the file as UTF-8"));
  }
  return absl::OkStatus();
}

absl::Status WriteBinaryProto(const std::filesystem::path& file,
                              const google::protobuf::Message& message) {
  return WriteFileAtomically(file, message.SerializeAsString());
}

absl::Status WriteTextProto(const std::filesystem::path& file,
                            const google::protobuf::Message& message) {
  return WriteFileAtomically(file, ToTextProto(message));
}

std::string ToTextProto(const google::protobuf::Message& message) {
  google::protobuf::TextFormat::Printer printer;
  printer.SetExpandAny(true);
  std::string text;
  printer.PrintToString(message, &text);
  return text;
}

}  // namespace weir::base
