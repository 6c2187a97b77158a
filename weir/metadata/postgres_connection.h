// The PostgreSQL backend of SqlConnection, through libpq, for a metadata store that several
// machines share. Statements written for SQLite are rewritten as they are prepared: `name` to
// "name" and ? to $1, $2, … (outside string literals).
#ifndef WEIR_METADATA_POSTGRES_CONNECTION_H_
#define WEIR_METADATA_POSTGRES_CONNECTION_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "weir/metadata/sql_connection.h"

struct pg_conn;

namespace weir::metadata {

class PostgresConnection : public SqlConnection {
 public:
  // Connects with a libpq connection string: key=value pairs ("host=127.0.0.1 port=5432
  // dbname=weir user=weir") or a URI (postgresql://user@host:port/dbname). A writer waits up to
  // `lock_timeout_ms` for another one. Errors: Unavailable (cannot connect or log in).
  static absl::StatusOr<std::unique_ptr<PostgresConnection>> Open(std::string_view conninfo,
                                                                  int lock_timeout_ms);
  ~PostgresConnection() override;
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  Dialect dialect() const override { return Dialect::kPostgres; }
  const std::string& location() const override { return location_; }
  absl::Status Execute(std::string_view sql) override;
  absl::StatusOr<std::unique_ptr<SqlStatement>> Prepare(std::string_view sql) override;
  // BEGIN, then a transaction-scoped advisory lock that every weir writer takes: writers queue
  // one after another, as they do on SQLite, so that no check-then-insert races another.
  absl::Status BeginWrite() override;

  pg_conn* handle() const { return connection_; }

 protected:
  std::string_view TableNamesQuery() const override;

 private:
  PostgresConnection(pg_conn* connection, std::string location)
      : connection_(connection), location_(std::move(location)) {}

  pg_conn* connection_;
  std::string location_;
};

// `sql` in PostgreSQL's spelling: `quoted` names in double quotes and each ? parameter numbered
// ($1, $2, …), leaving string literals alone. Sets `parameters` to the number of parameters.
std::string ToPostgresSql(std::string_view sql, int& parameters);

}  // namespace weir::metadata

#endif  // WEIR_METADATA_POSTGRES_CONNECTION_H_
