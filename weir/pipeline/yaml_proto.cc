#include "weir/pipeline/yaml_proto.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "weir/base/files.h"
#include "weir/base/proto_files.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/base/utf8.h"

namespace weir::pipeline {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::OneofDescriptor;
using google::protobuf::Reflection;

// Deep enough for any hand-written config; shallow enough to stop a recursive alias
// (`&a {child: *a}`) before the stack does.
constexpr int kMaxDepth = 100;

// How a node reads in a message: "'text'", "a list", "a map" or "empty".
std::string Describe(const YAML::Node& node) {
  if (node.IsScalar()) return StrCat("'", node.Scalar(), "'");
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a map";
  return "empty";
}

std::string Join(const std::vector<std::string>& names) {
  std::string joined;
  for (const std::string& name : names) joined += StrCat(joined.empty() ? "" : ", ", name);
  return joined.empty() ? "none" : joined;
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// An integer as written: sign and magnitude, so that every field type can check its own range.
struct Integer {
  bool negative = false;
  uint64_t magnitude = 0;
  bool overflow = false;  // The magnitude does not fit in 64 bits.

  bool InRange(int64_t min, uint64_t max) const {
    if (overflow) return false;
    if (!negative || magnitude == 0) return magnitude <= max;
    if (min >= 0) return false;
    return magnitude - 1 <= static_cast<uint64_t>(-(min + 1));
  }
  // Only for values InRange of a signed type.
  int64_t Signed() const {
    return negative ? -static_cast<int64_t>(magnitude - 1) - 1 : static_cast<int64_t>(magnitude);
  }
};

// YAML 1.2 core-schema integers: [-+]?[0-9]+, 0x[0-9a-fA-F]+, 0o[0-7]+ (the last two also signed).
std::optional<Integer> ParseInteger(std::string_view text) {
  Integer value;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    value.negative = text[0] == '-';
    text.remove_prefix(1);
  }
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  } else if (text.size() > 2 && text[0] == '0' && text[1] == 'o') {
    base = 8;
    text.remove_prefix(2);
  }
  if (text.empty()) return std::nullopt;
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, value.magnitude, base);
  if (ptr != end) return std::nullopt;
  if (error == std::errc::result_out_of_range) {
    value.overflow = true;
  } else if (error != std::errc()) {
    return std::nullopt;
  }
  return value;
}

// A YAML number: anything std::from_chars reads as a double, plus .inf, -.inf and .nan.
std::optional<double> ParseNumber(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (EqualsIgnoringCase(text, ".inf")) {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  if (EqualsIgnoringCase(text, ".nan")) return std::numeric_limits<double>::quiet_NaN();
  // from_chars reads its own sign; a second one would slip through.
  if (text.empty() || text[0] == '-' || text[0] == '+') return std::nullopt;
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (ptr != end || error != std::errc()) return std::nullopt;
  return negative ? -value : value;
}

// Fills messages for one file, with errors located in it.
class Converter {
 public:
  explicit Converter(const std::string& file) : file_(file) {}

  // Fills `message` from `node` (a map, a shorthand scalar or empty). `what` names the node in
  // errors ("field 'inner' of a.B"); `at` locates an empty node, whose own mark is unreliable.
  absl::Status FillMessage(const YAML::Node& node, const YAML::Node& at, const std::string& what,
                           Message* message, int depth) {
    const Descriptor* descriptor = message->GetDescriptor();
    if (depth > kMaxDepth) {
      return Error(at, StrCat(what, " is nested more than ", kMaxDepth,
                              " levels deep; is a YAML alias inside itself?"));
    }
    if (node.IsNull()) return absl::OkStatus();
    if (node.IsScalar()) return SetShorthand(node, what, message);
    if (!node.IsMap()) {
      return Error(node, StrCat(what, " must be a map of ", descriptor->full_name(),
                                " fields, not ", Describe(node)));
    }
    std::map<const FieldDescriptor*, YAML::Node> seen;  // Field -> its key, for repeats.
    std::map<const OneofDescriptor*, const FieldDescriptor*> oneof_members;
    for (const auto& entry : node) {
      const YAML::Node& key = entry.first;
      if (!key.IsScalar()) {
        return Error(key, StrCat("field names of ", descriptor->full_name(),
                                 " are plain words, not ", Describe(key)));
      }
      const FieldDescriptor* field = descriptor->FindFieldByName(key.Scalar());
      if (field == nullptr) {
        std::vector<std::string> known;
        for (int i = 0; i < descriptor->field_count(); ++i) {
          known.push_back(descriptor->field(i)->name());
        }
        return Error(key, StrCat("unknown field '", key.Scalar(), "' in ", descriptor->full_name(),
                                 "; known fields: ", Join(known)));
      }
      if (auto it = seen.find(field); it != seen.end()) {
        return Error(key, StrCat("field '", field->name(), "' of ", descriptor->full_name(),
                                 " is set twice", LineNote("first", it->second)));
      }
      seen.emplace(field, key);
      if (const OneofDescriptor* oneof = field->real_containing_oneof()) {
        auto [it, inserted] = oneof_members.emplace(oneof, field);
        if (!inserted) {
          return Error(key,
                       StrCat("fields '", it->second->name(), "'", LineNote("", seen[it->second]),
                              " and '", field->name(), "' of ", descriptor->full_name(),
                              " are both in oneof '", oneof->name(), "'; set only one"));
        }
      }
      RETURN_IF_ERROR(SetField(key, entry.second, field, message, depth));
    }
    return absl::OkStatus();
  }

 private:
  // "file:line: message", or "file: message" for a node built in code, without a position.
  absl::Status Error(const YAML::Node& at, const std::string& message) const {
    const int line = at.Mark().line;
    if (line < 0) return absl::InvalidArgumentError(StrCat(file_, ": ", message));
    return absl::InvalidArgumentError(StrCat(file_, ":", line + 1, ": ", message));
  }

  // " (first at line N)", or "" when `node` has no position.
  static std::string LineNote(std::string_view prefix, const YAML::Node& node) {
    const int line = node.Mark().line;
    if (line < 0) return "";
    return StrCat(" (", prefix, prefix.empty() ? "" : " at ", "line ", line + 1, ")");
  }

  // A scalar where a message goes names one of its message-typed fields to set to defaults.
  absl::Status SetShorthand(const YAML::Node& node, const std::string& what, Message* message) {
    const Descriptor* descriptor = message->GetDescriptor();
    const FieldDescriptor* field = descriptor->FindFieldByName(node.Scalar());
    if (field != nullptr && field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
        !field->is_repeated()) {
      message->GetReflection()->MutableMessage(message, field);
      return absl::OkStatus();
    }
    std::vector<std::string> shorthands;
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const FieldDescriptor* candidate = descriptor->field(i);
      if (candidate->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !candidate->is_repeated()) {
        shorthands.push_back(candidate->name());
      }
    }
    std::string expected = StrCat("a map of ", descriptor->full_name(), " fields");
    if (!shorthands.empty()) {
      expected += StrCat(" or the name of one of its message fields to set to its defaults (",
                         Join(shorthands), ")");
    }
    return Error(node, StrCat(what, " must be ", expected, ", not ", Describe(node)));
  }

  // Sets `field` of `message` from `value`, the value under `key`.
  absl::Status SetField(const YAML::Node& key, const YAML::Node& value,
                        const FieldDescriptor* field, Message* message, int depth) {
    const std::string what =
        StrCat("field '", field->name(), "' of ", message->GetDescriptor()->full_name());
    const YAML::Node& at = value.IsNull() ? key : value;
    const Reflection* reflection = message->GetReflection();
    if (field->is_map()) return SetMap(key, value, what, field, message, depth);
    if (field->is_repeated()) {
      if (value.IsNull()) return absl::OkStatus();
      if (!value.IsSequence()) {
        const std::string example = value.IsScalar() ? StrCat("[", value.Scalar(), "]") : "[...]";
        return Error(at, StrCat(what, " is a list: write ", example,
                                " or one '- ' item a line, not ", Describe(value)));
      }
      int index = 0;
      for (const YAML::Node& item : value) {
        ++index;
        const std::string item_what = StrCat("item ", index, " of ", what);
        // An empty item's mark points past it; the field's key and the index locate it.
        if (item.IsNull()) return Error(key, StrCat(item_what, " is empty"));
        if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          RETURN_IF_ERROR(FillMessage(item, item, item_what, reflection->AddMessage(message, field),
                                      depth + 1));
        } else {
          RETURN_IF_ERROR(SetScalar(item, item, item_what, field, message));
        }
      }
      return absl::OkStatus();
    }
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      // `scale_to_z_score:` sets the message with its defaults, as `scale_to_z_score: {}` does.
      Message* sub = reflection->MutableMessage(message, field);
      if (value.IsNull()) return absl::OkStatus();
      return FillMessage(value, at, what, sub, depth + 1);
    }
    return SetScalar(value, at, what, field, message);
  }

  // A map<K, V> field from a YAML map; `what` names the field.
  absl::Status SetMap(const YAML::Node& key, const YAML::Node& value, const std::string& what,
                      const FieldDescriptor* field, Message* message, int depth) {
    if (value.IsNull()) return absl::OkStatus();
    if (!value.IsMap()) {
      return Error(value, StrCat(what, " must be a map, e.g. {key: value}, not ", Describe(value)));
    }
    const FieldDescriptor* key_field = field->message_type()->map_key();
    const FieldDescriptor* value_field = field->message_type()->map_value();
    std::map<std::string, YAML::Node> seen;  // Map key as parsed -> its node, for repeats.
    for (const auto& entry : value) {
      const YAML::Node& entry_key = entry.first;
      const YAML::Node& entry_value = entry.second;
      if (!entry_key.IsScalar() && !entry_key.IsNull()) {
        return Error(entry_key, StrCat("a key of ", what, " must be a single value, not ",
                                       Describe(entry_key)));
      }
      Message* map_entry = message->GetReflection()->AddMessage(message, field);
      RETURN_IF_ERROR(
          SetScalar(entry_key, entry_key, StrCat("a key of ", what), key_field, map_entry));
      const std::string canonical = KeyText(*map_entry, key_field);
      if (auto it = seen.find(canonical); it != seen.end()) {
        return Error(entry_key, StrCat("key '", entry_key.Scalar(), "' of ", what, " is set twice",
                                       LineNote("first", it->second)));
      }
      seen.emplace(canonical, entry_key);
      const std::string value_what = StrCat("the value of '", entry_key.Scalar(), "' in ", what);
      const YAML::Node& at = entry_value.IsNull() ? entry_key : entry_value;
      if (value_field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        RETURN_IF_ERROR(FillMessage(
            entry_value, at, value_what,
            map_entry->GetReflection()->MutableMessage(map_entry, value_field), depth + 1));
      } else {
        RETURN_IF_ERROR(SetScalar(entry_value, at, value_what, value_field, map_entry));
      }
    }
    return absl::OkStatus();
  }

  // A map key's value, so that `1` and `0x1` count as the same key of a map<int32, V>.
  static std::string KeyText(const Message& entry, const FieldDescriptor* key_field) {
    const Reflection* reflection = entry.GetReflection();
    switch (key_field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        return StrCat(reflection->GetInt32(entry, key_field));
      case FieldDescriptor::CPPTYPE_INT64:
        return StrCat(reflection->GetInt64(entry, key_field));
      case FieldDescriptor::CPPTYPE_UINT32:
        return StrCat(reflection->GetUInt32(entry, key_field));
      case FieldDescriptor::CPPTYPE_UINT64:
        return StrCat(reflection->GetUInt64(entry, key_field));
      case FieldDescriptor::CPPTYPE_BOOL:
        return reflection->GetBool(entry, key_field) ? "true" : "false";
      default:
        return reflection->GetString(entry, key_field);
    }
  }

  // Sets (or, for a repeated field, adds) the scalar `node` to `field`. `what` names the value.
  absl::Status SetScalar(const YAML::Node& node, const YAML::Node& at, const std::string& what,
                         const FieldDescriptor* field, Message* message) {
    const Reflection* reflection = message->GetReflection();
    const bool repeated = field->is_repeated();
    auto wrong = [&](const std::string& expected) {
      return Error(at, StrCat(what, " must be ", expected, ", not ", Describe(node)));
    };
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: {
        if (!node.IsScalar()) return wrong("a string");
        if (repeated) {
          reflection->AddString(message, field, node.Scalar());
        } else {
          reflection->SetString(message, field, node.Scalar());
        }
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        bool value = false;
        if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
          return wrong("true or false");
        }
        if (repeated) {
          reflection->AddBool(message, field, value);
        } else {
          reflection->SetBool(message, field, value);
        }
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        const EnumDescriptor* type = field->enum_type();
        const EnumValueDescriptor* value = nullptr;
        if (node.IsScalar()) {
          value = type->FindValueByName(node.Scalar());
          for (int i = 0; value == nullptr && i < type->value_count(); ++i) {
            if (EqualsIgnoringCase(type->value(i)->name(), node.Scalar())) value = type->value(i);
          }
        }
        if (value == nullptr) {
          std::vector<std::string> names;
          for (int i = 0; i < type->value_count(); ++i) names.push_back(type->value(i)->name());
          return wrong(StrCat("one of ", Join(names)));
        }
        if (repeated) {
          reflection->AddEnum(message, field, value);
        } else {
          reflection->SetEnum(message, field, value);
        }
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT: {
        std::optional<double> value;
        if (node.IsScalar()) value = ParseNumber(node.Scalar());
        if (!value) return wrong("a number");
        if (field->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
          if (repeated) {
            reflection->AddDouble(message, field, *value);
          } else {
            reflection->SetDouble(message, field, *value);
          }
          return absl::OkStatus();
        }
        constexpr float kMax = std::numeric_limits<float>::max();
        if (std::isfinite(*value) && std::abs(*value) > kMax) {
          return wrong(StrCat("a number from -", kMax, " to ", kMax));
        }
        if (repeated) {
          reflection->AddFloat(message, field, static_cast<float>(*value));
        } else {
          reflection->SetFloat(message, field, static_cast<float>(*value));
        }
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_INT32:
        return SetInteger<int32_t>(node, wrong, field, message);
      case FieldDescriptor::CPPTYPE_INT64:
        return SetInteger<int64_t>(node, wrong, field, message);
      case FieldDescriptor::CPPTYPE_UINT32:
        return SetInteger<uint32_t>(node, wrong, field, message);
      case FieldDescriptor::CPPTYPE_UINT64:
        return SetInteger<uint64_t>(node, wrong, field, message);
      case FieldDescriptor::CPPTYPE_MESSAGE:
        break;
    }
    return Error(at, StrCat(what, " is a message, not a single value"));  // Unreachable.
  }

  template <typename T, typename Wrong>
  static absl::Status SetInteger(const YAML::Node& node, const Wrong& wrong,
                                 const FieldDescriptor* field, Message* message) {
    std::optional<Integer> parsed;
    if (node.IsScalar()) parsed = ParseInteger(node.Scalar());
    if (!parsed) return wrong("an integer");
    constexpr int64_t kMin = std::numeric_limits<T>::min();
    constexpr uint64_t kMax = std::numeric_limits<T>::max();
    if (!parsed->InRange(kMin, kMax)) return wrong(StrCat("an integer from ", kMin, " to ", kMax));
    const Reflection* reflection = message->GetReflection();
    const bool repeated = field->is_repeated();
    if constexpr (std::is_same_v<T, int32_t>) {
      const auto value = static_cast<int32_t>(parsed->Signed());
      repeated ? reflection->AddInt32(message, field, value)
               : reflection->SetInt32(message, field, value);
    } else if constexpr (std::is_same_v<T, int64_t>) {
      repeated ? reflection->AddInt64(message, field, parsed->Signed())
               : reflection->SetInt64(message, field, parsed->Signed());
    } else if constexpr (std::is_same_v<T, uint32_t>) {
      const auto value = static_cast<uint32_t>(parsed->magnitude);
      repeated ? reflection->AddUInt32(message, field, value)
               : reflection->SetUInt32(message, field, value);
    } else {
      repeated ? reflection->AddUInt64(message, field, parsed->magnitude)
               : reflection->SetUInt64(message, field, parsed->magnitude);
    }
    return absl::OkStatus();
  }

  const std::string file_;
};

absl::Status CheckYamlNode(const YAML::Node& node, const std::string& file, int depth) {
  const auto error = [&](const YAML::Node& at, std::string_view message) {
    return absl::InvalidArgumentError(StrCat(file, ":", at.Mark().line + 1, ": ", message));
  };
  if (node.IsScalar()) {
    if (const size_t bad = base::FindInvalidUtf8(node.Scalar()); bad != std::string::npos) {
      return error(node, StrCat("the text is not UTF-8 (at byte ", bad + 1,
                                " of the value; save "
                                "the file as UTF-8)"));
    }
    return absl::OkStatus();
  }
  if (!node.IsMap() && !node.IsSequence()) return absl::OkStatus();
  if (depth > kMaxDepth) return error(node, StrCat("nested more than ", kMaxDepth, " levels deep"));
  if (node.IsSequence()) {
    for (const YAML::Node& item : node) RETURN_IF_ERROR(CheckYamlNode(item, file, depth + 1));
    return absl::OkStatus();
  }
  std::map<std::string, int> first_line;
  for (const auto& entry : node) {
    RETURN_IF_ERROR(CheckYamlNode(entry.first, file, depth + 1));
    if (entry.first.IsScalar()) {
      auto [it, inserted] = first_line.emplace(entry.first.Scalar(), entry.first.Mark().line + 1);
      if (!inserted) {
        return error(entry.first, StrCat("key '", entry.first.Scalar(),
                                         "' is set twice (first at line ", it->second, ")"));
      }
    }
    RETURN_IF_ERROR(CheckYamlNode(entry.second, file, depth + 1));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckYamlDocument(const YAML::Node& node, const std::string& file) {
  return CheckYamlNode(node, file, 0);
}

absl::Status YamlToMessage(const YAML::Node& node, const std::string& file,
                           google::protobuf::Message* message) {
  if (message == nullptr) return absl::InvalidArgumentError("YamlToMessage needs a message");
  try {
    if (!node.IsDefined()) return absl::OkStatus();
    return Converter(file).FillMessage(node, node, "the document", message, 0);
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) return absl::InvalidArgumentError(StrCat(file, ": ", e.msg));
    return absl::InvalidArgumentError(StrCat(file, ":", e.mark.line + 1, ": ", e.msg));
  }
}

absl::Status ReadMessageFile(const std::filesystem::path& file,
                             google::protobuf::Message* message) {
  if (file.extension() == ".pbtxt") return base::ReadTextProto(file, message);
  ASSIGN_OR_RETURN(std::string text, base::ReadFile(file));
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    return absl::InvalidArgumentError(StrCat(file.string(), ":", e.mark.line + 1, ":",
                                             e.mark.column + 1, ": not valid YAML: ", e.msg));
  }
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(
        StrCat(file.string(), ": expected a map of ", message->GetDescriptor()->name(), " fields"));
  }
  RETURN_IF_ERROR(CheckYamlDocument(root, file.string()));
  return YamlToMessage(root, file.string(), message);
}

}  // namespace weir::pipeline
