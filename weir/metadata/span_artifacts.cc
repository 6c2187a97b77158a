#include "weir/metadata/span_artifacts.h"

#include <algorithm>
#include <filesystem>

#include "weir/base/status.h"
#include "weir/metadata/run_records.h"

namespace weir::metadata {

std::optional<int64_t> SpanOf(const Properties& properties) {
  auto span = properties.find("span");
  if (span == properties.end() || !std::holds_alternative<int64_t>(span->second))
    return std::nullopt;
  return std::get<int64_t>(span->second);
}

absl::StatusOr<std::vector<SpanArtifact>> ArtifactsBySpanOfProducer(MetadataStore& store,
                                                                    int64_t artifact_id) {
  std::vector<SpanArtifact> made;
  ASSIGN_OR_RETURN(std::vector<Event> events, store.GetEventsByArtifact(artifact_id));
  // The first output is the producer; later ones are reuses (a cached execution, a resolver).
  auto produced = std::find_if(events.begin(), events.end(), [](const Event& event) {
    return event.type == Event::Type::kOutput;
  });
  if (produced == events.end()) return made;
  ASSIGN_OR_RETURN(std::vector<Context> contexts,
                   store.GetContextsByExecution(produced->execution_id));
  auto node = std::find_if(contexts.begin(), contexts.end(), [](const Context& context) {
    return context.type_name == kNodeContextType;
  });
  if (node == contexts.end()) return made;
  ASSIGN_OR_RETURN(std::vector<Artifact> artifacts, store.GetArtifactsByContext(node->id));
  for (const Artifact& artifact : artifacts) {
    const std::optional<int64_t> span = SpanOf(artifact.custom_properties);
    std::error_code ec;
    if (span && artifact.state == Artifact::State::kLive &&
        std::filesystem::exists(artifact.uri, ec)) {
      made.push_back({.span = *span, .id = artifact.id});
    }
  }
  std::sort(made.begin(), made.end(), [](const SpanArtifact& a, const SpanArtifact& b) {
    return std::pair(a.span, a.id) < std::pair(b.span, b.id);
  });
  return made;
}

}  // namespace weir::metadata
