// The SQLite backend of SqlConnection: one connection to a database file, in WAL mode so that
// readers never block the writer, with a busy handler so that a writer waits for another
// process's transaction instead of failing at once.
#ifndef WEIR_METADATA_SQLITE_CONNECTION_H_
#define WEIR_METADATA_SQLITE_CONNECTION_H_

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "weir/metadata/sql_connection.h"

struct sqlite3;

namespace weir::metadata {

class SqliteConnection : public SqlConnection {
 public:
  // Opens (creating if missing) the database file. Errors: Unavailable (cannot open), DataLoss
  // (not a database).
  static absl::StatusOr<std::unique_ptr<SqliteConnection>> Open(const std::filesystem::path& file,
                                                                int busy_timeout_ms);
  ~SqliteConnection() override;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  Dialect dialect() const override { return Dialect::kSqlite; }
  const std::string& location() const override { return location_; }
  absl::Status Execute(std::string_view sql) override;
  absl::StatusOr<std::unique_ptr<SqlStatement>> Prepare(std::string_view sql) override;
  // BEGIN IMMEDIATE: takes the file's write lock now rather than at the first write.
  absl::Status BeginWrite() override;
  // WAL journal: readers do not wait for the writer, and nodes running side by side can commit.
  absl::Status PrepareForStore() override;

  // `code` (an SQLite result code) as a status whose message names the file and `doing`.
  absl::Status Error(int code, std::string_view doing) const;

 protected:
  std::string_view TableNamesQuery() const override;

 private:
  SqliteConnection(std::string location, sqlite3* db) : location_(std::move(location)), db_(db) {}
  // SQLite's busy handler: retries (returns 1) until the busy timeout has passed.
  static int WaitWhileBusy(void* self, int attempt);

  std::string location_;
  sqlite3* db_;
  int busy_timeout_ms_ = 0;
  std::chrono::steady_clock::time_point busy_since_;
};

}  // namespace weir::metadata

#endif  // WEIR_METADATA_SQLITE_CONNECTION_H_
