#include "weir/views/schema.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/schema/schema_inference.h"

namespace weir::views {
namespace fs = std::filesystem;
namespace {

template <typename T>
std::optional<T> Maybe(bool present, T value) {
  return present ? std::optional<T>(value) : std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Schema.

// Valency as TFDV's display_schema words it.
std::string ValencyText(const tfmd::Feature& feature) {
  auto range = [](const tfmd::ValueCount& count) {
    if (count.has_max()) {
      return count.min() == count.max() ? StrCat(count.min())
                                        : StrCat(count.min(), "..", count.max());
    }
    return StrCat(">=", count.min());
  };
  switch (feature.shape_type_case()) {
    case tfmd::Feature::kValueCount:
      if (feature.value_count().min() == 1 && feature.value_count().max() == 1) return "single";
      return StrCat("values ", range(feature.value_count()));
    case tfmd::Feature::kShape: {
      std::string dims;
      for (const auto& dim : feature.shape().dim())
        dims += StrCat(dims.empty() ? "" : ",", dim.size());
      return StrCat("shape [", dims, "]");
    }
    case tfmd::Feature::kValueCounts: {
      std::string levels;
      for (const auto& count : feature.value_counts().value_count()) {
        levels += StrCat(levels.empty() ? "" : ", ", range(count));
      }
      return StrCat("nested [", levels, "]");
    }
    default:
      return "";
  }
}

std::string PresenceText(const tfmd::Feature& feature) {
  if (feature.has_group_presence()) {
    return feature.group_presence().required() ? "required in group" : "optional in group";
  }
  if (!feature.has_presence()) return "";
  const tfmd::FeaturePresence& presence = feature.presence();
  if (presence.min_fraction() >= 1.0) return "required";
  std::string text = "optional";
  if (presence.min_fraction() > 0)
    text += StrCat(", min ", FormatPercent(presence.min_fraction(), 1));
  if (presence.min_count() > 0) text += StrCat(", min_count ", presence.min_count());
  return text;
}

// What a feature's domain allows, whether declared inline or by name at the schema level.
struct DomainDescription {
  std::string name;  // Empty for an inline domain.
  std::string kind;  // "string", "int", "float", "bool", "struct", "natural_language", ...
  std::vector<std::string> values;
  std::optional<double> min;
  std::optional<double> max;
};

DomainDescription Describe(const tfmd::StringDomain& domain) {
  return {domain.name(), "string", {domain.value().begin(), domain.value().end()}, {}, {}};
}
DomainDescription Describe(const tfmd::IntDomain& domain) {
  return {domain.name(),
          "int",
          {},
          Maybe<double>(domain.has_min(), domain.min()),
          Maybe<double>(domain.has_max(), domain.max())};
}
DomainDescription Describe(const tfmd::FloatDomain& domain) {
  return {domain.name(),
          "float",
          {},
          Maybe<double>(domain.has_min(), domain.min()),
          Maybe<double>(domain.has_max(), domain.max())};
}

// The feature's domain, or nullopt when it has none. A reference to an undeclared name keeps the
// name with kind "unknown" so that the table shows the dangling reference instead of hiding it.
std::optional<DomainDescription> FeatureDomain(const tfmd::Feature& feature,
                                               const tfmd::Schema& schema) {
  switch (feature.domain_info_case()) {
    case tfmd::Feature::kDomain: {
      for (const auto& d : schema.string_domain()) {
        if (d.name() == feature.domain()) return Describe(d);
      }
      for (const auto& d : schema.int_domain()) {
        if (d.name() == feature.domain()) return Describe(d);
      }
      for (const auto& d : schema.float_domain()) {
        if (d.name() == feature.domain()) return Describe(d);
      }
      return DomainDescription{feature.domain(), "unknown", {}, {}, {}};
    }
    case tfmd::Feature::kStringDomain:
      return Describe(feature.string_domain());
    case tfmd::Feature::kIntDomain:
      return Describe(feature.int_domain());
    case tfmd::Feature::kFloatDomain:
      return Describe(feature.float_domain());
    case tfmd::Feature::kBoolDomain: {
      const tfmd::BoolDomain& b = feature.bool_domain();
      std::vector<std::string> values;
      if (b.has_true_value()) values.push_back(b.true_value());
      if (b.has_false_value()) values.push_back(b.false_value());
      return DomainDescription{b.name(), "bool", values, {}, {}};
    }
    case tfmd::Feature::kStructDomain:
      return DomainDescription{"", "struct", {}, {}, {}};
    case tfmd::Feature::kNaturalLanguageDomain:
      return DomainDescription{"", "natural_language", {}, {}, {}};
    case tfmd::Feature::kImageDomain:
      return DomainDescription{"", "image", {}, {}, {}};
    case tfmd::Feature::kMidDomain:
      return DomainDescription{"", "mid", {}, {}, {}};
    case tfmd::Feature::kUrlDomain:
      return DomainDescription{"", "url", {}, {}, {}};
    case tfmd::Feature::kTimeDomain:
      return DomainDescription{"", "time", {}, {}, {}};
    case tfmd::Feature::kTimeOfDayDomain:
      return DomainDescription{"", "time_of_day", {}, {}, {}};
    default:
      return std::nullopt;
  }
}

// "'a', 'b', … (+N more)" within `width` columns, or the range for numeric domains.
std::string DomainValuesText(const DomainDescription& domain, size_t width) {
  if (domain.min || domain.max) {
    return StrCat("[", domain.min ? FormatNumber(*domain.min) : "-inf", ", ",
                  domain.max ? FormatNumber(*domain.max) : "inf", "]");
  }
  if (domain.values.empty()) return domain.kind == "unknown" ? "(not declared in the schema)" : "";
  std::string out;
  for (size_t i = 0; i < domain.values.size(); ++i) {
    std::string piece = StrCat(i ? ", " : "", "'", domain.values[i], "'");
    std::string more = StrCat(", … (+", domain.values.size() - i, " more)");
    bool last = i + 1 == domain.values.size();
    if (DisplayWidth(out) + DisplayWidth(piece) + (last ? 0 : DisplayWidth(more)) > width &&
        i > 0) {
      return out + more;
    }
    out += piece;
  }
  return out;
}

std::string InlineDomainText(const DomainDescription& domain) {
  if (!domain.name.empty()) return domain.name;
  std::string values = DomainValuesText(domain, 40);
  return values.empty() ? domain.kind : StrCat(domain.kind, " ", values);
}

nlohmann::ordered_json DomainToJson(const DomainDescription& domain) {
  nlohmann::ordered_json out = {{"kind", domain.kind}};
  if (!domain.name.empty()) out["name"] = domain.name;
  if (!domain.values.empty()) out["values"] = domain.values;
  if (domain.min) out["min"] = *domain.min;
  if (domain.max) out["max"] = *domain.max;
  return out;
}

}  // namespace

absl::StatusOr<tfmd::Schema> LoadSchema(const fs::path& path) { return schema::ReadSchema(path); }

std::string RenderSchema(const tfmd::Schema& schema, const TextOptions& options) {
  std::string out = Title(StrCat("Schema: ", schema.feature_size(), " features"), options) + "\n\n";
  Table features({{"feature", Align::kLeft, Fit::kTruncate, kNameWidth},
                  {"type"},
                  {"presence"},
                  {"valency"},
                  {"domain", Align::kLeft, Fit::kTruncate}});
  for (const tfmd::Feature& feature : schema.feature()) {
    std::optional<DomainDescription> domain = FeatureDomain(feature, schema);
    std::string type = feature.has_type() ? tfmd::FeatureType_Name(feature.type()) : "";
    if (feature.lifecycle_stage() == tfmd::DEPRECATED) type += " (deprecated)";
    features.AddRow({feature.name(), type, PresenceText(feature), ValencyText(feature),
                     domain ? InlineDomainText(*domain) : ""});
  }
  out += features.Render(options);

  Table domains({{"domain"}, {"kind"}, {"values", Align::kLeft, Fit::kTruncate}});
  std::vector<DomainDescription> declared;
  for (const auto& d : schema.string_domain()) declared.push_back(Describe(d));
  for (const auto& d : schema.int_domain()) declared.push_back(Describe(d));
  for (const auto& d : schema.float_domain()) declared.push_back(Describe(d));
  size_t name_width = 0;
  for (const auto& d : declared) name_width = std::max(name_width, DisplayWidth(d.name));
  // The values column gets what the name and kind columns leave, so that "(+N more)" survives.
  const size_t values_width =
      static_cast<size_t>(std::max(20, options.max_width - static_cast<int>(name_width) - 12));
  for (const auto& d : declared)
    domains.AddRow({d.name, d.kind, DomainValuesText(d, values_width)});
  if (!domains.empty()) out += "\n" + domains.Render(options);

  if (schema.has_dataset_constraints()) {
    const tfmd::DatasetConstraints& constraints = schema.dataset_constraints();
    std::string text;
    if (constraints.has_min_examples_count())
      text += StrCat("  min examples: ", constraints.min_examples_count(), "\n");
    if (constraints.has_max_examples_count())
      text += StrCat("  max examples: ", constraints.max_examples_count(), "\n");
    if (!text.empty()) out += "\n" + Title("Dataset constraints", options) + "\n" + text;
  }
  return out;
}

nlohmann::ordered_json SchemaToJson(const tfmd::Schema& schema) {
  nlohmann::ordered_json features = nlohmann::ordered_json::array();
  for (const tfmd::Feature& feature : schema.feature()) {
    nlohmann::ordered_json json = {{"name", feature.name()},
                                   {"type", tfmd::FeatureType_Name(feature.type())}};
    if (feature.has_presence()) {
      json["presence"] = {{"required", feature.presence().min_fraction() >= 1.0},
                          {"min_fraction", feature.presence().min_fraction()},
                          {"min_count", feature.presence().min_count()}};
    } else if (feature.has_group_presence()) {
      json["presence"] = {{"required", feature.group_presence().required()}, {"in_group", true}};
    }
    std::string valency = ValencyText(feature);
    if (!valency.empty()) json["valency"] = valency;
    if (feature.has_value_count()) {
      json["value_count"] = {{"min", feature.value_count().min()}};
      if (feature.value_count().has_max()) json["value_count"]["max"] = feature.value_count().max();
    }
    if (feature.has_shape()) {
      std::vector<int64_t> dims;
      for (const auto& dim : feature.shape().dim()) dims.push_back(dim.size());
      json["shape"] = dims;
    }
    if (std::optional<DomainDescription> domain = FeatureDomain(feature, schema)) {
      json["domain"] = DomainToJson(*domain);
    }
    if (feature.has_lifecycle_stage())
      json["lifecycle_stage"] = tfmd::LifecycleStage_Name(feature.lifecycle_stage());
    features.push_back(std::move(json));
  }
  nlohmann::ordered_json domains = nlohmann::ordered_json::array();
  for (const auto& d : schema.string_domain()) domains.push_back(DomainToJson(Describe(d)));
  for (const auto& d : schema.int_domain()) domains.push_back(DomainToJson(Describe(d)));
  for (const auto& d : schema.float_domain()) domains.push_back(DomainToJson(Describe(d)));
  nlohmann::ordered_json out = {{"features", features}, {"domains", domains}};
  if (schema.has_dataset_constraints()) {
    const tfmd::DatasetConstraints& constraints = schema.dataset_constraints();
    nlohmann::ordered_json json = nlohmann::ordered_json::object();
    if (constraints.has_min_examples_count())
      json["min_examples_count"] = constraints.min_examples_count();
    if (constraints.has_max_examples_count())
      json["max_examples_count"] = constraints.max_examples_count();
    out["dataset_constraints"] = json;
  }
  return out;
}

}  // namespace weir::views
