// libpq, PostgreSQL's client library, loaded the first time a PostgreSQL store is opened rather
// than linked: it brings some twenty libraries (Kerberos, LDAP, GnuTLS, SASL...) whose loading
// cost every weir command ~5 ms of start-up, and only PostgreSQL stores need it.
#ifndef WEIR_METADATA_LIBPQ_H_
#define WEIR_METADATA_LIBPQ_H_

#include <libpq-fe.h>

#include "absl/status/statusor.h"

namespace weir::metadata {

// The libpq functions weir calls, by their own names.
struct LibPq {
  decltype(&::PQconnectdbParams) PQconnectdbParams;
  decltype(&::PQfinish) PQfinish;
  decltype(&::PQstatus) PQstatus;
  decltype(&::PQerrorMessage) PQerrorMessage;
  decltype(&::PQuser) PQuser;
  decltype(&::PQhost) PQhost;
  decltype(&::PQport) PQport;
  decltype(&::PQdb) PQdb;
  decltype(&::PQsetNoticeProcessor) PQsetNoticeProcessor;
  decltype(&::PQexec) PQexec;
  decltype(&::PQexecParams) PQexecParams;
  decltype(&::PQresultStatus) PQresultStatus;
  decltype(&::PQresultErrorField) PQresultErrorField;
  decltype(&::PQresultErrorMessage) PQresultErrorMessage;
  decltype(&::PQntuples) PQntuples;
  decltype(&::PQgetisnull) PQgetisnull;
  decltype(&::PQgetvalue) PQgetvalue;
  decltype(&::PQgetlength) PQgetlength;
  decltype(&::PQclear) PQclear;
};

// libpq's functions, loaded once; FailedPrecondition saying what is missing (the libpq5 package).
absl::StatusOr<const LibPq*> LoadLibPq();

}  // namespace weir::metadata

#endif  // WEIR_METADATA_LIBPQ_H_
