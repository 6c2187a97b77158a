// The metadata store's view of a database: a connection that prepares statements, and statements
// that bind parameters and step through rows, with database errors turned into absl::Status. The
// store writes its SQL once, in the dialect both backends accept: `backtick` quoted names, `?`
// parameters, INSERT … RETURNING and ON CONFLICT DO NOTHING; a backend rewrites what it must.
#ifndef WEIR_METADATA_SQL_CONNECTION_H_
#define WEIR_METADATA_SQL_CONNECTION_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace weir::metadata {

// One prepared statement. Bind parameters are numbered from 1, result columns from 0.
class SqlStatement {
 public:
  virtual ~SqlStatement() = default;

  virtual SqlStatement& Bind(int index, int64_t value) = 0;
  virtual SqlStatement& Bind(int index, double value) = 0;
  virtual SqlStatement& Bind(int index, std::string_view value) = 0;
  virtual SqlStatement& BindNull(int index) = 0;

  // Advances to the next row: true when there is one, false when the statement is done.
  // Errors: AlreadyExists (a UNIQUE or PRIMARY KEY constraint), Unavailable (the database stayed
  // locked past the busy timeout, or the server went away), DataLoss (not a database, or
  // corrupt), Internal (others).
  virtual absl::StatusOr<bool> Step() = 0;
  // Runs a statement to its end, ignoring any rows. Errors as Step().
  absl::Status Run();

  // The current row's columns; a NULL reads as 0 or "".
  virtual bool IsNull(int column) const = 0;
  virtual int64_t Int(int column) const = 0;
  virtual double Double(int column) const = 0;
  virtual std::string Text(int column) const = 0;
};

class SqlConnection {
 public:
  enum class Dialect { kSqlite, kPostgres };

  virtual ~SqlConnection() = default;

  virtual Dialect dialect() const = 0;
  // Where the database is, for messages: a file path, or host:port/database.
  virtual const std::string& location() const = 0;

  // Runs one or more statements that return nothing (schema creation, COMMIT, ROLLBACK).
  virtual absl::Status Execute(std::string_view sql) = 0;
  // Errors: Internal for malformed SQL or unknown tables and columns.
  virtual absl::StatusOr<std::unique_ptr<SqlStatement>> Prepare(std::string_view sql) = 0;

  // Starts a write transaction that waits until no other writer, in any process, holds one, so
  // that read-then-write sequences (find a type, insert it if missing) are never interleaved.
  virtual absl::Status BeginWrite() = 0;
  // The names of the tables in the database (in the current schema), in no particular order.
  absl::StatusOr<std::vector<std::string>> TableNames();
  // Settings for a database now known to hold a metadata store, made only then so that opening a
  // foreign database to refuse it changes nothing in it.
  virtual absl::Status PrepareForStore() { return absl::OkStatus(); }

 protected:
  // A query whose rows are the table names, for TableNames.
  virtual std::string_view TableNamesQuery() const = 0;
};

}  // namespace weir::metadata

#endif  // WEIR_METADATA_SQL_CONNECTION_H_
