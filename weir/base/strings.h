// String building. Debian's abseil is built with its own absl::string_view (not
// std::string_view), so weir::StrCat does not take std::string_view; weir's StrCat does.
#ifndef WEIR_BASE_STRINGS_H_
#define WEIR_BASE_STRINGS_H_

#include <charconv>
#include <concepts>
#include <string>
#include <string_view>

#include "absl/strings/string_view.h"

namespace weir {
namespace strings_internal {

inline void Append(std::string& out, std::string_view piece) { out.append(piece); }
inline void Append(std::string& out, const char* piece) { out.append(piece); }
inline void Append(std::string& out, const std::string& piece) { out.append(piece); }
inline void Append(std::string& out, char c) { out.push_back(c); }
#ifndef ABSL_USES_STD_STRING_VIEW
// absl::Status::message() is an absl::string_view.
inline void Append(std::string& out, absl::string_view piece) {
  out.append(piece.data(), piece.size());
}
#endif
template <std::integral T>
requires(!std::same_as<T, char> && !std::same_as<T, bool>) void Append(std::string& out, T value) {
  char buffer[24];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, result.ptr);
}
template <std::floating_point T>
void Append(std::string& out, T value) {
  char buffer[32];
  auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);  // Shortest round-trip.
  out.append(buffer, result.ptr);
}

}  // namespace strings_internal

// Concatenates strings, characters and numbers (numbers in their shortest exact form).
template <typename... Pieces>
std::string StrCat(const Pieces&... pieces) {
  std::string out;
  (strings_internal::Append(out, pieces), ...);
  return out;
}

// `text` with every byte outside RFC 3986's unreserved characters as %XX, for a URL's path
// segment or query value, or a URI's user or host.
std::string PercentEncode(std::string_view text);
// `text` with every byte `keep` refuses as %XX (gRPC's grpc-message keeps printable ASCII but
// '%').
std::string PercentEncode(std::string_view text, bool (*keep)(unsigned char c));
// %XX decoded; a '%' not followed by two hex digits is kept as it is. ('+' stays '+': it means
// a space only in query strings, whose readers replace it first.)
std::string PercentDecode(std::string_view text);

// `text` as a JSON string literal, quotes included (control characters escaped; other bytes as
// they are).
std::string JsonQuote(std::string_view text);

}  // namespace weir

#endif  // WEIR_BASE_STRINGS_H_
