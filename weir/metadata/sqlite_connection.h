// A thin RAII layer over the SQLite C API: one connection, prepared statements, and SQLite result
// codes turned into absl::Status. The metadata store builds its queries on top of it.
#ifndef WEIR_METADATA_SQLITE_CONNECTION_H_
#define WEIR_METADATA_SQLITE_CONNECTION_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct sqlite3;
struct sqlite3_stmt;

namespace weir::metadata {

class SqliteConnection;

// One prepared statement. Bind parameters are numbered from 1, result columns from 0.
class SqliteStatement {
 public:
  SqliteStatement(SqliteStatement&&) = default;
  SqliteStatement& operator=(SqliteStatement&&) = default;

  SqliteStatement& Bind(int index, int64_t value);
  SqliteStatement& Bind(int index, double value);
  SqliteStatement& Bind(int index, std::string_view value);
  SqliteStatement& BindNull(int index);

  // Advances to the next row: true when there is one, false when the statement is done.
  // Errors: AlreadyExists (a UNIQUE or PRIMARY KEY constraint), Unavailable (the database stayed
  // locked past the busy timeout), DataLoss (not a database, or corrupt), Internal (others).
  absl::StatusOr<bool> Step();
  // Runs a statement that returns no rows (INSERT, UPDATE, DELETE). Errors as Step().
  absl::Status Run();

  bool IsNull(int column) const;
  int64_t Int(int column) const;
  double Double(int column) const;
  std::string Text(int column) const;

 private:
  friend class SqliteConnection;
  struct Finalizer {
    void operator()(sqlite3_stmt* statement) const;
  };
  SqliteStatement(SqliteConnection* connection, sqlite3_stmt* statement)
      : connection_(connection), statement_(statement) {}

  SqliteConnection* connection_;
  std::unique_ptr<sqlite3_stmt, Finalizer> statement_;
};

class SqliteConnection {
 public:
  // Opens (creating if missing) the database file, with a busy timeout so that a writer waits for
  // another process's transaction instead of failing at once, and in WAL mode so that readers
  // never block the writer. Errors: Unavailable (cannot open), DataLoss (not a database).
  static absl::StatusOr<std::unique_ptr<SqliteConnection>> Open(const std::filesystem::path& file,
                                                                int busy_timeout_ms);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // Runs one or more statements that return nothing (schema creation, BEGIN, COMMIT).
  absl::Status Execute(std::string_view sql);
  // Errors: Internal for malformed SQL or unknown tables and columns.
  absl::StatusOr<SqliteStatement> Prepare(std::string_view sql);

  int64_t LastInsertRowId() const;
  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t Changes() const;
  const std::filesystem::path& file() const { return file_; }

 private:
  friend class SqliteStatement;
  SqliteConnection(std::filesystem::path file, sqlite3* db) : file_(std::move(file)), db_(db) {}
  absl::Status Error(int code, std::string_view doing) const;
  // SQLite's busy handler: retries (returns 1) until the busy timeout has passed.
  static int WaitWhileBusy(void* self, int attempt);

  std::filesystem::path file_;
  sqlite3* db_;
  int busy_timeout_ms_ = 0;
  std::chrono::steady_clock::time_point busy_since_;
};

}  // namespace weir::metadata

#endif  // WEIR_METADATA_SQLITE_CONNECTION_H_
