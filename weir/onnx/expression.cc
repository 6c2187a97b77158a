#include "weir/onnx/expression.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <map>
#include <numbers>
#include <vector>

#include "weir/base/status.h"
#include "weir/base/strings.h"

namespace weir::onnx {
namespace {

using proto::TensorProto;

// Recursive descent over muparser's grammar, lowest precedence first:
//   ternary := or ('?' ternary ':' ternary)?      or  := and ('||' and)*
//   and     := compare ('&&' compare)*            compare := sum (('<' | '<=' | ...) sum)*
//   sum     := product (('+' | '-') product)*     product := sign (('*' | '/') sign)*
//   sign    := ('-' | '+') sign | power           power := primary ('^' sign)?
class Translator {
 public:
  Translator(std::string_view text, GraphBuilder& g,
             const std::function<std::string(const std::string&)>& variable)
      : text_(text), g_(g), variable_(variable) {}

  absl::StatusOr<std::string> Run() {
    ASSIGN_OR_RETURN(std::string value, Ternary());
    Skip();
    if (pos_ != text_.size()) return Error(StrCat("unexpected '", text_.substr(pos_, 1), "'"));
    return value;
  }

 private:
  absl::Status Error(std::string_view what) const {
    return absl::UnimplementedError(
        StrCat("the expression '", text_, "' at ", pos_ + 1, ": ", what));
  }

  void Skip() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  // Consumes `token` when it comes next.
  bool Take(std::string_view token) {
    Skip();
    if (text_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }

  std::string Number(double value) { return g_.Scalar(TensorProto::DOUBLE, value); }
  // Booleans as muparser gives them: 1 or 0.
  std::string FromBool(const std::string& condition) {
    return g_.Cast(condition, TensorProto::DOUBLE);
  }
  // muparser's truth: non-zero (NaN too).
  std::string NonZero(const std::string& value) {
    return g_.Add("Not", {g_.Add("Equal", {value, Number(0)})});
  }

  absl::StatusOr<std::string> Ternary() {
    ASSIGN_OR_RETURN(std::string condition, Or());
    if (!Take("?")) return condition;
    ASSIGN_OR_RETURN(std::string then, Ternary());
    if (!Take(":")) return Error("'?' without ':'");
    ASSIGN_OR_RETURN(std::string otherwise, Ternary());
    return g_.Add("Where", {NonZero(condition), then, otherwise});
  }

  using Rule = absl::StatusOr<std::string> (Translator::*)();
  struct Operator {
    std::string_view token;
    std::string_view op;  // The ONNX op, or NotEqual.
  };
  using Apply =
      std::function<std::string(std::string_view op, const std::string&, const std::string&)>;

  // next (operator next)*, left to right; `apply` makes the nodes of each operator met. Tokens
  // that begin others (< of <=) come after them.
  absl::StatusOr<std::string> Chain(Rule next, std::initializer_list<Operator> operators,
                                    const Apply& apply) {
    ASSIGN_OR_RETURN(std::string left, (this->*next)());
    while (true) {
      const Operator* found = nullptr;
      for (const Operator& candidate : operators) {
        if (Take(candidate.token)) {
          found = &candidate;
          break;
        }
      }
      if (found == nullptr) return left;
      ASSIGN_OR_RETURN(std::string right, (this->*next)());
      left = apply(found->op, left, right);
    }
  }

  std::string Arithmetic(std::string_view op, const std::string& left, const std::string& right) {
    return g_.Add(op, {left, right});
  }
  std::string Logical(std::string_view op, const std::string& left, const std::string& right) {
    return FromBool(g_.Add(op, {NonZero(left), NonZero(right)}));
  }
  std::string Comparison(std::string_view op, const std::string& left, const std::string& right) {
    if (op == "NotEqual") return FromBool(g_.Add("Not", {g_.Add("Equal", {left, right})}));
    return FromBool(g_.Add(op, {left, right}));
  }

  absl::StatusOr<std::string> Or() {
    return Chain(&Translator::And, {{"||", "Or"}},
                 [this](auto op, auto& l, auto& r) { return Logical(op, l, r); });
  }
  absl::StatusOr<std::string> And() {
    return Chain(&Translator::Compare, {{"&&", "And"}},
                 [this](auto op, auto& l, auto& r) { return Logical(op, l, r); });
  }
  absl::StatusOr<std::string> Compare() {
    return Chain(&Translator::Sum,
                 {{"<=", "LessOrEqual"},
                  {">=", "GreaterOrEqual"},
                  {"==", "Equal"},
                  {"!=", "NotEqual"},
                  {"<", "Less"},
                  {">", "Greater"}},
                 [this](auto op, auto& l, auto& r) { return Comparison(op, l, r); });
  }
  absl::StatusOr<std::string> Sum() {
    return Chain(&Translator::Product, {{"+", "Add"}, {"-", "Sub"}},
                 [this](auto op, auto& l, auto& r) { return Arithmetic(op, l, r); });
  }
  absl::StatusOr<std::string> Product() {
    return Chain(&Translator::Sign, {{"*", "Mul"}, {"/", "Div"}},
                 [this](auto op, auto& l, auto& r) { return Arithmetic(op, l, r); });
  }

  absl::StatusOr<std::string> Sign() {
    if (Take("-")) {
      ASSIGN_OR_RETURN(std::string value, Sign());
      return g_.Add("Neg", {value});
    }
    if (Take("+")) return Sign();
    return Power();
  }

  absl::StatusOr<std::string> Power() {
    ASSIGN_OR_RETURN(std::string base, Primary());
    if (!Take("^")) return base;
    ASSIGN_OR_RETURN(std::string exponent, Sign());  // Right-associative: 2^3^2 is 2^9.
    return g_.Add("Pow", {base, exponent});
  }

  absl::StatusOr<std::string> Primary() {
    Skip();
    if (pos_ >= text_.size()) return Error("the expression ends early");
    if (Take("(")) {
      ASSIGN_OR_RETURN(std::string value, Ternary());
      if (!Take(")")) return Error("a '(' without ')'");
      return value;
    }
    const char c = text_[pos_];
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      double value = 0;
      auto [end, ec] = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), value);
      if (ec != std::errc()) return Error("a malformed number");
      pos_ = static_cast<size_t>(end - text_.data());
      return Number(value);
    }
    if (!std::isalpha(static_cast<unsigned char>(c)) && c != '_') return Error("a value expected");
    const size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_'))
      ++pos_;
    const std::string name(text_.substr(start, pos_ - start));
    if (!Take("(")) {
      if (name == "_pi") return Number(std::numbers::pi);
      if (name == "_e") return Number(std::numbers::e);
      return variable_(name);
    }
    std::vector<std::string> args;
    if (!Take(")")) {
      do {
        ASSIGN_OR_RETURN(std::string arg, Ternary());
        args.push_back(std::move(arg));
      } while (Take(","));
      if (!Take(")")) return Error(StrCat("the call of ", name, " has no ')'"));
    }
    return Call(name, args);
  }

  absl::StatusOr<std::string> Call(const std::string& name, const std::vector<std::string>& args) {
    static const std::map<std::string, std::string> kUnary = {
        {"abs", "Abs"}, {"sqrt", "Sqrt"}, {"exp", "Exp"}, {"log", "Log"}, {"ln", "Log"}};
    const bool variadic = name == "min" || name == "max" || name == "sum" || name == "avg";
    if (!variadic && args.size() != 1)
      return Error(StrCat(name, " takes one argument, not ", args.size()));
    if (variadic && args.empty()) return Error(StrCat(name, " needs an argument"));
    if (auto it = kUnary.find(name); it != kUnary.end()) return g_.Add(it->second, {args[0]});
    if (name == "log2") return g_.Add("Div", {g_.Add("Log", {args[0]}), Number(std::log(2.0))});
    if (name == "log10") {
      return g_.Add("Div", {g_.Add("Log", {args[0]}), Number(std::log(10.0))});
    }
    if (name == "sign") {  // -1, 0 or 1; NaN gives 0, as muparser's comparisons do.
      return g_.Add("Sub", {FromBool(g_.Add("Greater", {args[0], Number(0)})),
                            FromBool(g_.Add("Less", {args[0], Number(0)}))});
    }
    if (name == "rint") return g_.Add("Floor", {g_.Add("Add", {args[0], Number(0.5)})});
    if (name == "min" || name == "max") return g_.Add(name == "min" ? "Min" : "Max", args);
    if (name == "sum" || name == "avg") {
      std::string total = args[0];
      for (size_t i = 1; i < args.size(); ++i) total = g_.Add("Add", {total, args[i]});
      if (name == "sum") return total;
      return g_.Add("Div", {total, Number(static_cast<double>(args.size()))});
    }
    return Error(StrCat("the function ", name,
                        " is not translated (ONNX Runtime computes trigonometry in float only)"));
  }

  std::string_view text_;
  GraphBuilder& g_;
  const std::function<std::string(const std::string&)>& variable_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<std::string> TranslateExpression(
    std::string_view text, GraphBuilder& graph,
    const std::function<std::string(const std::string& name)>& variable) {
  return Translator(text, graph, variable).Run();
}

}  // namespace weir::onnx
