#include "weir/metadata/sqlite_connection.h"

#include <sqlite3.h>

#include <chrono>
#include <cstring>
#include <thread>
#include <utility>

#include "weir/base/status.h"
#include "weir/base/strings.h"

namespace weir::metadata {
namespace {

class SqliteStatement : public SqlStatement {
 public:
  SqliteStatement(const SqliteConnection* connection, sqlite3_stmt* statement)
      : connection_(connection), statement_(statement) {}
  ~SqliteStatement() override { sqlite3_finalize(statement_); }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  SqlStatement& Bind(int index, int64_t value) override {
    sqlite3_bind_int64(statement_, index, value);
    return *this;
  }
  SqlStatement& Bind(int index, double value) override {
    sqlite3_bind_double(statement_, index, value);
    return *this;
  }
  SqlStatement& Bind(int index, std::string_view value) override {
    sqlite3_bind_text64(statement_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                        SQLITE_UTF8);
    return *this;
  }
  SqlStatement& BindNull(int index) override {
    sqlite3_bind_null(statement_, index);
    return *this;
  }

  absl::StatusOr<bool> Step() override {
    const int code = sqlite3_step(statement_);
    if (code == SQLITE_ROW) return true;
    if (code == SQLITE_DONE) return false;
    return connection_->Error(code, sqlite3_sql(statement_));
  }

  bool IsNull(int column) const override {
    return sqlite3_column_type(statement_, column) == SQLITE_NULL;
  }
  int64_t Int(int column) const override { return sqlite3_column_int64(statement_, column); }
  double Double(int column) const override { return sqlite3_column_double(statement_, column); }
  std::string Text(int column) const override {
    const unsigned char* text = sqlite3_column_text(statement_, column);
    if (text == nullptr) return "";
    return std::string(reinterpret_cast<const char*>(text),
                       sqlite3_column_bytes(statement_, column));
  }

 private:
  const SqliteConnection* connection_;
  sqlite3_stmt* statement_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(
    const std::filesystem::path& file, int busy_timeout_ms) {
  sqlite3* db = nullptr;
  int code = sqlite3_open_v2(
      file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  // sqlite3_open_v2 hands back a handle even on failure, so that the message can be read from it.
  std::unique_ptr<SqliteConnection> connection(new SqliteConnection(file.string(), db));
  if (code != SQLITE_OK) return connection->Error(code, "opening");
  sqlite3_extended_result_codes(db, 1);
  connection->busy_timeout_ms_ = busy_timeout_ms;
  sqlite3_busy_handler(db, &SqliteConnection::WaitWhileBusy, connection.get());
  return connection;
}

absl::Status SqliteConnection::PrepareForStore() { return Execute("PRAGMA journal_mode = WAL;"); }

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

absl::StatusOr<std::unique_ptr<SqlStatement>> SqliteConnection::Prepare(std::string_view sql) {
  sqlite3_stmt* statement = nullptr;
  int code = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &statement, nullptr);
  if (code != SQLITE_OK) return Error(code, sql);
  return std::make_unique<SqliteStatement>(this, statement);
}

absl::Status SqliteConnection::BeginWrite() { return Execute("BEGIN IMMEDIATE"); }

std::string_view SqliteConnection::TableNamesQuery() const {
  return "SELECT `name` FROM `sqlite_master` WHERE `type` = 'table' AND `name` NOT LIKE 'sqlite_%'";
}

absl::Status SqliteConnection::Error(int code, std::string_view doing) const {
  std::string message =
      StrCat("metadata store ", location_, ": ",
             db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(code), " (while ", doing, ")");
  // An I/O error says why in the operating system's words: a full disk, a file-size limit.
  const int system_error = db_ != nullptr ? sqlite3_system_errno(db_) : 0;
  if ((code & 0xff) == SQLITE_IOERR && system_error != 0) {
    message += StrCat(": ", std::strerror(system_error));
  }
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
