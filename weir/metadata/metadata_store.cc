#include "weir/metadata/metadata_store.h"

#include <algorithm>
#include <chrono>
#include <regex>
#include <system_error>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/metadata/postgres_connection.h"
#include "weir/metadata/sql_connection.h"
#include "weir/metadata/sqlite_connection.h"

namespace weir::metadata {
namespace {

// A writer waits this long for another process's transaction before giving up.
constexpr int kBusyTimeoutMs = 10'000;

// ML Metadata's schema version 10 for SQLite: the same tables, columns, constraints and secondary
// indices, so that ML Metadata opens the file without migrating it (PostgresSchema() spells it
// for PostgreSQL). Columns weir does not use yet
// (Type.version, external_id, byte/proto/bool values) are there for ML Metadata's sake.
constexpr char kSqliteSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS `Type` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `name` VARCHAR(255) NOT NULL,
  `version` VARCHAR(255),
  `type_kind` TINYINT(1) NOT NULL,
  `description` TEXT,
  `input_type` TEXT,
  `output_type` TEXT,
  `external_id` VARCHAR(255) UNIQUE);
CREATE TABLE IF NOT EXISTS `ParentType` (
  `type_id` INT NOT NULL,
  `parent_type_id` INT NOT NULL,
  PRIMARY KEY (`type_id`, `parent_type_id`));
CREATE TABLE IF NOT EXISTS `TypeProperty` (
  `type_id` INT NOT NULL,
  `name` VARCHAR(255) NOT NULL,
  `data_type` INT NULL,
  PRIMARY KEY (`type_id`, `name`));
CREATE TABLE IF NOT EXISTS `Artifact` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `type_id` INT NOT NULL,
  `uri` TEXT,
  `state` INT,
  `name` VARCHAR(255),
  `external_id` VARCHAR(255) UNIQUE,
  `create_time_since_epoch` INT NOT NULL DEFAULT 0,
  `last_update_time_since_epoch` INT NOT NULL DEFAULT 0,
  UNIQUE(`type_id`, `name`));
CREATE TABLE IF NOT EXISTS `ArtifactProperty` (
  `artifact_id` INT NOT NULL,
  `name` VARCHAR(255) NOT NULL,
  `is_custom_property` TINYINT(1) NOT NULL,
  `int_value` INT,
  `double_value` DOUBLE,
  `string_value` TEXT,
  `byte_value` BLOB,
  `proto_value` BLOB,
  `bool_value` BOOLEAN,
  PRIMARY KEY (`artifact_id`, `name`, `is_custom_property`));
CREATE TABLE IF NOT EXISTS `Execution` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `type_id` INT NOT NULL,
  `last_known_state` INT,
  `name` VARCHAR(255),
  `external_id` VARCHAR(255) UNIQUE,
  `create_time_since_epoch` INT NOT NULL DEFAULT 0,
  `last_update_time_since_epoch` INT NOT NULL DEFAULT 0,
  UNIQUE(`type_id`, `name`));
CREATE TABLE IF NOT EXISTS `ExecutionProperty` (
  `execution_id` INT NOT NULL,
  `name` VARCHAR(255) NOT NULL,
  `is_custom_property` TINYINT(1) NOT NULL,
  `int_value` INT,
  `double_value` DOUBLE,
  `string_value` TEXT,
  `byte_value` BLOB,
  `proto_value` BLOB,
  `bool_value` BOOLEAN,
  PRIMARY KEY (`execution_id`, `name`, `is_custom_property`));
CREATE TABLE IF NOT EXISTS `Context` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `type_id` INT NOT NULL,
  `name` VARCHAR(255) NOT NULL,
  `external_id` VARCHAR(255) UNIQUE,
  `create_time_since_epoch` INT NOT NULL DEFAULT 0,
  `last_update_time_since_epoch` INT NOT NULL DEFAULT 0,
  UNIQUE(`type_id`, `name`));
CREATE TABLE IF NOT EXISTS `ContextProperty` (
  `context_id` INT NOT NULL,
  `name` VARCHAR(255) NOT NULL,
  `is_custom_property` TINYINT(1) NOT NULL,
  `int_value` INT,
  `double_value` DOUBLE,
  `string_value` TEXT,
  `byte_value` BLOB,
  `proto_value` BLOB,
  `bool_value` BOOLEAN,
  PRIMARY KEY (`context_id`, `name`, `is_custom_property`));
CREATE TABLE IF NOT EXISTS `ParentContext` (
  `context_id` INT NOT NULL,
  `parent_context_id` INT NOT NULL,
  PRIMARY KEY (`context_id`, `parent_context_id`));
CREATE TABLE IF NOT EXISTS `Event` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `artifact_id` INT NOT NULL,
  `execution_id` INT NOT NULL,
  `type` INT NOT NULL,
  `milliseconds_since_epoch` INT,
  UNIQUE(`artifact_id`, `execution_id`, `type`));
CREATE TABLE IF NOT EXISTS `EventPath` (
  `event_id` INT NOT NULL,
  `is_index_step` TINYINT(1) NOT NULL,
  `step_index` INT,
  `step_key` TEXT);
CREATE TABLE IF NOT EXISTS `Association` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `context_id` INT NOT NULL,
  `execution_id` INT NOT NULL,
  UNIQUE(`context_id`, `execution_id`));
CREATE TABLE IF NOT EXISTS `Attribution` (
  `id` INTEGER PRIMARY KEY AUTOINCREMENT,
  `context_id` INT NOT NULL,
  `artifact_id` INT NOT NULL,
  UNIQUE(`context_id`, `artifact_id`));
CREATE TABLE IF NOT EXISTS `MLMDEnv` (
  `schema_version` INTEGER PRIMARY KEY);
)sql";

// ML Metadata's secondary indices, the same in both databases.
constexpr char kIndices[] = R"sql(
CREATE INDEX IF NOT EXISTS `idx_artifact_uri` ON `Artifact`(`uri`);
CREATE INDEX IF NOT EXISTS `idx_artifact_create_time_since_epoch`
  ON `Artifact`(`create_time_since_epoch`);
CREATE INDEX IF NOT EXISTS `idx_artifact_last_update_time_since_epoch`
  ON `Artifact`(`last_update_time_since_epoch`);
CREATE INDEX IF NOT EXISTS `idx_event_execution_id` ON `Event`(`execution_id`);
CREATE INDEX IF NOT EXISTS `idx_parentcontext_parent_context_id`
  ON `ParentContext`(`parent_context_id`);
CREATE INDEX IF NOT EXISTS `idx_type_name` ON `Type`(`name`);
CREATE INDEX IF NOT EXISTS `idx_execution_create_time_since_epoch`
  ON `Execution`(`create_time_since_epoch`);
CREATE INDEX IF NOT EXISTS `idx_execution_last_update_time_since_epoch`
  ON `Execution`(`last_update_time_since_epoch`);
CREATE INDEX IF NOT EXISTS `idx_context_create_time_since_epoch`
  ON `Context`(`create_time_since_epoch`);
CREATE INDEX IF NOT EXISTS `idx_context_last_update_time_since_epoch`
  ON `Context`(`last_update_time_since_epoch`);
CREATE INDEX IF NOT EXISTS `idx_eventpath_event_id` ON `EventPath`(`event_id`);
CREATE INDEX IF NOT EXISTS `idx_artifact_property_int`
  ON `ArtifactProperty`(`name`, `is_custom_property`, `int_value`) WHERE `int_value` IS NOT NULL;
CREATE INDEX IF NOT EXISTS `idx_artifact_property_double`
  ON `ArtifactProperty`(`name`, `is_custom_property`, `double_value`)
  WHERE `double_value` IS NOT NULL;
CREATE INDEX IF NOT EXISTS `idx_artifact_property_string`
  ON `ArtifactProperty`(`name`, `is_custom_property`, `string_value`)
  WHERE `string_value` IS NOT NULL;
CREATE INDEX IF NOT EXISTS `idx_execution_property_int`
  ON `ExecutionProperty`(`name`, `is_custom_property`, `int_value`) WHERE `int_value` IS NOT NULL;
CREATE INDEX IF NOT EXISTS `idx_execution_property_double`
  ON `ExecutionProperty`(`name`, `is_custom_property`, `double_value`)
  WHERE `double_value` IS NOT NULL;
CREATE INDEX IF NOT EXISTS `idx_execution_property_string`
  ON `ExecutionProperty`(`name`, `is_custom_property`, `string_value`)
  WHERE `string_value` IS NOT NULL;
CREATE INDEX IF NOT EXISTS `idx_context_property_int`
  ON `ContextProperty`(`name`, `is_custom_property`, `int_value`) WHERE `int_value` IS NOT NULL;
CREATE INDEX IF NOT EXISTS `idx_context_property_double`
  ON `ContextProperty`(`name`, `is_custom_property`, `double_value`)
  WHERE `double_value` IS NOT NULL;
CREATE INDEX IF NOT EXISTS `idx_context_property_string`
  ON `ContextProperty`(`name`, `is_custom_property`, `string_value`)
  WHERE `string_value` IS NOT NULL;
CREATE INDEX IF NOT EXISTS `idx_type_external_id` ON `Type`(`external_id`);
CREATE INDEX IF NOT EXISTS `idx_artifact_external_id` ON `Artifact`(`external_id`);
CREATE INDEX IF NOT EXISTS `idx_execution_external_id` ON `Execution`(`external_id`);
CREATE INDEX IF NOT EXISTS `idx_context_external_id` ON `Context`(`external_id`);
)sql";

// kSqliteSchema in PostgreSQL's types, as ML Metadata creates its tables there: SERIAL ids,
// 64-bit integers (SQLite's INT already is), DOUBLE PRECISION, BYTEA, SMALLINT flags.
std::string PostgresSchema() {
  std::string ddl = kSqliteSchema;
  const std::pair<std::regex, const char*> kRewrites[] = {
      {std::regex("INTEGER PRIMARY KEY AUTOINCREMENT"), "SERIAL PRIMARY KEY"},
      {std::regex("\\bINT\\b"), "BIGINT"},
      {std::regex("TINYINT\\(1\\)"), "SMALLINT"},
      {std::regex("\\bDOUBLE\\b"), "DOUBLE PRECISION"},
      {std::regex("\\bBLOB\\b"), "BYTEA"},
  };
  for (const auto& [pattern, replacement] : kRewrites) {
    ddl = std::regex_replace(ddl, pattern, replacement);
  }
  return ddl;
}

// Where each kind of node keeps its properties.
struct PropertyTable {
  const char* table;
  const char* id_column;
};

PropertyTable PropertyTableOf(NodeKind kind) {
  switch (kind) {
    case NodeKind::kArtifact:
      return {"ArtifactProperty", "artifact_id"};
    case NodeKind::kExecution:
      return {"ExecutionProperty", "execution_id"};
    default:
      return {"ContextProperty", "context_id"};
  }
}

std::string_view KindName(NodeKind kind) {
  switch (kind) {
    case NodeKind::kArtifact:
      return "artifact";
    case NodeKind::kExecution:
      return "execution";
    default:
      return "context";
  }
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

PropertyType TypeOf(const Value& value) {
  if (std::holds_alternative<int64_t>(value)) return PropertyType::kInt;
  if (std::holds_alternative<double>(value)) return PropertyType::kDouble;
  return PropertyType::kString;
}

// The column that orders a table's rows as they were inserted (EventPath has no step number).
std::string_view InsertionOrderColumn(SqlConnection::Dialect dialect) {
  // ctid is the row's physical place: insertion order for a table whose rows are never updated.
  return dialect == SqlConnection::Dialect::kPostgres ? "ctid" : "rowid";
}

std::string_view PropertyTypeName(PropertyType type) {
  switch (type) {
    case PropertyType::kInt:
      return "INT";
    case PropertyType::kDouble:
      return "DOUBLE";
    case PropertyType::kString:
      return "STRING";
  }
  return "UNKNOWN";
}

// Binds an empty name as NULL: UNIQUE(type_id, name) must not make two unnamed nodes collide.
void BindOptionalName(SqlStatement& statement, int index, const std::string& name) {
  if (name.empty()) {
    statement.BindNull(index);
  } else {
    statement.Bind(index, std::string_view(name));
  }
}

// The columns every artifact, execution and context query selects first, in this order: id,
// type_id, the type's name, name, create and update times.
template <typename Node>
void ReadCommonColumns(const SqlStatement& row, Node& node) {
  node.id = row.Int(0);
  node.type_id = row.Int(1);
  node.type_name = row.Text(2);
  node.name = row.Text(3);
  node.create_time_ms = row.Int(4);
  node.update_time_ms = row.Int(5);
}

// Runs an INSERT … RETURNING `id`: the new row's id.
absl::StatusOr<int64_t> InsertedId(SqlStatement& insert) {
  ASSIGN_OR_RETURN(bool row, insert.Step());
  if (!row) return absl::InternalError("an INSERT … RETURNING gave back no row");
  return insert.Int(0);
}

void BindValue(SqlStatement& statement, int index, const Value& value) {
  std::visit(
      [&](const auto& v) {
        if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::string>) {
          statement.Bind(index, std::string_view(v));
        } else {
          statement.Bind(index, v);
        }
      },
      value);
}

}  // namespace

struct MetadataStore::TypeInfo {
  std::string name;
  std::map<std::string, PropertyType> properties;
};

MetadataStore::MetadataStore(std::unique_ptr<SqlConnection> connection)
    : connection_(std::move(connection)) {}

MetadataStore::~MetadataStore() = default;

absl::StatusOr<std::unique_ptr<MetadataStore>> MetadataStore::OpenSqlite(
    const std::filesystem::path& db, OpenMode mode) {
  if (mode == OpenMode::kCreate && db.has_parent_path()) {
    std::error_code error;
    std::filesystem::create_directories(db.parent_path(), error);
    if (error) {
      return absl::UnavailableError(
          StrCat("metadata store ", db.string(), ": cannot create its folder: ", error.message()));
    }
  }
  ASSIGN_OR_RETURN(auto connection, SqliteConnection::Open(db, kBusyTimeoutMs));
  return OpenWith(std::move(connection), mode);
}

absl::StatusOr<std::unique_ptr<MetadataStore>> MetadataStore::OpenPostgres(
    std::string_view conninfo, OpenMode mode) {
  ASSIGN_OR_RETURN(auto connection, PostgresConnection::Open(conninfo, kBusyTimeoutMs));
  return OpenWith(std::move(connection), mode);
}

absl::StatusOr<std::unique_ptr<MetadataStore>> MetadataStore::Open(std::string_view location,
                                                                   OpenMode mode) {
  if (IsPostgresLocation(location)) return OpenPostgres(location, mode);
  return OpenSqlite(std::filesystem::path(location), mode);
}

bool MetadataStore::IsPostgresLocation(std::string_view location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

absl::StatusOr<std::unique_ptr<MetadataStore>> MetadataStore::OpenWith(
    std::unique_ptr<SqlConnection> connection, OpenMode mode) {
  std::unique_ptr<MetadataStore> store(new MetadataStore(std::move(connection)));
  RETURN_IF_ERROR(store->InTransaction([&] { return store->CreateOrCheckSchema(mode); }));
  RETURN_IF_ERROR(store->connection_->PrepareForStore());
  return store;
}

const std::string& MetadataStore::location() const { return connection_->location(); }

absl::Status MetadataStore::CreateOrCheckSchema(OpenMode mode) {
  const std::string& file = connection_->location();
  const bool postgres = connection_->dialect() == SqlConnection::Dialect::kPostgres;
  ASSIGN_OR_RETURN(std::vector<std::string> tables, connection_->TableNames());
  const bool has_env = std::find(tables.begin(), tables.end(), "MLMDEnv") != tables.end();
  if (tables.empty() && mode == OpenMode::kExisting) {
    return absl::FailedPreconditionError(
        StrCat(file, postgres ? " is an empty database" : " is empty (no tables)",
               ", not a metadata store: run a pipeline first (weir run PIPELINE_FILE), or name the "
               "store with --db or --pipeline"));
  }
  if (tables.empty()) {
    RETURN_IF_ERROR(connection_->Execute(postgres ? PostgresSchema() : kSqliteSchema));
    RETURN_IF_ERROR(connection_->Execute(kIndices));
    ASSIGN_OR_RETURN(auto insert,
                     connection_->Prepare("INSERT INTO `MLMDEnv`(`schema_version`) VALUES(?)"));
    return insert->Bind(1, kSchemaVersion).Run();
  }
  if (!has_env) {
    return absl::FailedPreconditionError(
        StrCat(file, postgres ? " is a PostgreSQL database" : " is an SQLite database",
               " but not an ML Metadata store (it has other tables and no MLMDEnv table); give "
               "weir a new ",
               postgres ? "database" : "file", " or an ML Metadata one"));
  }
  ASSIGN_OR_RETURN(auto version, connection_->Prepare("SELECT `schema_version` FROM `MLMDEnv`"));
  ASSIGN_OR_RETURN(bool row, version->Step());
  if (!row) {
    return absl::FailedPreconditionError(
        StrCat(file, ": the MLMDEnv table is empty, so its ML Metadata schema version is unknown"));
  }
  const int64_t found = version->Int(0);
  if (found != kSchemaVersion) {
    return absl::FailedPreconditionError(
        StrCat(file, " holds ML Metadata schema version ", found, " but weir needs version ",
               kSchemaVersion,
               found < kSchemaVersion
                   ? "; upgrade it with ML Metadata (MetadataStore(config, "
                     "enable_upgrade_migration=True)) or point weir at a new file"
                   : "; downgrade it with ML Metadata (mlmd.downgrade_schema(config, 10)) or "
                     "point weir at a new file"));
  }
  return absl::OkStatus();
}

absl::Status MetadataStore::InTransaction(const std::function<absl::Status()>& body) {
  if (in_transaction_) return body();
  RETURN_IF_ERROR(connection_->BeginWrite());
  in_transaction_ = true;
  absl::Status status = body();
  in_transaction_ = false;
  if (status.ok()) {
    status = connection_->Execute("COMMIT");
    if (status.ok()) return status;
  }
  // A failed COMMIT leaves the transaction open; either way nothing of `body` must stay.
  connection_->Execute("ROLLBACK").IgnoreError();
  return status;
}

absl::StatusOr<int64_t> MetadataStore::PutArtifactType(
    std::string_view name, const std::map<std::string, PropertyType>& properties) {
  return PutType(NodeKind::kArtifact, name, properties);
}

absl::StatusOr<int64_t> MetadataStore::PutExecutionType(
    std::string_view name, const std::map<std::string, PropertyType>& properties) {
  return PutType(NodeKind::kExecution, name, properties);
}

absl::StatusOr<int64_t> MetadataStore::PutContextType(
    std::string_view name, const std::map<std::string, PropertyType>& properties) {
  return PutType(NodeKind::kContext, name, properties);
}

absl::StatusOr<int64_t> MetadataStore::PutType(
    NodeKind kind, std::string_view name, const std::map<std::string, PropertyType>& properties) {
  if (name.empty()) {
    return absl::InvalidArgumentError(StrCat("an ", KindName(kind), " type needs a name"));
  }
  int64_t type_id = 0;
  RETURN_IF_ERROR(InTransaction([&]() -> absl::Status {
    // Like ML Metadata, a type without a version is found by name and kind.
    ASSIGN_OR_RETURN(auto find, connection_->Prepare("SELECT `id` FROM `Type` WHERE `name` = ? AND "
                                                     "`version` IS NULL AND `type_kind` = ?"));
    find->Bind(1, name).Bind(2, static_cast<int64_t>(kind));
    ASSIGN_OR_RETURN(bool found, find->Step());
    if (found) {
      type_id = find->Int(0);
      ASSIGN_OR_RETURN(TypeInfo existing, LoadType(kind, type_id));
      if (existing.properties != properties) {
        return absl::AlreadyExistsError(StrCat(KindName(kind), " type '", name,
                                               "' already exists with other properties; "
                                               "give the new one another name"));
      }
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(auto insert, connection_->Prepare("INSERT INTO `Type`(`name`, `type_kind`) "
                                                       "VALUES(?, ?) RETURNING `id`"));
    ASSIGN_OR_RETURN(type_id,
                     InsertedId(insert->Bind(1, name).Bind(2, static_cast<int64_t>(kind))));
    for (const auto& [property, type] : properties) {
      ASSIGN_OR_RETURN(auto insert_property,
                       connection_->Prepare("INSERT INTO `TypeProperty`(`type_id`, `name`, "
                                            "`data_type`) VALUES(?, ?, ?)"));
      RETURN_IF_ERROR(insert_property->Bind(1, type_id)
                          .Bind(2, std::string_view(property))
                          .Bind(3, int64_t{static_cast<int>(type)})
                          .Run());
    }
    return absl::OkStatus();
  }));
  return type_id;
}

absl::StatusOr<MetadataStore::TypeInfo> MetadataStore::LoadType(NodeKind kind, int64_t type_id) {
  ASSIGN_OR_RETURN(auto find, connection_->Prepare(
                                  "SELECT `name` FROM `Type` WHERE `id` = ? AND `type_kind` = ?"));
  find->Bind(1, type_id).Bind(2, static_cast<int64_t>(kind));
  ASSIGN_OR_RETURN(bool found, find->Step());
  if (!found) {
    return absl::NotFoundError(StrCat("no ", KindName(kind), " type with id ", type_id));
  }
  TypeInfo type;
  type.name = find->Text(0);
  ASSIGN_OR_RETURN(
      auto properties,
      connection_->Prepare("SELECT `name`, `data_type` FROM `TypeProperty` WHERE `type_id` = ?"));
  properties->Bind(1, type_id);
  ASSIGN_OR_RETURN(bool row, properties->Step());
  while (row) {
    type.properties[properties->Text(0)] = static_cast<PropertyType>(properties->Int(1));
    ASSIGN_OR_RETURN(row, properties->Step());
  }
  return type;
}

namespace {

// Properties must be declared by the type, with the declared type, as ML Metadata requires.
absl::Status CheckProperties(std::string_view kind, std::string_view type_name,
                             const std::map<std::string, PropertyType>& declared,
                             const Properties& properties) {
  for (const auto& [name, value] : properties) {
    auto it = declared.find(name);
    if (it == declared.end()) {
      return absl::InvalidArgumentError(
          StrCat(kind, " type '", type_name, "' declares no property '", name,
                 "'; declare it in the type or make it a custom property"));
    }
    if (it->second != TypeOf(value)) {
      return absl::InvalidArgumentError(StrCat(kind, " property '", name, "' of type '", type_name,
                                               "' is ", PropertyTypeName(it->second), ", not ",
                                               PropertyTypeName(TypeOf(value))));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status MetadataStore::CheckExists(std::string_view table, int64_t id) {
  ASSIGN_OR_RETURN(auto find,
                   connection_->Prepare(StrCat("SELECT 1 FROM `", table, "` WHERE `id` = ?")));
  find->Bind(1, id);
  ASSIGN_OR_RETURN(bool found, find->Step());
  if (!found) return absl::NotFoundError(StrCat("no ", table, " with id ", id));
  return absl::OkStatus();
}

absl::Status MetadataStore::WriteProperties(NodeKind kind, int64_t id, const Properties& properties,
                                            const Properties& custom_properties) {
  const PropertyTable table = PropertyTableOf(kind);
  ASSIGN_OR_RETURN(auto clear, connection_->Prepare(StrCat("DELETE FROM `", table.table,
                                                           "` WHERE `", table.id_column, "` = ?")));
  RETURN_IF_ERROR(clear->Bind(1, id).Run());
  for (bool custom : {false, true}) {
    for (const auto& [name, value] : custom ? custom_properties : properties) {
      static constexpr const char* kColumns[] = {"int_value", "double_value", "string_value"};
      ASSIGN_OR_RETURN(auto insert, connection_->Prepare(
                                        StrCat("INSERT INTO `", table.table, "`(`", table.id_column,
                                               "`, `name`, `is_custom_property`, `",
                                               kColumns[value.index()], "`) VALUES(?, ?, ?, ?)")));
      insert->Bind(1, id).Bind(2, std::string_view(name)).Bind(3, int64_t{custom});
      BindValue(*insert, 4, value);
      RETURN_IF_ERROR(insert->Run());
    }
  }
  return absl::OkStatus();
}

template <typename Node>
absl::Status MetadataStore::ReadProperties(NodeKind kind, std::vector<Node>& nodes) {
  const PropertyTable table = PropertyTableOf(kind);
  std::unordered_map<int64_t, Node*> by_id;
  for (Node& node : nodes) by_id[node.id] = &node;
  // A query per batch of nodes rather than per node: a run's executions are read often (each
  // node of a run starts by reading them), and a statement per execution made a cached node's
  // start hundreds of statements.
  constexpr size_t kBatch = 500;  // Far below SQLite's and PostgreSQL's limits on parameters.
  for (size_t begin = 0; begin < nodes.size(); begin += kBatch) {
    const size_t end = std::min(nodes.size(), begin + kBatch);
    std::string placeholders = "?";
    for (size_t i = begin + 1; i < end; ++i) placeholders += ", ?";
    ASSIGN_OR_RETURN(auto select,
                     connection_->Prepare(StrCat(
                         "SELECT `", table.id_column,
                         "`, `name`, `is_custom_property`, `int_value`, `double_value`, "
                         "`string_value` FROM `",
                         table.table, "` WHERE `", table.id_column, "` IN (", placeholders, ")")));
    for (size_t i = begin; i < end; ++i) select->Bind(static_cast<int>(i - begin) + 1, nodes[i].id);
    while (true) {
      ASSIGN_OR_RETURN(bool row, select->Step());
      if (!row) break;
      Node& node = *by_id.at(select->Int(0));
      Properties& into = select->Int(2) != 0 ? node.custom_properties : node.properties;
      // Values of the kinds weir does not model (bool, proto, bytes, written by ML Metadata
      // itself) are left out rather than misread.
      if (!select->IsNull(3)) {
        into[select->Text(1)] = select->Int(3);
      } else if (!select->IsNull(4)) {
        into[select->Text(1)] = select->Double(4);
      } else if (!select->IsNull(5)) {
        into[select->Text(1)] = select->Text(5);
      }
    }
  }
  return absl::OkStatus();
}

template <typename Node>
absl::Status MetadataStore::PutNode(Node& node, NodeKind kind, std::string_view table,
                                    const std::vector<NodeColumn>& columns) {
  return InTransaction([&]() -> absl::Status {
    ASSIGN_OR_RETURN(TypeInfo type, LoadType(kind, node.type_id));
    RETURN_IF_ERROR(CheckProperties(KindName(kind), type.name, type.properties, node.properties));
    const int64_t now = NowMs();
    // Columns: type_id, the node's own columns, name, then the times.
    std::string names = "`type_id`";
    std::string placeholders = "?";
    std::string assignments = "`type_id` = ?";
    for (const NodeColumn& column : columns) {
      names += StrCat(", `", column.name, "`");
      placeholders += ", ?";
      assignments += StrCat(", `", column.name, "` = ?");
    }
    auto bind_common = [&](SqlStatement& statement) {
      int index = 1;
      statement.Bind(index++, node.type_id);
      for (const NodeColumn& column : columns) {
        if (const auto* text = std::get_if<std::string>(&column.value)) {
          statement.Bind(index++, std::string_view(*text));
        } else {
          statement.Bind(index++, std::get<int64_t>(column.value));
        }
      }
      BindOptionalName(statement, index++, node.name);
      return index;
    };
    int64_t id = node.id;
    if (id == 0) {
      ASSIGN_OR_RETURN(auto insert,
                       connection_->Prepare(StrCat(
                           "INSERT INTO `", table, "`(", names,
                           ", `name`, `create_time_since_epoch`, `last_update_time_since_epoch`) "
                           "VALUES(",
                           placeholders, ", ?, ?, ?) RETURNING `id`")));
      int index = bind_common(*insert);
      ASSIGN_OR_RETURN(id, InsertedId(insert->Bind(index, now).Bind(index + 1, now)));
      node.create_time_ms = now;
    } else {
      ASSIGN_OR_RETURN(auto update, connection_->Prepare(
                                        StrCat("UPDATE `", table, "` SET ", assignments,
                                               ", `name` = ?, `last_update_time_since_epoch` = ? "
                                               "WHERE `id` = ? RETURNING `id`")));
      int index = bind_common(*update);
      ASSIGN_OR_RETURN(bool updated, update->Bind(index, now).Bind(index + 1, id).Step());
      if (!updated) {
        return absl::NotFoundError(StrCat("no ", KindName(kind), " with id ", id, " to update"));
      }
    }
    RETURN_IF_ERROR(WriteProperties(kind, id, node.properties, node.custom_properties));
    node.id = id;
    node.type_name = type.name;
    node.update_time_ms = now;
    return absl::OkStatus();
  });
}

template <typename Node>
absl::StatusOr<std::vector<Node>> MetadataStore::QueryNodes(
    NodeKind kind, std::string_view table, std::string_view own_columns,
    const std::function<void(const SqlStatement&, int, Node&)>& read_own_columns,
    std::string_view where, const std::vector<Value>& arguments) {
  ASSIGN_OR_RETURN(
      auto select,
      connection_->Prepare(StrCat("SELECT N.`id`, N.`type_id`, T.`name`, N.`name`, "
                                  "N.`create_time_since_epoch`, N.`last_update_time_since_epoch`, ",
                                  own_columns, " FROM `", table,
                                  "` AS N LEFT JOIN `Type` AS T ON T.`id` = N.`type_id` ", where,
                                  " ORDER BY N.`id`")));
  for (size_t i = 0; i < arguments.size(); ++i)
    BindValue(*select, static_cast<int>(i) + 1, arguments[i]);
  std::vector<Node> nodes;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select->Step());
    if (!row) break;
    Node& node = nodes.emplace_back();
    ReadCommonColumns(*select, node);
    read_own_columns(*select, 6, node);
  }
  RETURN_IF_ERROR(ReadProperties(kind, nodes));
  return nodes;
}

absl::Status MetadataStore::PutArtifact(Artifact& artifact) {
  return PutNode(artifact, NodeKind::kArtifact, "Artifact",
                 {{"uri", artifact.uri}, {"state", int64_t{static_cast<int>(artifact.state)}}});
}

absl::StatusOr<std::vector<Artifact>> MetadataStore::QueryArtifacts(
    std::string_view where, const std::vector<Value>& arguments) {
  return QueryNodes<Artifact>(
      NodeKind::kArtifact, "Artifact", "N.`uri`, N.`state`",
      [](const SqlStatement& row, int first, Artifact& artifact) {
        artifact.uri = row.Text(first);
        artifact.state = static_cast<Artifact::State>(row.Int(first + 1));
      },
      where, arguments);
}

absl::StatusOr<Artifact> MetadataStore::GetArtifact(int64_t id) {
  ASSIGN_OR_RETURN(auto artifacts, QueryArtifacts("WHERE N.`id` = ?", {id}));
  if (artifacts.empty()) return absl::NotFoundError(StrCat("no artifact with id ", id));
  return std::move(artifacts.front());
}

absl::StatusOr<std::vector<Artifact>> MetadataStore::GetArtifacts() {
  // Ids start at 1 (AUTOINCREMENT), so this matches every row.
  return QueryArtifacts("WHERE N.`id` > ?", {int64_t{0}});
}

absl::StatusOr<std::vector<Artifact>> MetadataStore::GetArtifactsByType(
    std::string_view type_name) {
  ASSIGN_OR_RETURN(auto find, connection_->Prepare("SELECT `id` FROM `Type` WHERE `name` = ? AND "
                                                   "`version` IS NULL AND `type_kind` = ?"));
  find->Bind(1, type_name).Bind(2, static_cast<int64_t>(NodeKind::kArtifact));
  ASSIGN_OR_RETURN(bool found, find->Step());
  if (!found) return std::vector<Artifact>();
  return QueryArtifacts("WHERE N.`type_id` = ?", {find->Int(0)});
}

absl::StatusOr<std::vector<Artifact>> MetadataStore::GetArtifactsByContext(int64_t context_id) {
  return QueryArtifacts(
      "WHERE N.`id` IN (SELECT `artifact_id` FROM `Attribution` WHERE `context_id` = ?)",
      {context_id});
}

absl::Status MetadataStore::PutExecution(Execution& execution) {
  return PutNode(execution, NodeKind::kExecution, "Execution",
                 {{"last_known_state", int64_t{static_cast<int>(execution.last_known_state)}}});
}

absl::StatusOr<std::vector<Execution>> MetadataStore::QueryExecutions(
    std::string_view where, const std::vector<Value>& arguments) {
  return QueryNodes<Execution>(
      NodeKind::kExecution, "Execution", "N.`last_known_state`",
      [](const SqlStatement& row, int first, Execution& execution) {
        execution.last_known_state = static_cast<Execution::State>(row.Int(first));
      },
      where, arguments);
}

absl::StatusOr<Execution> MetadataStore::GetExecution(int64_t id) {
  ASSIGN_OR_RETURN(auto executions, QueryExecutions("WHERE N.`id` = ?", {id}));
  if (executions.empty()) return absl::NotFoundError(StrCat("no execution with id ", id));
  return std::move(executions.front());
}

absl::StatusOr<std::vector<Execution>> MetadataStore::GetExecutions() {
  return QueryExecutions("WHERE N.`id` > ?", {int64_t{0}});
}

absl::StatusOr<std::vector<Execution>> MetadataStore::GetExecutionsByContext(int64_t context_id) {
  return QueryExecutions(
      "WHERE N.`id` IN (SELECT `execution_id` FROM `Association` WHERE `context_id` = ?)",
      {context_id});
}

absl::StatusOr<std::vector<Execution>> MetadataStore::GetUnfinishedExecutions() {
  return QueryExecutions("WHERE N.`last_known_state` IN (?, ?)",
                         {int64_t{static_cast<int>(Execution::State::kNew)},
                          int64_t{static_cast<int>(Execution::State::kRunning)}});
}

absl::StatusOr<std::vector<Execution>> MetadataStore::GetExecutionsByContextAndCustomProperty(
    int64_t context_id, std::string_view name, std::string_view value) {
  return QueryExecutions(
      "WHERE N.`id` IN (SELECT P.`execution_id` FROM `ExecutionProperty` AS P JOIN `Association` "
      "AS A ON A.`execution_id` = P.`execution_id` WHERE P.`name` = ? AND "
      "P.`is_custom_property` = ? AND P.`string_value` = ? AND A.`context_id` = ?)",
      {std::string(name), int64_t{1}, std::string(value), context_id});
}

absl::Status MetadataStore::PutContext(Context& context) {
  if (context.name.empty()) return absl::InvalidArgumentError("a context needs a name");
  return InTransaction([&]() -> absl::Status {
    ASSIGN_OR_RETURN(TypeInfo type, LoadType(NodeKind::kContext, context.type_id));
    RETURN_IF_ERROR(CheckProperties("context", type.name, type.properties, context.properties));
    const int64_t now = NowMs();
    // Both statements give back the id of the row they wrote; none when no row has that id.
    ASSIGN_OR_RETURN(
        auto write,
        connection_->Prepare(
            context.id == 0 ? "INSERT INTO `Context`(`type_id`, `name`, `create_time_since_epoch`, "
                              "`last_update_time_since_epoch`) VALUES(?, ?, ?, ?) RETURNING `id`"
                            : "UPDATE `Context` SET `type_id` = ?, `name` = ?, "
                              "`last_update_time_since_epoch` = ? WHERE `id` = ? RETURNING `id`"));
    write->Bind(1, context.type_id)
        .Bind(2, std::string_view(context.name))
        .Bind(3, now)
        .Bind(4, context.id == 0 ? now : context.id);
    absl::StatusOr<bool> written = write->Step();
    if (written.ok() && !*written) {
      return absl::NotFoundError(StrCat("no context with id ", context.id, " to update"));
    }
    if (absl::IsAlreadyExists(written.status())) {
      return absl::AlreadyExistsError(StrCat("context type '", type.name,
                                             "' already has a context named '", context.name,
                                             "'; look it up with GetContextByTypeAndName"));
    }
    RETURN_IF_ERROR(written.status());
    const int64_t id = write->Int(0);
    RETURN_IF_ERROR(
        WriteProperties(NodeKind::kContext, id, context.properties, context.custom_properties));
    if (context.id == 0) context.create_time_ms = now;
    context.id = id;
    context.type_name = type.name;
    context.update_time_ms = now;
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<Context>> MetadataStore::QueryContexts(
    std::string_view where, const std::vector<Value>& arguments) {
  ASSIGN_OR_RETURN(auto select,
                   connection_->Prepare(
                       StrCat("SELECT C.`id`, C.`type_id`, T.`name`, C.`name`, "
                              "C.`create_time_since_epoch`, C.`last_update_time_since_epoch` "
                              "FROM `Context` AS C LEFT JOIN `Type` AS T ON T.`id` = C.`type_id` ",
                              where, " ORDER BY C.`id`")));
  for (size_t i = 0; i < arguments.size(); ++i)
    BindValue(*select, static_cast<int>(i) + 1, arguments[i]);
  std::vector<Context> contexts;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select->Step());
    if (!row) break;
    ReadCommonColumns(*select, contexts.emplace_back());
  }
  RETURN_IF_ERROR(ReadProperties(NodeKind::kContext, contexts));
  return contexts;
}

absl::StatusOr<Context> MetadataStore::GetContext(int64_t id) {
  ASSIGN_OR_RETURN(auto contexts, QueryContexts("WHERE C.`id` = ?", {id}));
  if (contexts.empty()) return absl::NotFoundError(StrCat("no context with id ", id));
  return std::move(contexts.front());
}

absl::StatusOr<Context> MetadataStore::GetContextByTypeAndName(std::string_view type_name,
                                                               std::string_view context_name) {
  ASSIGN_OR_RETURN(auto contexts,
                   QueryContexts("WHERE T.`name` = ? AND T.`version` IS NULL AND "
                                 "T.`type_kind` = ? AND C.`name` = ?",
                                 {std::string(type_name), static_cast<int64_t>(NodeKind::kContext),
                                  std::string(context_name)}));
  if (contexts.empty()) {
    return absl::NotFoundError(
        StrCat("no context named '", context_name, "' of type '", type_name, "'"));
  }
  return std::move(contexts.front());
}

absl::StatusOr<std::vector<Context>> MetadataStore::GetContextsByType(std::string_view type_name) {
  return QueryContexts("WHERE T.`name` = ? AND T.`version` IS NULL AND T.`type_kind` = ?",
                       {std::string(type_name), static_cast<int64_t>(NodeKind::kContext)});
}

absl::StatusOr<std::vector<Context>> MetadataStore::GetContextsByTypeWithCustomProperty(
    std::string_view type_name, std::string_view name) {
  return QueryContexts(
      "WHERE T.`name` = ? AND T.`version` IS NULL AND T.`type_kind` = ? AND C.`id` IN (SELECT "
      "`context_id` FROM `ContextProperty` WHERE `name` = ? AND `is_custom_property` = ?)",
      {std::string(type_name), static_cast<int64_t>(NodeKind::kContext), std::string(name),
       int64_t{1}});
}

absl::StatusOr<std::vector<Context>> MetadataStore::GetContextsByArtifact(int64_t artifact_id) {
  return QueryContexts(
      "WHERE C.`id` IN (SELECT `context_id` FROM `Attribution` WHERE `artifact_id` = ?)",
      {artifact_id});
}

absl::StatusOr<std::vector<Context>> MetadataStore::GetContextsByExecution(int64_t execution_id) {
  return QueryContexts(
      "WHERE C.`id` IN (SELECT `context_id` FROM `Association` WHERE `execution_id` = ?)",
      {execution_id});
}

absl::Status MetadataStore::PutParentContext(int64_t parent_id, int64_t child_id) {
  return InTransaction([&]() -> absl::Status {
    RETURN_IF_ERROR(CheckExists("Context", parent_id));
    RETURN_IF_ERROR(CheckExists("Context", child_id));
    // The child must not be the parent or one of its ancestors.
    ASSIGN_OR_RETURN(
        auto cycle,
        connection_->Prepare("WITH RECURSIVE `Ancestor`(`id`) AS (SELECT CAST(? AS BIGINT) UNION "
                             "SELECT P.`parent_context_id` FROM `ParentContext` AS P "
                             "JOIN `Ancestor` AS A ON P.`context_id` = A.`id`) "
                             "SELECT 1 FROM `Ancestor` WHERE `id` = ?"));
    cycle->Bind(1, parent_id).Bind(2, child_id);
    ASSIGN_OR_RETURN(bool makes_cycle, cycle->Step());
    if (makes_cycle) {
      return absl::InvalidArgumentError(StrCat("making context ", parent_id, " a parent of ",
                                               child_id, " would make a cycle of contexts"));
    }
    ASSIGN_OR_RETURN(
        auto insert,
        connection_->Prepare("INSERT INTO `ParentContext`(`context_id`, `parent_context_id`) "
                             "VALUES(?, ?) ON CONFLICT DO NOTHING"));
    return insert->Bind(1, child_id).Bind(2, parent_id).Run();
  });
}

absl::StatusOr<std::vector<Context>> MetadataStore::GetParentContexts(int64_t context_id) {
  return QueryContexts(
      "WHERE C.`id` IN (SELECT `parent_context_id` FROM `ParentContext` WHERE `context_id` = ?)",
      {context_id});
}

absl::StatusOr<std::vector<Context>> MetadataStore::GetChildContexts(int64_t context_id) {
  return QueryContexts(
      "WHERE C.`id` IN (SELECT `context_id` FROM `ParentContext` WHERE `parent_context_id` = ?)",
      {context_id});
}

absl::Status MetadataStore::PutEvents(const std::vector<Event>& events) {
  return InTransaction([&]() -> absl::Status {
    const int64_t now = NowMs();
    for (const Event& event : events) {
      if (event.type == Event::Type::kUnknown) {
        return absl::InvalidArgumentError(StrCat("the event between artifact ", event.artifact_id,
                                                 " and execution ", event.execution_id,
                                                 " needs a type"));
      }
      RETURN_IF_ERROR(CheckExists("Artifact", event.artifact_id));
      RETURN_IF_ERROR(CheckExists("Execution", event.execution_id));
      ASSIGN_OR_RETURN(auto insert, connection_->Prepare(
                                        "INSERT INTO `Event`(`artifact_id`, `execution_id`, "
                                        "`type`, `milliseconds_since_epoch`) VALUES(?, ?, ?, ?) "
                                        "RETURNING `id`"));
      ASSIGN_OR_RETURN(const int64_t event_id,
                       InsertedId(insert->Bind(1, event.artifact_id)
                                      .Bind(2, event.execution_id)
                                      .Bind(3, int64_t{static_cast<int>(event.type)})
                                      .Bind(4, event.milliseconds_since_epoch != 0
                                                   ? event.milliseconds_since_epoch
                                                   : now)));
      for (const auto& step : event.path) {
        const bool is_index = std::holds_alternative<int64_t>(step);
        ASSIGN_OR_RETURN(auto insert_step,
                         connection_->Prepare(
                             StrCat("INSERT INTO `EventPath`(`event_id`, `is_index_step`, `",
                                    is_index ? "step_index" : "step_key", "`) VALUES(?, ?, ?)")));
        insert_step->Bind(1, event_id).Bind(2, int64_t{is_index});
        if (is_index) {
          insert_step->Bind(3, std::get<int64_t>(step));
        } else {
          insert_step->Bind(3, std::string_view(std::get<std::string>(step)));
        }
        RETURN_IF_ERROR(insert_step->Run());
      }
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<Event>> MetadataStore::QueryEvents(std::string_view column, int64_t id) {
  ASSIGN_OR_RETURN(auto select, connection_->Prepare(
                                    StrCat("SELECT `id`, `artifact_id`, `execution_id`, `type`, "
                                           "`milliseconds_since_epoch` FROM `Event` WHERE `",
                                           column, "` = ? ORDER BY `id`")));
  select->Bind(1, id);
  std::vector<int64_t> event_ids;
  std::vector<Event> events;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select->Step());
    if (!row) break;
    event_ids.push_back(select->Int(0));
    Event& event = events.emplace_back();
    event.artifact_id = select->Int(1);
    event.execution_id = select->Int(2);
    event.type = static_cast<Event::Type>(select->Int(3));
    event.milliseconds_since_epoch = select->Int(4);
  }
  for (size_t i = 0; i < events.size(); ++i) {
    // EventPath has no step number: its steps are in the order they were inserted.
    ASSIGN_OR_RETURN(auto steps, connection_->Prepare(
                                     StrCat("SELECT `is_index_step`, `step_index`, `step_key` FROM "
                                            "`EventPath` WHERE `event_id` = ? ORDER BY `",
                                            InsertionOrderColumn(connection_->dialect()), "`")));
    steps->Bind(1, event_ids[i]);
    while (true) {
      ASSIGN_OR_RETURN(bool step, steps->Step());
      if (!step) break;
      if (steps->Int(0) != 0) {
        events[i].path.emplace_back(steps->Int(1));
      } else {
        events[i].path.emplace_back(steps->Text(2));
      }
    }
  }
  return events;
}

absl::StatusOr<std::vector<Event>> MetadataStore::GetEventsByExecution(int64_t execution_id) {
  return QueryEvents("execution_id", execution_id);
}

absl::StatusOr<std::vector<Event>> MetadataStore::GetEventsByArtifact(int64_t artifact_id) {
  return QueryEvents("artifact_id", artifact_id);
}

absl::Status MetadataStore::PutAttribution(int64_t context_id, int64_t artifact_id) {
  return InTransaction([&]() -> absl::Status {
    RETURN_IF_ERROR(CheckExists("Context", context_id));
    RETURN_IF_ERROR(CheckExists("Artifact", artifact_id));
    ASSIGN_OR_RETURN(auto insert,
                     connection_->Prepare("INSERT INTO `Attribution`(`context_id`, `artifact_id`) "
                                          "VALUES(?, ?) ON CONFLICT DO NOTHING"));
    return insert->Bind(1, context_id).Bind(2, artifact_id).Run();
  });
}

absl::Status MetadataStore::PutAssociation(int64_t context_id, int64_t execution_id) {
  return InTransaction([&]() -> absl::Status {
    RETURN_IF_ERROR(CheckExists("Context", context_id));
    RETURN_IF_ERROR(CheckExists("Execution", execution_id));
    ASSIGN_OR_RETURN(auto insert,
                     connection_->Prepare("INSERT INTO `Association`(`context_id`, `execution_id`) "
                                          "VALUES(?, ?) ON CONFLICT DO NOTHING"));
    return insert->Bind(1, context_id).Bind(2, execution_id).Run();
  });
}

int64_t GetInt(const Properties& properties, std::string_view name, int64_t fallback) {
  auto it = properties.find(std::string(name));
  if (it == properties.end()) return fallback;
  const int64_t* value = std::get_if<int64_t>(&it->second);
  return value != nullptr ? *value : fallback;
}

std::string GetString(const Properties& properties, std::string_view name,
                      std::string_view fallback) {
  auto it = properties.find(std::string(name));
  if (it == properties.end()) return std::string(fallback);
  const std::string* value = std::get_if<std::string>(&it->second);
  return value != nullptr ? *value : std::string(fallback);
}

}  // namespace weir::metadata
