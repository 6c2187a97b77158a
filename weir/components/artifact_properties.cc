#include "weir/components/artifact_properties.h"

#include <algorithm>
#include <cstdio>

#include "weir/base/strings.h"

namespace weir::components {

std::string JsonQuote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
          out += buffer;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string EncodeSplitNames(const std::vector<std::string>& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += JsonQuote(names[i]);
  }
  out += "]";
  return out;
}

std::string PropertiesToJson(const ArtifactProperties& properties) {
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : properties) {
    if (!first) out += ", ";
    first = false;
    out += JsonQuote(name) + ": ";
    if (const auto* i = std::get_if<int64_t>(&value)) {
      out += StrCat(*i);
    } else if (const auto* d = std::get_if<double>(&value)) {
      out += StrCat(*d);
    } else {
      out += JsonQuote(std::get<std::string>(value));
    }
  }
  out += "}";
  return out;
}

namespace fs = std::filesystem;

absl::StatusOr<std::vector<std::string>> ListSplits(const fs::path& artifact) {
  std::error_code ec;
  if (!fs::is_directory(artifact, ec)) {
    return absl::NotFoundError(StrCat(artifact.string(), " is not a folder"));
  }
  std::vector<std::string> splits;
  for (const auto& entry : fs::directory_iterator(artifact, ec)) {
    std::string name = entry.path().filename().string();
    if (entry.is_directory() && name.rfind("Split-", 0) == 0) splits.push_back(name.substr(6));
  }
  std::sort(splits.begin(), splits.end());
  if (splits.empty()) {
    return absl::NotFoundError(StrCat(artifact.string(), " has no Split-<name> folders"));
  }
  return splits;
}

}  // namespace weir::components
