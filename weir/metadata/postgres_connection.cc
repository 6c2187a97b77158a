#include "weir/metadata/postgres_connection.h"

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>
#include <vector>

#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/metadata/libpq.h"

namespace weir::metadata {
namespace {

// libpq, loaded by the first Open: everything else here works on what an Open returned.
const LibPq& Pq() { return **LoadLibPq(); }

// The advisory lock key every weir writer takes ("weir" in ASCII).
constexpr int64_t kWriterLockKey = 0x77656972;

struct ResultDeleter {
  void operator()(PGresult* result) const { Pq().PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// A failed command's status: AlreadyExists for unique violations, Unavailable when the server is
// gone or a lock wait timed out, Internal otherwise; the message names the store and the SQL.
absl::Status ResultError(pg_conn* connection, const PGresult* result, std::string_view location,
                         std::string_view doing) {
  const char* sqlstate =
      result != nullptr ? Pq().PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string state = sqlstate != nullptr ? sqlstate : "";
  std::string error =
      result != nullptr ? Pq().PQresultErrorMessage(result) : Pq().PQerrorMessage(connection);
  while (!error.empty() && (error.back() == '\n' || error.back() == ' ')) error.pop_back();
  const std::string message =
      StrCat("metadata store ", location, ": ", error, " (while ", doing, ")");
  if (state == "23505") return absl::AlreadyExistsError(message);
  if (Pq().PQstatus(connection) != CONNECTION_OK || state.rfind("08", 0) == 0 || state == "55P03" ||
      state == "40001" || state == "40P01" || state == "57014") {
    return absl::UnavailableError(message);
  }
  return absl::InternalError(message);
}

class PostgresStatement : public SqlStatement {
 public:
  PostgresStatement(const PostgresConnection* connection, std::string sql, int parameters)
      : connection_(connection), sql_(std::move(sql)), parameters_(parameters) {}

  SqlStatement& Bind(int index, int64_t value) override { return Set(index, StrCat(value)); }
  SqlStatement& Bind(int index, double value) override {
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", value);  // Round-trips every double.
    std::string_view spelled = text;
    if (spelled == "nan" || spelled == "-nan") return Set(index, "NaN");
    if (spelled == "inf") return Set(index, "Infinity");
    if (spelled == "-inf") return Set(index, "-Infinity");
    return Set(index, text);
  }
  SqlStatement& Bind(int index, std::string_view value) override {
    return Set(index, std::string(value));
  }
  SqlStatement& BindNull(int index) override {
    values_.resize(std::max<size_t>(values_.size(), index));
    values_[index - 1].reset();
    return *this;
  }

  absl::StatusOr<bool> Step() override {
    if (result_ == nullptr) {
      std::vector<const char*> values(parameters_, nullptr);
      for (size_t i = 0; i < values_.size() && i < values.size(); ++i) {
        if (values_[i].has_value()) values[i] = values_[i]->c_str();
      }
      result_.reset(Pq().PQexecParams(connection_->handle(), sql_.c_str(), parameters_, nullptr,
                                      values.data(), nullptr, nullptr, /*resultFormat=*/0));
      const ExecStatusType status =
          result_ != nullptr ? Pq().PQresultStatus(result_.get()) : PGRES_FATAL_ERROR;
      if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        absl::Status error =
            ResultError(connection_->handle(), result_.get(), connection_->location(), sql_);
        result_.reset();
        return error;
      }
      rows_ = Pq().PQntuples(result_.get());
      row_ = -1;
    }
    if (row_ + 1 >= rows_) return false;
    ++row_;
    return true;
  }

  bool IsNull(int column) const override {
    return Pq().PQgetisnull(result_.get(), row_, column) != 0;
  }
  int64_t Int(int column) const override {
    const char* text = Pq().PQgetvalue(result_.get(), row_, column);
    // Booleans arrive as t / f in text format.
    if (text[0] == 't') return 1;
    return std::strtoll(text, nullptr, 10);
  }
  double Double(int column) const override {
    return std::strtod(Pq().PQgetvalue(result_.get(), row_, column), nullptr);
  }
  std::string Text(int column) const override {
    return std::string(Pq().PQgetvalue(result_.get(), row_, column),
                       Pq().PQgetlength(result_.get(), row_, column));
  }

 private:
  SqlStatement& Set(int index, std::string value) {
    values_.resize(std::max<size_t>(values_.size(), index));
    values_[index - 1] = std::move(value);
    return *this;
  }

  const PostgresConnection* connection_;
  const std::string sql_;
  const int parameters_;
  std::vector<std::optional<std::string>> values_;
  Result result_;
  int rows_ = 0;
  int row_ = -1;
};

}  // namespace

std::string ToPostgresSql(std::string_view sql, int& parameters) {
  std::string out;
  out.reserve(sql.size() + 16);
  parameters = 0;
  bool in_literal = false;
  for (char c : sql) {
    if (in_literal) {
      out += c;
      if (c == '\'') in_literal = false;  // A doubled '' closes and reopens: same result.
    } else if (c == '\'') {
      in_literal = true;
      out += c;
    } else if (c == '`') {
      out += '"';
    } else if (c == '?') {
      out += StrCat("$", ++parameters);
    } else {
      out += c;
    }
  }
  return out;
}

absl::StatusOr<std::unique_ptr<PostgresConnection>> PostgresConnection::Open(
    std::string_view conninfo, int lock_timeout_ms) {
  RETURN_IF_ERROR(LoadLibPq().status());
  // The connect timeout comes first so that one in `conninfo` overrides it.
  const std::string info(conninfo);
  const char* keywords[] = {"connect_timeout", "dbname", nullptr};
  const char* values[] = {"10", info.c_str(), nullptr};
  pg_conn* handle = Pq().PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (handle == nullptr) return absl::ResourceExhaustedError("libpq could not allocate");
  // Named without the password, which `conninfo` may hold.
  std::string location = StrCat("postgresql://", Pq().PQuser(handle), "@", Pq().PQhost(handle), ":",
                                Pq().PQport(handle), "/", Pq().PQdb(handle));
  if (Pq().PQstatus(handle) != CONNECTION_OK) {
    std::string error = Pq().PQerrorMessage(handle);
    Pq().PQfinish(handle);
    while (!error.empty() && (error.back() == '\n' || error.back() == ' ')) error.pop_back();
    return absl::UnavailableError(
        StrCat("metadata store ", location, ": cannot connect to PostgreSQL: ", error));
  }
  // "relation already exists, skipping" and the like would otherwise go to stderr.
  Pq().PQsetNoticeProcessor(
      handle, [](void*, const char*) {}, nullptr);
  std::unique_ptr<PostgresConnection> connection(
      new PostgresConnection(handle, std::move(location)));
  RETURN_IF_ERROR(connection->Execute(
      StrCat("SET lock_timeout = ", lock_timeout_ms, "; SET client_min_messages = warning")));
  return connection;
}

PostgresConnection::~PostgresConnection() { Pq().PQfinish(connection_); }

absl::Status PostgresConnection::Execute(std::string_view sql) {
  int parameters = 0;
  const std::string statement = ToPostgresSql(sql, parameters);
  Result result(Pq().PQexec(connection_, statement.c_str()));
  const ExecStatusType status =
      result != nullptr ? Pq().PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return ResultError(connection_, result.get(), location_, statement);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<SqlStatement>> PostgresConnection::Prepare(std::string_view sql) {
  int parameters = 0;
  std::string statement = ToPostgresSql(sql, parameters);
  return std::make_unique<PostgresStatement>(this, std::move(statement), parameters);
}

absl::Status PostgresConnection::BeginWrite() {
  return Execute(StrCat("BEGIN; SELECT pg_advisory_xact_lock(", kWriterLockKey, ")"));
}

std::string_view PostgresConnection::TableNamesQuery() const {
  return "SELECT `table_name` FROM `information_schema`.`tables` WHERE `table_schema` = "
         "current_schema()";
}

}  // namespace weir::metadata
