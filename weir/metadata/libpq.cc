#include "weir/metadata/libpq.h"

#include "weir/base/plugin.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"

namespace weir::metadata {
namespace {

constexpr char kLibPq[] = "libpq.so.5";

absl::Status Bind(auto& function, const char* name) {
  return base::BindLibraryFunction(kLibPq, name, function);
}

absl::StatusOr<LibPq> Load() {
  LibPq pq;
  RETURN_IF_ERROR(Bind(pq.PQconnectdbParams, "PQconnectdbParams"));
  RETURN_IF_ERROR(Bind(pq.PQfinish, "PQfinish"));
  RETURN_IF_ERROR(Bind(pq.PQstatus, "PQstatus"));
  RETURN_IF_ERROR(Bind(pq.PQerrorMessage, "PQerrorMessage"));
  RETURN_IF_ERROR(Bind(pq.PQuser, "PQuser"));
  RETURN_IF_ERROR(Bind(pq.PQhost, "PQhost"));
  RETURN_IF_ERROR(Bind(pq.PQport, "PQport"));
  RETURN_IF_ERROR(Bind(pq.PQdb, "PQdb"));
  RETURN_IF_ERROR(Bind(pq.PQsetNoticeProcessor, "PQsetNoticeProcessor"));
  RETURN_IF_ERROR(Bind(pq.PQexec, "PQexec"));
  RETURN_IF_ERROR(Bind(pq.PQexecParams, "PQexecParams"));
  RETURN_IF_ERROR(Bind(pq.PQresultStatus, "PQresultStatus"));
  RETURN_IF_ERROR(Bind(pq.PQresultErrorField, "PQresultErrorField"));
  RETURN_IF_ERROR(Bind(pq.PQresultErrorMessage, "PQresultErrorMessage"));
  RETURN_IF_ERROR(Bind(pq.PQntuples, "PQntuples"));
  RETURN_IF_ERROR(Bind(pq.PQgetisnull, "PQgetisnull"));
  RETURN_IF_ERROR(Bind(pq.PQgetvalue, "PQgetvalue"));
  RETURN_IF_ERROR(Bind(pq.PQgetlength, "PQgetlength"));
  RETURN_IF_ERROR(Bind(pq.PQclear, "PQclear"));
  return pq;
}

}  // namespace

absl::StatusOr<const LibPq*> LoadLibPq() {
  static const absl::StatusOr<LibPq>* const loaded = new absl::StatusOr<LibPq>(Load());
  if (!loaded->ok()) {
    return absl::FailedPreconditionError(StrCat(
        "PostgreSQL stores need libpq (Debian package libpq5): ", loaded->status().message()));
  }
  return &**loaded;
}

}  // namespace weir::metadata
