#include "weir/serving/predict_request.h"

#include <fast_float/fast_float.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <variant>

#include "absl/strings/escaping.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/base/utf8.h"
#include "weir/io/example/example_codec.h"

namespace weir::serving {

// Deeper JSON than this is refused rather than skipped recursively (a request has depth 4).
constexpr int kMaxSkipDepth = 64;
// TFX's serving signature takes serialized tf.Examples under this name.
constexpr std::string_view kExamplesKey = "examples";
// Wrong values are quoted in errors up to this many bytes.
constexpr size_t kMaxQuotedBytes = 80;

// The columns one request fills, whichever form carried it, and the rules every form shares:
// which inputs there are, which the model reads, what a missing one gets, how a serialized
// tf.Example becomes a row.
class RequestColumns {
 public:
  explicit RequestColumns(const PredictRequestReader& reader)
      : inputs_(reader.inputs_),
        index_(reader.index_),
        known_(reader.known_),
        examples_are_serialized_(
            !index_.contains(absl::string_view(kExamplesKey.data(), kExamplesKey.size()))) {
    for (const PredictRequestReader::Input& input : inputs_) {
      const data::DataType type = DataTypeOf(input.type);
      if (input.column >= 0) {
        request_.raw.AddColumn(input.name, type);
      } else {
        unread_.emplace_back(input.name, type);
      }
    }
  }

 protected:
  // Names a row in errors: "instance 3" in the row form, "row 3" in the columnar one.
  struct Row {
    const char* kind;
    size_t index;
  };

  static data::DataType DataTypeOf(transform::ValueType type) {
    return type == transform::INT     ? data::DataType::kInt64
           : type == transform::FLOAT ? data::DataType::kFloat
                                      : data::DataType::kBytes;
  }

  // What `input` takes, for errors.
  std::string_view TypeWord(size_t input) const {
    return inputs_[input].type == transform::INT     ? "an integer"
           : inputs_[input].type == transform::FLOAT ? "a number"
                                                     : "a string";
  }

  // Where `input`'s values go: its column of the request, or, for a feature the model does not
  // read, a column that is checked and dropped.
  data::Column& ColumnOf(size_t input) {
    const int column = inputs_[input].column;
    return column >= 0 ? request_.raw.mutable_column(static_cast<size_t>(column))
                       : unread_[static_cast<size_t>(-column - 1)];
  }

  // Appends a missing value to the features not in `seen`, `rows` times.
  void FillUnseen(const std::vector<uint8_t>& seen, size_t rows) {
    for (size_t input = 0; input < inputs_.size(); ++input) {
      if (seen[input]) continue;
      data::Column& column = ColumnOf(input);
      for (size_t row = 0; row < rows; ++row) column.AppendMissing();  // fill_missing applies.
    }
  }

  PredictRequest Finish() {
    request_.unread = data::RecordBatch(std::move(unread_));
    return std::move(request_);
  }

  // The input a key names, or an error naming the ones there are.
  absl::StatusOr<size_t> InputOf(std::string_view key) const {
    // (Debian's Abseil has its own string_view, which the map's lookup takes.)
    auto it = index_.find(absl::string_view(key.data(), key.size()));
    if (it == index_.end()) {
      return absl::InvalidArgumentError(
          StrCat("unknown feature '", key, "'; the model takes: ", known_));
    }
    return it->second;
  }

  // A serialized tf.Example's features as the row's values, checked as JSON values are (known,
  // typed as the signature says, one value at most); marks them in `seen`.
  absl::Status AppendExample(std::string_view serialized, Row row, std::vector<uint8_t>& seen) {
    absl::StatusOr<data::RecordBatch> example = io::DecodeExample(serialized);
    if (!example.ok()) {
      return absl::InvalidArgumentError(StrCat(
          row.kind, " ", row.index, ": not a serialized tf.Example: ", example.status().message()));
    }
    for (const data::Column& feature : example->columns()) {
      absl::StatusOr<size_t> input = InputOf(feature.name());
      if (!input.ok()) {
        return absl::InvalidArgumentError(
            StrCat(row.kind, " ", row.index, ": ", input.status().message()));
      }
      if (seen[*input]) {
        return absl::InvalidArgumentError(
            StrCat(row.kind, " ", row.index, ": feature '", feature.name(), "' appears twice"));
      }
      seen[*input] = 1;
      data::Column& column = ColumnOf(*input);
      const size_t values = feature.value_count(0);
      if (values == 0) {
        column.AppendMissing(feature.presence(0));  // An empty list, or a feature with no kind.
        continue;
      }
      if (values > 1) {
        return absl::InvalidArgumentError(StrCat(row.kind, " ", row.index, ": feature '",
                                                 feature.name(), "' takes one value per row, not ",
                                                 values));
      }
      if (feature.type() != column.type()) {
        const std::string_view wanted = column.type() == data::DataType::kInt64   ? "an int64_list"
                                        : column.type() == data::DataType::kFloat ? "a float_list"
                                                                                  : "a bytes_list";
        return absl::InvalidArgumentError(
            StrCat(row.kind, " ", row.index, ": feature '", feature.name(), "' takes ", wanted));
      }
      const size_t at = feature.value_begin(0);
      switch (column.type()) {
        case data::DataType::kInt64:
          column.AddInt64(feature.int64_values()[at]);
          break;
        case data::DataType::kFloat:
          column.AddFloat(feature.float_values()[at]);
          break;
        default:
          column.AddBytes(feature.bytes_value(at));
          break;
      }
      column.FinishRow(data::Presence::kPresent);
    }
    return absl::OkStatus();
  }

  static absl::Status ExamplesBesideFeatures() {
    return absl::InvalidArgumentError(
        "\"examples\" (serialized tf.Examples) cannot be given beside features");
  }

  const std::vector<PredictRequestReader::Input>& inputs_;
  const absl::flat_hash_map<std::string, size_t>& index_;
  const std::string& known_;
  // "examples" holds serialized tf.Examples, unless the model has a feature of that name.
  const bool examples_are_serialized_;
  PredictRequest request_;
  std::vector<data::Column> unread_;  // Values of the features the model does not read.
};

// One pass over one body (RFC 8259 JSON), appending to the request's columns as it goes.
class RequestParser : private RequestColumns {
 public:
  RequestParser(const PredictRequestReader& reader, std::string_view body)
      : RequestColumns(reader), body_(body) {}

  absl::StatusOr<PredictRequest> Parse() {
    if (body_.starts_with("\xEF\xBB\xBF")) pos_ = 3;  // A byte order mark, as editors may save.
    SkipSpace();
    if (!At('{')) {
      RETURN_IF_ERROR(SkipValue(0));
      RETURN_IF_ERROR(ExpectEnd());
      return ShapeError();
    }
    ++pos_;
    bool has_rows = false;
    bool has_columns = false;
    if (!Consume('}')) {
      while (true) {
        ASSIGN_OR_RETURN(std::string_view key, ReadKey());
        if (key == "instances" || key == "inputs") {
          if (has_rows || has_columns) {
            return (key == "inputs") == has_columns
                       ? absl::InvalidArgumentError(StrCat("\"", key, "\" appears twice"))
                       : ShapeError();
          }
          request_.columnar = key == "inputs";
          (request_.columnar ? has_columns : has_rows) = true;
          RETURN_IF_ERROR(request_.columnar ? ReadColumns() : ReadRows());
        } else {
          RETURN_IF_ERROR(SkipValue(1));  // "signature_name", or anything else: not ours.
        }
        if (Consume(',')) continue;
        RETURN_IF_ERROR(Expect('}'));
        break;
      }
    }
    RETURN_IF_ERROR(ExpectEnd());
    if (!has_rows && !has_columns) return ShapeError();
    return Finish();
  }

 private:
  // A JSON scalar as read: `text` is its JSON text; `string` the decoded value of a string.
  enum class Kind { kNull, kTrue, kFalse, kNumber, kString };
  struct Scalar {
    Kind kind;
    std::string_view text;
    std::string_view string = {};
    bool integer = false;  // A number without fraction or exponent.
  };

  static absl::Status ShapeError() {
    return absl::InvalidArgumentError(
        "the body must be {\"instances\": [...]} (rows) or {\"inputs\": {...}} (columns)");
  }
  absl::Status SyntaxError(std::string_view what) const {
    return absl::InvalidArgumentError(
        StrCat("the body is not valid JSON: ", what, " at byte ", pos_));
  }

  void SkipSpace() {
    while (pos_ < body_.size() && (body_[pos_] == ' ' || body_[pos_] == '\n' ||
                                   body_[pos_] == '\r' || body_[pos_] == '\t')) {
      ++pos_;
    }
  }
  // Whether the next character is `c` (after whitespace was skipped).
  bool At(char c) const { return pos_ < body_.size() && body_[pos_] == c; }
  bool Consume(char c) {
    SkipSpace();
    if (!At(c)) return false;
    ++pos_;
    return true;
  }
  absl::Status Expect(char c) {
    if (Consume(c)) return absl::OkStatus();
    return SyntaxError(pos_ < body_.size() ? StrCat("expected '", std::string(1, c), "'")
                                           : std::string("unexpected end"));
  }
  absl::Status ExpectEnd() {
    SkipSpace();
    return pos_ == body_.size() ? absl::OkStatus() : SyntaxError("text after the end");
  }

  // An object key and the colon after it.
  absl::StatusOr<std::string_view> ReadKey() {
    SkipSpace();
    if (!At('"')) return SyntaxError("expected a quoted key");
    ASSIGN_OR_RETURN(std::string_view key, ReadString());
    RETURN_IF_ERROR(Expect(':'));
    return key;
  }

  // At a '"': the decoded string, a view into the body or, when it has escapes, into scratch_
  // (valid until the next string is read).
  absl::StatusOr<std::string_view> ReadString() {
    const size_t start = ++pos_;
    bool ascii = true;
    while (pos_ < body_.size()) {
      const unsigned char c = static_cast<unsigned char>(body_[pos_]);
      if (c == '"') {
        std::string_view text = body_.substr(start, pos_++ - start);
        return ascii ? text : CheckUtf8(text);
      }
      if (c == '\\') return ReadEscapedString(start);
      if (c < 0x20) return SyntaxError("a control character in a string");
      ascii = ascii && c < 0x80;
      ++pos_;
    }
    return SyntaxError("an unterminated string");
  }
  absl::StatusOr<std::string_view> ReadEscapedString(size_t start) {
    scratch_.assign(body_.substr(start, pos_ - start));
    while (pos_ < body_.size()) {
      const char c = body_[pos_];
      if (c == '"') {
        ++pos_;
        return CheckUtf8(scratch_);
      }
      if (static_cast<unsigned char>(c) < 0x20)
        return SyntaxError("a control character in a string");
      if (c != '\\') {
        scratch_ += c;
        ++pos_;
        continue;
      }
      if (++pos_ == body_.size()) break;
      const char escape = body_[pos_++];
      switch (escape) {
        case '"':
        case '\\':
        case '/':
          scratch_ += escape;
          break;
        case 'b':
          scratch_ += '\b';
          break;
        case 'f':
          scratch_ += '\f';
          break;
        case 'n':
          scratch_ += '\n';
          break;
        case 'r':
          scratch_ += '\r';
          break;
        case 't':
          scratch_ += '\t';
          break;
        case 'u': {
          ASSIGN_OR_RETURN(uint32_t code, ReadHex4());
          if (code >= 0xDC00 && code <= 0xDFFF) return SyntaxError("a lone low surrogate");
          if (code >= 0xD800 && code <= 0xDBFF) {
            if (body_.substr(pos_, 2) != "\\u") return SyntaxError("a lone high surrogate");
            pos_ += 2;
            ASSIGN_OR_RETURN(uint32_t low, ReadHex4());
            if (low < 0xDC00 || low > 0xDFFF) return SyntaxError("a lone high surrogate");
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          }
          AppendUtf8(code);
          break;
        }
        default:
          --pos_;
          return SyntaxError("an unknown escape");
      }
    }
    return SyntaxError("an unterminated string");
  }
  absl::StatusOr<uint32_t> ReadHex4() {
    if (body_.size() - pos_ < 4) return SyntaxError("a short \\u escape");
    uint32_t code = 0;
    const char* begin = body_.data() + pos_;
    auto [end, ec] = std::from_chars(begin, begin + 4, code, 16);
    if (ec != std::errc() || end != begin + 4) return SyntaxError("a bad \\u escape");
    pos_ += 4;
    return code;
  }
  void AppendUtf8(uint32_t code) {
    if (code < 0x80) {
      scratch_ += static_cast<char>(code);
    } else if (code < 0x800) {
      scratch_ += static_cast<char>(0xC0 | (code >> 6));
      scratch_ += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      scratch_ += static_cast<char>(0xE0 | (code >> 12));
      scratch_ += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      scratch_ += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      scratch_ += static_cast<char>(0xF0 | (code >> 18));
      scratch_ += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      scratch_ += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      scratch_ += static_cast<char>(0x80 | (code & 0x3F));
    }
  }
  absl::StatusOr<std::string_view> CheckUtf8(std::string_view text) const {
    if (base::FindInvalidUtf8(text) != std::string_view::npos)
      return SyntaxError("a string that is not UTF-8");
    return text;
  }

  // At the first character of a number: validates JSON's number grammar.
  absl::StatusOr<Scalar> ReadNumber() {
    const size_t start = pos_;
    auto digits = [&] {
      const size_t from = pos_;
      while (pos_ < body_.size() && body_[pos_] >= '0' && body_[pos_] <= '9') ++pos_;
      return pos_ - from;
    };
    if (At('-')) ++pos_;
    if (At('0')) {
      ++pos_;
    } else if (digits() == 0) {
      return SyntaxError("a number without digits");
    }
    bool integer = true;
    if (At('.')) {
      ++pos_;
      integer = false;
      if (digits() == 0) return SyntaxError("a number without digits after the point");
    }
    if (At('e') || At('E')) {
      ++pos_;
      integer = false;
      if (At('+') || At('-')) ++pos_;
      if (digits() == 0) return SyntaxError("a number without exponent digits");
    }
    return Scalar{
        .kind = Kind::kNumber, .text = body_.substr(start, pos_ - start), .integer = integer};
  }

  absl::Status ExpectWord(std::string_view word) {
    if (body_.substr(pos_, word.size()) != word) return SyntaxError("an unknown word");
    pos_ += word.size();
    return absl::OkStatus();
  }

  // Skips one value of any kind.
  absl::Status SkipValue(int depth) {
    if (depth > kMaxSkipDepth) return SyntaxError("nesting too deep");
    SkipSpace();
    if (Consume('{')) {
      if (Consume('}')) return absl::OkStatus();
      while (true) {
        RETURN_IF_ERROR(ReadKey().status());
        RETURN_IF_ERROR(SkipValue(depth + 1));
        if (Consume(',')) continue;
        return Expect('}');
      }
    }
    if (Consume('[')) {
      if (Consume(']')) return absl::OkStatus();
      while (true) {
        RETURN_IF_ERROR(SkipValue(depth + 1));
        if (Consume(',')) continue;
        return Expect(']');
      }
    }
    return ReadScalar().status();
  }

  absl::StatusOr<Scalar> ReadScalar() {
    SkipSpace();
    if (pos_ == body_.size()) return SyntaxError("unexpected end");
    const size_t start = pos_;
    switch (body_[pos_]) {
      case '"': {
        ASSIGN_OR_RETURN(std::string_view string, ReadString());
        return Scalar{
            .kind = Kind::kString, .text = body_.substr(start, pos_ - start), .string = string};
      }
      case 'n':
        RETURN_IF_ERROR(ExpectWord("null"));
        return Scalar{.kind = Kind::kNull, .text = "null"};
      case 't':
        RETURN_IF_ERROR(ExpectWord("true"));
        return Scalar{.kind = Kind::kTrue, .text = "true"};
      case 'f':
        RETURN_IF_ERROR(ExpectWord("false"));
        return Scalar{.kind = Kind::kFalse, .text = "false"};
      default:
        return ReadNumber();
    }
  }

  // A scalar, or TF Serving's {"b64": "..."} for bytes: a string holding the decoded bytes
  // (valid until the next one is read).
  absl::StatusOr<Scalar> ReadValue() {
    SkipSpace();
    const size_t start = pos_;
    if (!Consume('{')) return ReadScalar();
    ASSIGN_OR_RETURN(std::string_view bytes, ReadBase64Object(start));
    return Scalar{
        .kind = Kind::kString, .text = body_.substr(start, pos_ - start), .string = bytes};
  }

  // Whether the value ahead is an object whose first key is "b64" (the position is kept).
  bool AtBase64Object() {
    const size_t start = pos_;
    bool b64 = false;
    if (Consume('{')) {
      absl::StatusOr<std::string_view> key = ReadKey();
      b64 = key.ok() && *key == "b64";
    }
    pos_ = start;
    return b64;
  }

  // After the '{' of {"b64": "..."} (which starts at `start`): the decoded bytes, standard or
  // URL-safe base64.
  absl::StatusOr<std::string_view> ReadBase64Object(size_t start) {
    ASSIGN_OR_RETURN(std::string_view key, ReadKey());
    if (key != "b64") {
      return absl::InvalidArgumentError(
          StrCat("an object value must be {\"b64\": \"...\"}, at byte ", start));
    }
    SkipSpace();
    if (!At('"'))
      return absl::InvalidArgumentError(StrCat("\"b64\" takes a string, at byte ", start));
    ASSIGN_OR_RETURN(std::string_view text, ReadString());
    const absl::string_view encoded(text.data(), text.size());
    if (!absl::Base64Unescape(encoded, &decoded_) &&
        !absl::WebSafeBase64Unescape(encoded, &decoded_))
      return absl::InvalidArgumentError(StrCat("\"b64\" is not base64, at byte ", start));
    RETURN_IF_ERROR(Expect('}'));
    return std::string_view(decoded_);
  }

  // One row's value of `input`, appended to `column`: a scalar, null (missing), [] (an empty
  // list), or a list of one scalar.
  absl::Status ReadCell(size_t input, Row row, data::Column& column) {
    SkipSpace();
    const size_t start = pos_;
    std::optional<Scalar> value;
    if (Consume('[')) {
      if (Consume(']')) {
        // An empty list, as an empty CSV cell is in training: present, with no value.
        column.FinishRow(data::Presence::kPresent);
        return absl::OkStatus();
      }
      SkipSpace();
      if (At('[') || (At('{') && !AtBase64Object())) return WrongValue(input, row, start);
      ASSIGN_OR_RETURN(value, ReadValue());
      if (Consume(',')) {
        size_t count = 2;
        RETURN_IF_ERROR(SkipValue(1));
        while (Consume(',')) {
          RETURN_IF_ERROR(SkipValue(1));
          ++count;
        }
        return absl::InvalidArgumentError(StrCat(row.kind, " ", row.index, ": feature '",
                                                 inputs_[input].name,
                                                 "' takes one value per row, not ", count));
      }
      RETURN_IF_ERROR(Expect(']'));
    } else if (At('{') && !AtBase64Object()) {
      return WrongValue(input, row, start);
    } else {
      ASSIGN_OR_RETURN(value, ReadValue());
    }
    if (value->kind == Kind::kNull) {
      column.AppendMissing();
      return absl::OkStatus();
    }
    switch (inputs_[input].type) {
      case transform::INT: {
        if (value->kind != Kind::kNumber) return WrongValue(input, row, start);
        const char* begin = value->text.data();
        const char* end = begin + value->text.size();
        int64_t number = 0;
        if (value->integer && std::from_chars(begin, end, number).ec == std::errc()) {
          column.AddInt64(number);
          break;
        }
        // 3.0 and 3e2 are integers too; 3.5, and integers beyond int64, are not.
        double real = 0;
        fast_float::from_chars(begin, end, real);
        if (!(std::floor(real) == real && std::abs(real) < 9.2e18))
          return WrongValue(input, row, start);
        column.AddInt64(static_cast<int64_t>(real));
        break;
      }
      case transform::FLOAT: {
        if (value->kind != Kind::kNumber) return WrongValue(input, row, start);
        // Through double, as the CSV reader converts (the same text gives the same float).
        double real = 0;
        fast_float::from_chars(value->text.data(), value->text.data() + value->text.size(), real);
        if (!std::isfinite(static_cast<float>(real))) {  // 1e400, or 1e39 past float's range.
          return absl::InvalidArgumentError(StrCat(row.kind, " ", row.index, ": feature '",
                                                   inputs_[input].name, "' holds ", value->text,
                                                   ", beyond a float's range"));
        }
        column.AddFloat(static_cast<float>(real));
        break;
      }
      default:
        if (value->kind != Kind::kString) return WrongValue(input, row, start);
        column.AddBytes(value->string);
        break;
    }
    column.FinishRow(data::Presence::kPresent);
    return absl::OkStatus();
  }

  // The value starting at `start` does not fit `input`: skips it and says so, quoting it.
  absl::Status WrongValue(size_t input, Row row, size_t start) {
    pos_ = start;
    RETURN_IF_ERROR(SkipValue(1));
    std::string_view text = body_.substr(start, pos_ - start);
    const bool cut = text.size() > kMaxQuotedBytes;
    return absl::InvalidArgumentError(
        StrCat(row.kind, " ", row.index, ": feature '", inputs_[input].name, "' is ",
               TypeWord(input), "; got ", text.substr(0, kMaxQuotedBytes), cut ? "..." : ""));
  }

  // {"instances": [{...}, ...]}, at the list.
  absl::Status ReadRows() {
    SkipSpace();
    if (!Consume('[')) return absl::InvalidArgumentError("\"instances\" must be a list of objects");
    if (Consume(']')) return absl::OkStatus();
    std::vector<uint8_t> seen(inputs_.size());
    for (size_t instance = 0;; ++instance) {
      if (!Consume('{')) {
        return absl::InvalidArgumentError(
            StrCat("instance ", instance, ": each instance must be an object of feature: value"));
      }
      std::fill(seen.begin(), seen.end(), 0);
      if (!Consume('}')) {
        while (true) {
          ASSIGN_OR_RETURN(std::string_view key, ReadKey());
          if (key == kExamplesKey && examples_are_serialized_) {
            RETURN_IF_ERROR(ReadExample({"instance", instance}, seen));
            if (Consume(',')) continue;
            RETURN_IF_ERROR(Expect('}'));
            break;
          }
          ASSIGN_OR_RETURN(size_t input, InputOf(key));
          if (seen[input]) {
            return absl::InvalidArgumentError(StrCat("instance ", instance, ": feature '",
                                                     inputs_[input].name, "' appears twice"));
          }
          seen[input] = 1;
          RETURN_IF_ERROR(ReadCell(input, {"instance", instance}, ColumnOf(input)));
          if (Consume(',')) continue;
          RETURN_IF_ERROR(Expect('}'));
          break;
        }
      }
      FillUnseen(seen, 1);
      if (Consume(',')) continue;
      return Expect(']');
    }
  }

  // {"inputs": {"feature": [...], ...}}, at the object.
  absl::Status ReadColumns() {
    SkipSpace();
    if (!Consume('{'))
      return absl::InvalidArgumentError("\"inputs\" must be an object of feature: [values]");
    std::vector<uint8_t> seen(inputs_.size());
    std::optional<size_t> rows;
    bool seen_examples = false;
    if (!Consume('}')) {
      while (true) {
        ASSIGN_OR_RETURN(std::string_view key, ReadKey());
        if (key == kExamplesKey && examples_are_serialized_) {
          if (rows || seen_examples) return ExamplesBesideFeatures();
          seen_examples = true;
          ASSIGN_OR_RETURN(rows, ReadExampleColumn());
          if (Consume(',')) continue;
          RETURN_IF_ERROR(Expect('}'));
          break;
        }
        if (seen_examples) return ExamplesBesideFeatures();
        ASSIGN_OR_RETURN(size_t input, InputOf(key));
        if (seen[input]) {
          return absl::InvalidArgumentError(
              StrCat("feature '", inputs_[input].name, "' appears twice"));
        }
        seen[input] = 1;
        data::Column& column = ColumnOf(input);
        size_t count = 0;
        SkipSpace();
        if (Consume('[')) {
          if (!Consume(']')) {
            while (true) {
              RETURN_IF_ERROR(ReadCell(input, {"row", count}, column));
              ++count;
              if (Consume(',')) continue;
              RETURN_IF_ERROR(Expect(']'));
              break;
            }
          }
        } else {
          RETURN_IF_ERROR(ReadCell(input, {"row", 0}, column));  // A bare value: one row.
          count = 1;
        }
        if (rows && *rows != count) {
          return absl::InvalidArgumentError(StrCat("feature '", inputs_[input].name, "' has ",
                                                   count, " values; the others have ", *rows));
        }
        rows = count;
        if (Consume(',')) continue;
        RETURN_IF_ERROR(Expect('}'));
        break;
      }
    }
    if (!seen_examples) FillUnseen(seen, rows.value_or(0));
    return absl::OkStatus();
  }

  // {"examples": [{"b64": ...}, ...]} in the columnar form, at the list: one row per example.
  absl::StatusOr<size_t> ReadExampleColumn() {
    SkipSpace();
    if (!Consume('['))
      return absl::InvalidArgumentError("\"examples\" must be a list of {\"b64\": \"...\"}");
    size_t count = 0;
    std::vector<uint8_t> seen(inputs_.size());
    if (Consume(']')) return count;
    while (true) {
      std::fill(seen.begin(), seen.end(), 0);
      RETURN_IF_ERROR(ReadExample({"row", count}, seen));
      FillUnseen(seen, 1);
      ++count;
      if (Consume(',')) continue;
      RETURN_IF_ERROR(Expect(']'));
      return count;
    }
  }

  // {"b64": "<serialized tf.Example>"}, or a list of one: its features become the row's values,
  // checked as JSON values are (known, typed as the signature says, one value at most).
  absl::Status ReadExample(Row row, std::vector<uint8_t>& seen) {
    SkipSpace();
    const bool listed = Consume('[');
    SkipSpace();
    const size_t start = pos_;
    if (!Consume('{')) {
      return absl::InvalidArgumentError(StrCat(
          row.kind, " ", row.index, ": \"examples\" takes {\"b64\": \"<serialized tf.Example>\"}"));
    }
    ASSIGN_OR_RETURN(std::string_view serialized, ReadBase64Object(start));
    if (listed) RETURN_IF_ERROR(Expect(']'));
    return AppendExample(serialized, row, seen);
  }

  std::string_view body_;
  size_t pos_ = 0;
  std::string scratch_;
  std::string decoded_;  // The last {"b64": ...} value, decoded.
};

// Typed columns, checked as JSON values are.
class TypedColumnsReader : private RequestColumns {
 public:
  using RequestColumns::RequestColumns;

  absl::StatusOr<PredictRequest> Read(std::span<const TypedColumn> columns) {
    request_.columnar = true;
    std::vector<uint8_t> seen(inputs_.size());
    std::optional<size_t> rows;
    for (const TypedColumn& column : columns) {
      if (column.name == kExamplesKey && examples_are_serialized_) {
        if (columns.size() > 1) return ExamplesBesideFeatures();
        return ReadExamples(column);
      }
      ASSIGN_OR_RETURN(size_t input, InputOf(column.name));
      if (seen[input]) {
        return absl::InvalidArgumentError(
            StrCat("feature '", inputs_[input].name, "' appears twice"));
      }
      seen[input] = 1;
      ASSIGN_OR_RETURN(
          size_t count,
          std::visit([&](const auto& values) { return Append(input, values); }, column.values));
      if (rows && *rows != count) {
        return absl::InvalidArgumentError(StrCat("feature '", inputs_[input].name, "' has ", count,
                                                 " values; the others have ", *rows));
      }
      rows = count;
    }
    FillUnseen(seen, rows.value_or(0));
    return Finish();
  }

 private:
  absl::StatusOr<PredictRequest> ReadExamples(const TypedColumn& column) {
    const auto* serialized = std::get_if<std::vector<std::string_view>>(&column.values);
    if (serialized == nullptr) {
      return absl::InvalidArgumentError("\"examples\" takes serialized tf.Examples (strings)");
    }
    std::vector<uint8_t> seen(inputs_.size());
    for (size_t row = 0; row < serialized->size(); ++row) {
      std::fill(seen.begin(), seen.end(), 0);
      RETURN_IF_ERROR(AppendExample((*serialized)[row], {"row", row}, seen));
      FillUnseen(seen, 1);
    }
    return Finish();
  }

  absl::Status KindError(size_t input, std::string_view holds) const {
    return absl::InvalidArgumentError(StrCat("feature '", inputs_[input].name, "' is ",
                                             TypeWord(input), "; its input holds ", holds));
  }

  absl::StatusOr<size_t> Append(size_t input, const std::vector<int64_t>& values) {
    data::Column& column = ColumnOf(input);
    const transform::ValueType type = inputs_[input].type;
    if (type != transform::INT && type != transform::FLOAT) return KindError(input, "integers");
    for (int64_t value : values) {
      if (type == transform::INT) {
        column.AddInt64(value);
      } else {
        column.AddFloat(static_cast<float>(static_cast<double>(value)));  // As JSON's 3 reads.
      }
      column.FinishRow(data::Presence::kPresent);
    }
    return values.size();
  }

  absl::StatusOr<size_t> Append(size_t input, const std::vector<double>& values) {
    data::Column& column = ColumnOf(input);
    const transform::ValueType type = inputs_[input].type;
    if (type != transform::INT && type != transform::FLOAT) return KindError(input, "numbers");
    for (size_t row = 0; row < values.size(); ++row) {
      const double value = values[row];
      if (!std::isfinite(value) ||
          (type == transform::FLOAT && !std::isfinite(static_cast<float>(value)))) {
        return absl::InvalidArgumentError(StrCat("row ", row, ": feature '", inputs_[input].name,
                                                 "' holds ", value, ", beyond a float's range"));
      }
      if (type == transform::INT) {
        // 3.0 is an integer too; 3.5, and integers beyond int64, are not.
        if (!(std::floor(value) == value && std::abs(value) < 9.2e18)) {
          return absl::InvalidArgumentError(StrCat("row ", row, ": feature '", inputs_[input].name,
                                                   "' is an integer; got ", value));
        }
        column.AddInt64(static_cast<int64_t>(value));
      } else {
        column.AddFloat(static_cast<float>(value));
      }
      column.FinishRow(data::Presence::kPresent);
    }
    return values.size();
  }

  absl::StatusOr<size_t> Append(size_t input, const std::vector<std::string_view>& values) {
    if (inputs_[input].type == transform::INT || inputs_[input].type == transform::FLOAT)
      return KindError(input, "strings");
    data::Column& column = ColumnOf(input);
    for (std::string_view value : values) {
      column.AddBytes(value);
      column.FinishRow(data::Presence::kPresent);
    }
    return values.size();
  }
};

PredictRequestReader::PredictRequestReader(const model::ModelSpec& spec) {
  int read = 0, unread = 0;
  for (const auto& input : spec.signature_inputs()) {
    index_.emplace(input.name(), inputs_.size());
    inputs_.push_back({.name = input.name(), .type = input.type(), .column = read++});
    known_ += StrCat(known_.empty() ? "" : ", ", input.name());
  }
  for (const auto& input : spec.unread_inputs()) {
    index_.emplace(input.name(), inputs_.size());
    inputs_.push_back({.name = input.name(), .type = input.type(), .column = -1 - unread++});
    known_ += StrCat(known_.empty() ? "" : ", ", input.name());
  }
}

absl::StatusOr<PredictRequest> PredictRequestReader::Read(std::string_view body) const {
  return RequestParser(*this, body).Parse();
}

absl::StatusOr<PredictRequest> PredictRequestReader::Read(
    std::span<const TypedColumn> columns) const {
  return TypedColumnsReader(*this).Read(columns);
}

namespace {

// A float in its shortest form that reads back as the same float; null for NaN and infinities
// (JSON has neither). A whole number keeps a point, so that clients read every value as a float.
void AppendFloat(std::string& out, float value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  char number[32];
  auto [end, ec] = std::to_chars(number, number + sizeof(number), value);
  out.append(number, end);
  if (std::find_if(number, end, [](char c) { return c == '.' || c == 'e'; }) == end) out += ".0";
}

// Row `row` of `values`: a bare number when `width` is 1, else a list.
void AppendRow(std::string& out, std::span<const float> values, size_t width, size_t row) {
  if (width == 1) {
    AppendFloat(out, values[row]);
    return;
  }
  out += '[';
  for (size_t k = 0; k < width; ++k) {
    if (k > 0) out += ',';
    AppendFloat(out, values[row * width + k]);
  }
  out += ']';
}

}  // namespace

std::string WritePredictResponse(std::span<const float> predictions, int width, bool columnar,
                                 std::span<const std::string> class_names) {
  const size_t row_width = static_cast<size_t>(std::max(width, 1));
  const size_t rows = predictions.size() / row_width;
  std::string out;
  out.reserve(32 + predictions.size() * 16);
  if (class_names.empty()) {
    out += columnar ? "{\"outputs\":[" : "{\"predictions\":[";
    for (size_t row = 0; row < rows; ++row) {
      if (row > 0) out += ',';
      AppendRow(out, predictions, row_width, row);
    }
    out += "]}";
    return out;
  }
  // Two outputs: TF Serving answers rows as objects and columns as an object of lists.
  std::string classes = "[";
  for (size_t k = 0; k < class_names.size(); ++k)
    classes += StrCat(k ? "," : "", JsonQuote(class_names[k]));
  classes += ']';
  if (columnar) {
    out += "{\"outputs\":{\"probabilities\":[";
    for (size_t row = 0; row < rows; ++row) {
      if (row > 0) out += ',';
      AppendRow(out, predictions, row_width, row);
    }
    out += "],\"classes\":[";
    for (size_t row = 0; row < rows; ++row) out += StrCat(row ? "," : "", classes);
    out += "]}}";
    return out;
  }
  out += "{\"predictions\":[";
  for (size_t row = 0; row < rows; ++row) {
    out += row > 0 ? ",{\"probabilities\":" : "{\"probabilities\":";
    AppendRow(out, predictions, row_width, row);
    out += StrCat(",\"classes\":", classes, "}");
  }
  out += "]}";
  return out;
}

std::string WriteClassifyResponse(std::span<const float> predictions, int width,
                                  std::span<const std::string> class_names) {
  const size_t row_width = static_cast<size_t>(std::max(width, 1));
  const size_t classes = row_width == 1 ? 2 : row_width;
  std::string out = "{\"result\":[";
  for (size_t row = 0; row < predictions.size() / row_width; ++row) {
    out += row > 0 ? ",[" : "[";
    for (size_t k = 0; k < classes; ++k) {
      const float score = row_width > 1 ? predictions[row * row_width + k]
                          : k == 0      ? 1.0f - predictions[row]
                                        : predictions[row];
      out += k > 0 ? ",[" : "[";
      out += JsonQuote(k < class_names.size() ? class_names[k] : std::to_string(k));
      out += ',';
      AppendFloat(out, score);
      out += ']';
    }
    out += ']';
  }
  out += "]}";
  return out;
}

std::string WriteRegressResponse(std::span<const float> predictions) {
  std::string out = "{\"result\":[";
  for (size_t row = 0; row < predictions.size(); ++row) {
    if (row > 0) out += ',';
    AppendFloat(out, predictions[row]);
  }
  out += "]}";
  return out;
}

}  // namespace weir::serving
