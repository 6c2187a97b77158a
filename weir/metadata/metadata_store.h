// The metadata store: ML Metadata's data model (types, artifacts, executions, contexts, events,
// attributions, associations) kept with ML Metadata's schema version 10, table for table and
// column for column, so that ML Metadata's own tools can read what weir writes: in an SQLite file
// by default, or in a PostgreSQL database that several machines share.
//
// Several processes may use one store at once: every write runs in a transaction that waits for
// any other writer's (BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL) for up to 10 s;
// readers never wait (SQLite's WAL mode, PostgreSQL's MVCC).
#ifndef WEIR_METADATA_METADATA_STORE_H_
#define WEIR_METADATA_METADATA_STORE_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace weir::metadata {

class SqlConnection;
class SqlStatement;

// The schema version ML Metadata writes in MLMDEnv; weir reads and writes no other.
inline constexpr int64_t kSchemaVersion = 10;

// The type of a declared property; the values are ML Metadata's PropertyType (INT, DOUBLE,
// STRING), stored in TypeProperty.data_type.
enum class PropertyType : int { kInt = 1, kDouble = 2, kString = 3 };

// A property value, stored in the int_value, double_value or string_value column.
using Value = std::variant<int64_t, double, std::string>;
using Properties = std::map<std::string, Value>;

// Members without a default are initialised with {} so that callers can use designated
// initialisers (Artifact{.type_id = t, .uri = u}) without GCC's -Wmissing-field-initializers.

struct Artifact {
  // ML Metadata's Artifact.State.
  enum class State : int {
    kUnknown = 0,
    kPending = 1,
    kLive = 2,
    kMarkedForDeletion = 3,
    kDeleted = 4,
    kAbandoned = 5,
    kReference = 6,
  };

  int64_t id = 0;  // 0 until stored.
  int64_t type_id = 0;
  std::string type_name = {};  // Filled on read and by PutArtifact.
  std::string uri = {};
  std::string name = {};  // Optional; when set, unique among artifacts of its type.
  State state = State::kUnknown;
  Properties properties = {};         // Only those its type declares, with the declared types.
  Properties custom_properties = {};  // Any.
  int64_t create_time_ms = 0;         // Set by the store.
  int64_t update_time_ms = 0;         // Set by the store.
};

struct Execution {
  // ML Metadata's Execution.State.
  enum class State : int {
    kUnknown = 0,
    kNew = 1,
    kRunning = 2,
    kComplete = 3,
    kFailed = 4,
    kCached = 5,
    kCanceled = 6,
  };

  int64_t id = 0;
  int64_t type_id = 0;
  std::string type_name = {};
  std::string name = {};  // Optional; when set, unique among executions of its type.
  State last_known_state = State::kUnknown;
  Properties properties = {};
  Properties custom_properties = {};
  int64_t create_time_ms = 0;
  int64_t update_time_ms = 0;
};

struct Context {
  int64_t id = 0;
  int64_t type_id = 0;
  std::string type_name = {};
  std::string name = {};  // Required, unique among contexts of its type.
  Properties properties = {};
  Properties custom_properties = {};
  int64_t create_time_ms = 0;
  int64_t update_time_ms = 0;
};

// An artifact going into or coming out of an execution.
struct Event {
  // ML Metadata's Event.Type.
  enum class Type : int {
    kUnknown = 0,
    kDeclaredOutput = 1,
    kDeclaredInput = 2,
    kInput = 3,
    kOutput = 4,
    kInternalInput = 5,
    kInternalOutput = 6,
    kPendingOutput = 7,
  };

  int64_t artifact_id = 0;
  int64_t execution_id = 0;
  Type type = Type::kUnknown;
  // Where the artifact sits among the execution's inputs or outputs, e.g. {"examples", 0}: a step
  // is a list index or a map key (EventPath rows).
  std::vector<std::variant<int64_t, std::string>> path = {};
  int64_t milliseconds_since_epoch = 0;  // 0: the time PutEvents runs.
};

// A property's value, or `fallback` when it is missing or of another type.
int64_t GetInt(const Properties& properties, std::string_view name, int64_t fallback = 0);
std::string GetString(const Properties& properties, std::string_view name,
                      std::string_view fallback = "");

// The kinds of node, numbered as ML Metadata stores them in Type.type_kind.
enum class NodeKind : int64_t { kExecution = 0, kArtifact = 1, kContext = 2 };

class MetadataStore {
 public:
  // Whether opening may create the store. kExisting is for commands that only look or tidy up: a
  // database without tables (a 0-byte file, a new PostgreSQL database) is FailedPrecondition.
  enum class OpenMode { kCreate, kExisting };

  // Opens the store in `db` (by convention ${WEIR_HOME}/metadata.db), creating the file, its
  // folder and the schema when they do not exist. Errors: FailedPrecondition when the file holds
  // another schema version or is an SQLite database but not an ML Metadata store (it is left as
  // it was); DataLoss when it is not an SQLite database; Unavailable when it cannot be opened or
  // stays locked.
  static absl::StatusOr<std::unique_ptr<MetadataStore>> OpenSqlite(
      const std::filesystem::path& db, OpenMode mode = OpenMode::kCreate);
  // Opens the store in a PostgreSQL database, creating the schema when the database has no
  // tables. `conninfo` is a libpq connection string ("host=… port=… dbname=… user=…") or URI
  // (postgresql://user@host:port/dbname); a password comes from it, PGPASSWORD or ~/.pgpass.
  // Errors: Unavailable when the server cannot be reached or refuses the login; FailedPrecondition
  // as for OpenSqlite.
  static absl::StatusOr<std::unique_ptr<MetadataStore>> OpenPostgres(
      std::string_view conninfo, OpenMode mode = OpenMode::kCreate);
  // OpenPostgres for a postgresql:// or postgres:// URI, OpenSqlite for anything else (a path).
  static absl::StatusOr<std::unique_ptr<MetadataStore>> Open(std::string_view location,
                                                             OpenMode mode = OpenMode::kCreate);
  static bool IsPostgresLocation(std::string_view location);
  ~MetadataStore();

  // The database, for messages: the SQLite file's path or postgresql://user@host:port/dbname.
  const std::string& location() const;

  // Runs `body` in one write transaction (BEGIN IMMEDIATE, waiting for other writers): commits
  // when it returns OK, otherwise rolls back and returns its error. Inside `body`, the store's
  // methods join this transaction, and so does a nested InTransaction. Errors: those of `body`;
  // Unavailable when the database stays locked past the busy timeout.
  absl::Status InTransaction(const std::function<absl::Status()>& body);

  // Types: the id of the type named `name` of that kind, created if missing. Errors:
  // InvalidArgument for an empty name; AlreadyExists when a type of that name and kind exists
  // with other properties.
  absl::StatusOr<int64_t> PutArtifactType(std::string_view name,
                                          const std::map<std::string, PropertyType>& properties);
  absl::StatusOr<int64_t> PutExecutionType(std::string_view name,
                                           const std::map<std::string, PropertyType>& properties);
  absl::StatusOr<int64_t> PutContextType(std::string_view name,
                                         const std::map<std::string, PropertyType>& properties);

  // Inserts `artifact` when its id is 0 (setting id and create_time_ms), otherwise updates the
  // stored one (uri, name, state and properties; its properties are replaced). Sets type_name and
  // update_time_ms. Errors: NotFound (no artifact type with that id, or no artifact with that id
  // to update); InvalidArgument (a property its type does not declare, or of another type);
  // AlreadyExists (another artifact of that type has that name).
  absl::Status PutArtifact(Artifact& artifact);
  // Errors: NotFound.
  absl::StatusOr<Artifact> GetArtifact(int64_t id);
  // Every artifact, in id order; empty for an empty store.
  absl::StatusOr<std::vector<Artifact>> GetArtifacts();
  // In id order; empty when the type does not exist.
  absl::StatusOr<std::vector<Artifact>> GetArtifactsByType(std::string_view type_name);
  // The artifacts attributed to the context, in id order; empty for an unknown context.
  absl::StatusOr<std::vector<Artifact>> GetArtifactsByContext(int64_t context_id);

  // As PutArtifact, for executions (last_known_state instead of uri and state).
  absl::Status PutExecution(Execution& execution);
  // Errors: NotFound.
  absl::StatusOr<Execution> GetExecution(int64_t id);
  // Every execution, in id order; empty for an empty store.
  absl::StatusOr<std::vector<Execution>> GetExecutions();
  // The executions associated with the context, in id order; empty for an unknown context.
  absl::StatusOr<std::vector<Execution>> GetExecutionsByContext(int64_t context_id);
  // The executions still NEW or RUNNING (under way, or left so by a process that died), in id
  // order.
  absl::StatusOr<std::vector<Execution>> GetUnfinishedExecutions();
  // Those of them whose custom property `name` is the string `value`, found through ML
  // Metadata's property-value index: the cost does not grow with the context's executions.
  absl::StatusOr<std::vector<Execution>> GetExecutionsByContextAndCustomProperty(
      int64_t context_id, std::string_view name, std::string_view value);

  // As PutArtifact, for contexts (name and properties). Errors: also InvalidArgument for an empty
  // name, and AlreadyExists when another context of that type has that name.
  absl::Status PutContext(Context& context);
  // Errors: NotFound.
  absl::StatusOr<Context> GetContext(int64_t id);
  // Errors: NotFound (the type or the context).
  absl::StatusOr<Context> GetContextByTypeAndName(std::string_view type_name,
                                                  std::string_view context_name);
  // The contexts of the context type named `type_name`, in id order; empty when the type does not
  // exist.
  absl::StatusOr<std::vector<Context>> GetContextsByType(std::string_view type_name);
  // The contexts of that type that have the custom property `name`, in id order.
  absl::StatusOr<std::vector<Context>> GetContextsByTypeWithCustomProperty(
      std::string_view type_name, std::string_view name);
  // The contexts the artifact is attributed to (Attribution) or the execution is associated with
  // (Association), in id order; empty for an unknown artifact or execution.
  absl::StatusOr<std::vector<Context>> GetContextsByArtifact(int64_t artifact_id);
  absl::StatusOr<std::vector<Context>> GetContextsByExecution(int64_t execution_id);
  // Makes `parent_id` a parent of `child_id`; doing it again changes nothing. Errors: NotFound
  // (either context); InvalidArgument when it would make a cycle (including parent == child).
  absl::Status PutParentContext(int64_t parent_id, int64_t child_id);
  // In id order.
  absl::StatusOr<std::vector<Context>> GetParentContexts(int64_t context_id);
  absl::StatusOr<std::vector<Context>> GetChildContexts(int64_t context_id);

  // Stores the events, all or none. Errors: InvalidArgument (type kUnknown); NotFound (the
  // artifact or the execution); AlreadyExists (an event of that type already links the two).
  absl::Status PutEvents(const std::vector<Event>& events);
  // In the order they were put.
  absl::StatusOr<std::vector<Event>> GetEventsByExecution(int64_t execution_id);
  absl::StatusOr<std::vector<Event>> GetEventsByArtifact(int64_t artifact_id);

  // Links a context with an artifact (Attribution) or an execution (Association); doing it again
  // changes nothing. Errors: NotFound (either end).
  absl::Status PutAttribution(int64_t context_id, int64_t artifact_id);
  absl::Status PutAssociation(int64_t context_id, int64_t execution_id);

 private:
  struct TypeInfo;
  explicit MetadataStore(std::unique_ptr<SqlConnection> connection);
  static absl::StatusOr<std::unique_ptr<MetadataStore>> OpenWith(
      std::unique_ptr<SqlConnection> connection, OpenMode mode);

  absl::Status CreateOrCheckSchema(OpenMode mode);
  // A column an Artifact or Execution row has beside type_id, name and the times.
  struct NodeColumn {
    std::string name;
    std::variant<int64_t, std::string> value;
  };
  // Inserts (id 0) or updates an Artifact or Execution row and its properties.
  template <typename Node>
  absl::Status PutNode(Node& node, NodeKind kind, std::string_view table,
                       const std::vector<NodeColumn>& columns);
  // Reads Artifact or Execution rows matching `where` (whose one parameter is `argument`; the
  // table's alias is N), with their properties. `own_columns` are selected after the common
  // ones and read by `read_own_columns` from the given first column index.
  template <typename Node>
  absl::StatusOr<std::vector<Node>> QueryNodes(
      NodeKind kind, std::string_view table, std::string_view own_columns,
      const std::function<void(const SqlStatement&, int, Node&)>& read_own_columns,
      std::string_view where, const std::vector<Value>& arguments);
  absl::StatusOr<int64_t> PutType(NodeKind kind, std::string_view name,
                                  const std::map<std::string, PropertyType>& properties);
  absl::StatusOr<TypeInfo> LoadType(NodeKind kind, int64_t type_id);
  absl::Status CheckExists(std::string_view table, int64_t id);
  absl::Status WriteProperties(NodeKind kind, int64_t id, const Properties& properties,
                               const Properties& custom_properties);
  // Fills the properties of `nodes` (artifacts, executions or contexts) of `kind`.
  template <typename Node>
  absl::Status ReadProperties(NodeKind kind, std::vector<Node>& nodes);
  absl::StatusOr<std::vector<Artifact>> QueryArtifacts(std::string_view where,
                                                       const std::vector<Value>& arguments);
  absl::StatusOr<std::vector<Execution>> QueryExecutions(std::string_view where,
                                                         const std::vector<Value>& arguments);
  absl::StatusOr<std::vector<Context>> QueryContexts(std::string_view where,
                                                     const std::vector<Value>& arguments);
  absl::StatusOr<std::vector<Event>> QueryEvents(std::string_view column, int64_t id);

  std::unique_ptr<SqlConnection> connection_;
  bool in_transaction_ = false;
};

}  // namespace weir::metadata

#endif  // WEIR_METADATA_METADATA_STORE_H_
