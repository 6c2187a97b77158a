// Artifacts by span (TFX's `span` property on Examples and on what is made of them): what the
// drift check, the rolling window and the UI's span comparison look up in the store.
#ifndef WEIR_METADATA_SPAN_ARTIFACTS_H_
#define WEIR_METADATA_SPAN_ARTIFACTS_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "weir/metadata/metadata_store.h"

namespace weir::metadata {

// The span an artifact's properties record, if they do.
std::optional<int64_t> SpanOf(const Properties& properties);

struct SpanArtifact {
  int64_t span = 0;
  int64_t id = 0;
};

// The artifacts, live, on disk and with a span, that the node which made `artifact_id` made (its
// node context holds them all), sorted by span and then by id: the last of a span is the newest
// one of it. None when the artifact has no producer in the store.
absl::StatusOr<std::vector<SpanArtifact>> ArtifactsBySpanOfProducer(MetadataStore& store,
                                                                    int64_t artifact_id);

}  // namespace weir::metadata

#endif  // WEIR_METADATA_SPAN_ARTIFACTS_H_
