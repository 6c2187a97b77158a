#include "weir/metadata/libpq.h"

#include "weir/base/plugin.h"

namespace weir::metadata {
namespace {

constexpr char kLibPq[] = "libpq.so.5";

void BindAll(base::LibraryBinder& bind, LibPq& pq) {
  bind("PQconnectdbParams", pq.PQconnectdbParams);
  bind("PQfinish", pq.PQfinish);
  bind("PQstatus", pq.PQstatus);
  bind("PQerrorMessage", pq.PQerrorMessage);
  bind("PQuser", pq.PQuser);
  bind("PQhost", pq.PQhost);
  bind("PQport", pq.PQport);
  bind("PQdb", pq.PQdb);
  bind("PQsetNoticeProcessor", pq.PQsetNoticeProcessor);
  bind("PQexec", pq.PQexec);
  bind("PQexecParams", pq.PQexecParams);
  bind("PQresultStatus", pq.PQresultStatus);
  bind("PQresultErrorField", pq.PQresultErrorField);
  bind("PQresultErrorMessage", pq.PQresultErrorMessage);
  bind("PQntuples", pq.PQntuples);
  bind("PQgetisnull", pq.PQgetisnull);
  bind("PQgetvalue", pq.PQgetvalue);
  bind("PQgetlength", pq.PQgetlength);
  bind("PQclear", pq.PQclear);
}

}  // namespace

absl::StatusOr<const LibPq*> LoadLibPq() {
  return base::LoadLibraryOnce<LibPq>(
      kLibPq, "PostgreSQL stores need libpq (Debian package libpq5)", &BindAll);
}

}  // namespace weir::metadata
