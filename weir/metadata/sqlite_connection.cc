#include "weir/metadata/sqlite_connection.h"

#include <sqlite3.h>

#include <chrono>
#include <thread>
#include <utility>

#include "weir/base/status.h"
#include "weir/base/strings.h"

namespace weir::metadata {

void SqliteStatement::Finalizer::operator()(sqlite3_stmt* statement) const {
  sqlite3_finalize(statement);
}

SqliteStatement& SqliteStatement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(statement_.get(), index, value);
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, double value) {
  sqlite3_bind_double(statement_.get(), index, value);
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, std::string_view value) {
  sqlite3_bind_text64(statement_.get(), index, value.data(), value.size(), SQLITE_TRANSIENT,
                      SQLITE_UTF8);
  return *this;
}

SqliteStatement& SqliteStatement::BindNull(int index) {
  sqlite3_bind_null(statement_.get(), index);
  return *this;
}

absl::StatusOr<bool> SqliteStatement::Step() {
  int code = sqlite3_step(statement_.get());
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  return connection_->Error(code, sqlite3_sql(statement_.get()));
}

absl::Status SqliteStatement::Run() {
  ASSIGN_OR_RETURN(bool row, Step());
  while (row) {
    ASSIGN_OR_RETURN(row, Step());
  }
  return absl::OkStatus();
}

bool SqliteStatement::IsNull(int column) const {
  return sqlite3_column_type(statement_.get(), column) == SQLITE_NULL;
}

int64_t SqliteStatement::Int(int column) const {
  return sqlite3_column_int64(statement_.get(), column);
}

double SqliteStatement::Double(int column) const {
  return sqlite3_column_double(statement_.get(), column);
}

std::string SqliteStatement::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(statement_.get(), column);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text),
                     sqlite3_column_bytes(statement_.get(), column));
}

absl::StatusOr<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(
    const std::filesystem::path& file, int busy_timeout_ms) {
  sqlite3* db = nullptr;
  int code = sqlite3_open_v2(
      file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  // sqlite3_open_v2 hands back a handle even on failure, so that the message can be read from it.
  std::unique_ptr<SqliteConnection> connection(new SqliteConnection(file, db));
  if (code != SQLITE_OK) return connection->Error(code, "opening");
  sqlite3_extended_result_codes(db, 1);
  connection->busy_timeout_ms_ = busy_timeout_ms;
  sqlite3_busy_handler(db, &SqliteConnection::WaitWhileBusy, connection.get());
  RETURN_IF_ERROR(connection->Execute("PRAGMA journal_mode = WAL;"));
  return connection;
}

int SqliteConnection::WaitWhileBusy(void* self, int attempt) {
  auto* connection = static_cast<SqliteConnection*>(self);
  const auto now = std::chrono::steady_clock::now();
  if (attempt == 0) connection->busy_since_ = now;
  if (now - connection->busy_since_ >= std::chrono::milliseconds(connection->busy_timeout_ms_)) {
    return 0;
  }
  // SQLite's own busy_timeout sleeps up to 100 ms between tries, so a writer that commits in a
  // loop keeps the lock while the other one sleeps; polling every millisecond lets both progress.
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return 1;
}

SqliteConnection::~SqliteConnection() { sqlite3_close_v2(db_); }

absl::Status SqliteConnection::Execute(std::string_view sql) {
  std::string statement(sql);
  int code = sqlite3_exec(db_, statement.c_str(), nullptr, nullptr, nullptr);
  if (code != SQLITE_OK) return Error(code, statement);
  return absl::OkStatus();
}

absl::StatusOr<SqliteStatement> SqliteConnection::Prepare(std::string_view sql) {
  sqlite3_stmt* statement = nullptr;
  int code = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &statement, nullptr);
  if (code != SQLITE_OK) return Error(code, sql);
  return SqliteStatement(this, statement);
}

int64_t SqliteConnection::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

int64_t SqliteConnection::Changes() const { return sqlite3_changes64(db_); }

absl::Status SqliteConnection::Error(int code, std::string_view doing) const {
  std::string message =
      StrCat("metadata store ", file_.string(), ": ",
             db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(code), " (while ", doing, ")");
  switch (code) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return absl::AlreadyExistsError(message);
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_FULL:
      return absl::UnavailableError(message);
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return absl::DataLossError(message);
  }
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
      return absl::UnavailableError(message);
  }
  return absl::InternalError(message);
}

}  // namespace weir::metadata
