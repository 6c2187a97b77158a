#include "weir/metadata/metadata_store.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "weir/base/test_dirs.h"
#include "weir/metadata/postgres_connection.h"

namespace weir::metadata {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

enum class Backend { kSqlite, kPostgres };

void PrintTo(Backend backend, std::ostream* out) {
  *out << (backend == Backend::kSqlite ? "SQLite" : "PostgreSQL");
}

// Every test runs against both backends. SQLite stores live in a temporary folder; PostgreSQL
// ones in fresh databases on the server WEIR_TEST_POSTGRES names (a libpq key=value connection
// string; ./test.sh starts a private server and sets it). Without it the PostgreSQL tests fail
// rather than skip, so that a CI run cannot pass without having tested PostgreSQL.
class MetadataStoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    folder_ = base::FreshDirForThisTest("weir_metadata");
    if (postgres()) {
      const char* server = std::getenv("WEIR_TEST_POSTGRES");
      ASSERT_NE(server, nullptr)
          << "set WEIR_TEST_POSTGRES to a PostgreSQL server's libpq connection string (./test.sh "
             "starts one: scripts/test-postgres.sh)";
      server_ = server;
    }
    location_ = NewLocation();
    auto store = OpenAt(location_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(store).value();
  }
  void TearDown() override {
    store_.reset();
    for (const std::string& database : databases_) {
      ServerQuery(server_, "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }
    std::filesystem::remove_all(folder_);
  }

  bool postgres() const { return GetParam() == Backend::kPostgres; }

  // A new, empty store location: a file path, or a new database's connection string.
  std::string NewLocation() {
    // Database names are at most 63 bytes: a number unique in this process, not the test's name.
    static int stores = 0;
    const std::string name =
        "weir_metadata_" + std::to_string(getpid()) + "_" + std::to_string(++stores);
    if (!postgres()) return (folder_ / (name + ".db")).string();
    ServerQuery(server_, "CREATE DATABASE " + name);
    databases_.push_back(name);
    return server_ + " dbname=" + name;  // The last dbname wins.
  }

  absl::StatusOr<std::unique_ptr<MetadataStore>> OpenAt(
      const std::string& location,
      MetadataStore::OpenMode mode = MetadataStore::OpenMode::kCreate) {
    return postgres() ? MetadataStore::OpenPostgres(location, mode)
                      : MetadataStore::OpenSqlite(location, mode);
  }

  // Runs a query on the store as another tool would read it, with the database's own library:
  // the first column of every row, as text. Quote table names with backticks.
  std::vector<std::string> Query(const std::string& sql) {
    if (postgres()) {
      int parameters = 0;
      return ServerQuery(location_, ToPostgresSql(sql, parameters));
    }
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(location_.c_str(), &db), SQLITE_OK);
    std::vector<std::string> rows;
    sqlite3_exec(
        db, sql.c_str(),
        [](void* out, int, char** values, char**) {
          static_cast<std::vector<std::string>*>(out)->push_back(values[0] ? values[0] : "NULL");
          return 0;
        },
        &rows, nullptr);
    sqlite3_close(db);
    return rows;
  }

  // A query through libpq on a fresh connection to `conninfo`.
  static std::vector<std::string> ServerQuery(const std::string& conninfo, const std::string& sql) {
    std::vector<std::string> rows;
    PGconn* connection = PQconnectdb(conninfo.c_str());
    EXPECT_EQ(PQstatus(connection), CONNECTION_OK) << PQerrorMessage(connection);
    PGresult* result = PQexec(connection, sql.c_str());
    const ExecStatusType status = PQresultStatus(result);
    EXPECT_TRUE(status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK)
        << sql << ": " << PQresultErrorMessage(result);
    for (int row = 0; row < PQntuples(result); ++row) {
      rows.push_back(PQgetisnull(result, row, 0) ? "NULL" : PQgetvalue(result, row, 0));
    }
    PQclear(result);
    PQfinish(connection);
    return rows;
  }

  std::filesystem::path folder_;
  std::string server_;
  std::vector<std::string> databases_;
  std::string location_;
  std::unique_ptr<MetadataStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Backends, MetadataStoreTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
                         });

TEST_P(MetadataStoreTest, CreatesMlmdSchemaVersion10) {
  std::vector<std::string> tables =
      postgres() ? Query(
                       "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                       "current_schema()")
                 : Query(
                       "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                       "'sqlite_%'");
  EXPECT_THAT(tables, UnorderedElementsAre("Type", "TypeProperty", "ParentType", "Artifact",
                                           "ArtifactProperty", "Execution", "ExecutionProperty",
                                           "Context", "ContextProperty", "ParentContext", "Event",
                                           "EventPath", "Association", "Attribution", "MLMDEnv"));
  EXPECT_THAT(Query("SELECT schema_version FROM `MLMDEnv`"), ElementsAre("10"));
  if (!postgres()) EXPECT_THAT(Query("PRAGMA journal_mode"), ElementsAre("wal"));
}

TEST_P(MetadataStoreTest, TypesAreIdempotent) {
  std::map<std::string, PropertyType> properties = {{"span", PropertyType::kInt},
                                                    {"split_names", PropertyType::kString}};
  auto examples = store_->PutArtifactType("Examples", properties);
  ASSERT_TRUE(examples.ok()) << examples.status();
  auto again = store_->PutArtifactType("Examples", properties);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *examples);

  // Type names are per kind, as in ML Metadata.
  auto execution_type = store_->PutExecutionType("Examples", {});
  ASSERT_TRUE(execution_type.ok()) << execution_type.status();
  EXPECT_NE(*execution_type, *examples);
  EXPECT_THAT(Query("SELECT type_kind FROM `Type` ORDER BY id"), ElementsAre("1", "0"));
  EXPECT_THAT(Query("SELECT name || ':' || data_type FROM `TypeProperty` ORDER BY name"),
              ElementsAre("span:1", "split_names:3"));

  auto changed = store_->PutArtifactType("Examples", {{"span", PropertyType::kDouble}});
  EXPECT_TRUE(absl::IsAlreadyExists(changed.status())) << changed.status();
  EXPECT_TRUE(absl::IsInvalidArgument(store_->PutContextType("", {}).status()));
}

TEST_P(MetadataStoreTest, ArtifactRoundTrip) {
  auto type = store_->PutArtifactType("Model", {{"version", PropertyType::kInt},
                                                {"accuracy", PropertyType::kDouble},
                                                {"format", PropertyType::kString}});
  ASSERT_TRUE(type.ok()) << type.status();
  Artifact artifact;
  artifact.type_id = *type;
  artifact.uri = "/weir/artifacts/taxi/Trainer/model/3";
  artifact.name = "taxi:model:3";
  artifact.state = Artifact::State::kPending;
  artifact.properties = {{"version", int64_t{3}}, {"accuracy", 0.875}, {"format", "weir"}};
  artifact.custom_properties = {{"seed", int64_t{-42}}, {"loss", 1.5e-3}, {"note", "é\n"}};
  ASSERT_TRUE(store_->PutArtifact(artifact).ok());
  EXPECT_GT(artifact.id, 0);
  EXPECT_GT(artifact.create_time_ms, 0);

  auto read = store_->GetArtifact(artifact.id);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->type_id, *type);
  EXPECT_EQ(read->type_name, "Model");
  EXPECT_EQ(read->uri, artifact.uri);
  EXPECT_EQ(read->name, artifact.name);
  EXPECT_EQ(read->state, Artifact::State::kPending);
  EXPECT_EQ(read->properties, artifact.properties);
  EXPECT_EQ(read->custom_properties, artifact.custom_properties);
  EXPECT_EQ(read->create_time_ms, artifact.create_time_ms);

  // An update replaces the state and the properties.
  artifact.state = Artifact::State::kLive;
  artifact.properties.erase("format");
  artifact.custom_properties = {{"seed", int64_t{7}}};
  ASSERT_TRUE(store_->PutArtifact(artifact).ok());
  read = store_->GetArtifact(artifact.id);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->state, Artifact::State::kLive);
  EXPECT_EQ(read->properties, artifact.properties);
  EXPECT_EQ(read->custom_properties, artifact.custom_properties);
  EXPECT_THAT(Query("SELECT state FROM `Artifact`"), ElementsAre("2"));

  // Unnamed artifacts do not collide; named ones do.
  Artifact unnamed1{.type_id = *type, .uri = "/a"};
  Artifact unnamed2{.type_id = *type, .uri = "/b"};
  ASSERT_TRUE(store_->PutArtifact(unnamed1).ok());
  ASSERT_TRUE(store_->PutArtifact(unnamed2).ok());
  Artifact same_name{.type_id = *type, .name = "taxi:model:3"};
  EXPECT_TRUE(absl::IsAlreadyExists(store_->PutArtifact(same_name)));

  auto by_type = store_->GetArtifactsByType("Model");
  ASSERT_TRUE(by_type.ok()) << by_type.status();
  ASSERT_EQ(by_type->size(), 3u);
  EXPECT_EQ((*by_type)[1].uri, "/a");
  EXPECT_THAT(store_->GetArtifactsByType("NoSuchType").value(), IsEmpty());
  EXPECT_TRUE(absl::IsNotFound(store_->GetArtifact(999).status()));
}

TEST_P(MetadataStoreTest, PropertiesMustBeDeclaredWithTheirType) {
  auto type = store_->PutArtifactType("Schema", {{"version", PropertyType::kInt}});
  ASSERT_TRUE(type.ok()) << type.status();
  Artifact undeclared{.type_id = *type, .properties = {{"colour", "red"}}};
  absl::Status status = store_->PutArtifact(undeclared);
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_THAT(status.message(), HasSubstr("colour"));
  Artifact mistyped{.type_id = *type, .properties = {{"version", 1.0}}};
  EXPECT_TRUE(absl::IsInvalidArgument(store_->PutArtifact(mistyped)));
  Artifact no_type{.type_id = 12345};
  EXPECT_TRUE(absl::IsNotFound(store_->PutArtifact(no_type)));
  Artifact missing{.id = 777, .type_id = *type};
  EXPECT_TRUE(absl::IsNotFound(store_->PutArtifact(missing)));
  EXPECT_THAT(Query("SELECT count(*) FROM `Artifact`"), ElementsAre("0"));
}

TEST_P(MetadataStoreTest, ExecutionRoundTrip) {
  auto type = store_->PutExecutionType("Trainer", {{"train_steps", PropertyType::kInt},
                                                   {"learning_rate", PropertyType::kDouble},
                                                   {"module", PropertyType::kString}});
  ASSERT_TRUE(type.ok()) << type.status();
  Execution execution{.type_id = *type, .last_known_state = Execution::State::kRunning};
  execution.properties = {
      {"train_steps", int64_t{1000}}, {"learning_rate", 0.01}, {"module", "trainer.py"}};
  execution.custom_properties = {{"attempt", int64_t{1}}, {"weight", 2.5}, {"host", "h1"}};
  ASSERT_TRUE(store_->PutExecution(execution).ok());

  execution.last_known_state = Execution::State::kComplete;
  ASSERT_TRUE(store_->PutExecution(execution).ok());
  auto read = store_->GetExecution(execution.id);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->type_name, "Trainer");
  EXPECT_EQ(read->last_known_state, Execution::State::kComplete);
  EXPECT_EQ(read->properties, execution.properties);
  EXPECT_EQ(read->custom_properties, execution.custom_properties);
  EXPECT_GE(read->update_time_ms, read->create_time_ms);
  EXPECT_THAT(Query("SELECT last_known_state FROM `Execution`"), ElementsAre("3"));
  EXPECT_TRUE(absl::IsNotFound(store_->GetExecution(execution.id + 1).status()));
}

TEST_P(MetadataStoreTest, ContextsHaveUniqueNamesAndParents) {
  auto pipeline_type = store_->PutContextType("pipeline", {{"owner", PropertyType::kString}});
  auto run_type = store_->PutContextType("pipeline_run", {});
  ASSERT_TRUE(pipeline_type.ok() && run_type.ok());
  Context pipeline{.type_id = *pipeline_type, .name = "taxi"};
  pipeline.properties = {{"owner", "ml-team"}};
  pipeline.custom_properties = {{"runs", int64_t{2}}, {"score", 0.5}};
  ASSERT_TRUE(store_->PutContext(pipeline).ok());

  Context duplicate{.type_id = *pipeline_type, .name = "taxi"};
  absl::Status status = store_->PutContext(duplicate);
  EXPECT_TRUE(absl::IsAlreadyExists(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr("taxi"));
  // The same name under another type is another context.
  Context run{.type_id = *run_type, .name = "taxi"};
  ASSERT_TRUE(store_->PutContext(run).ok());
  Context unnamed{.type_id = *run_type};
  EXPECT_TRUE(absl::IsInvalidArgument(store_->PutContext(unnamed)));

  auto found = store_->GetContextByTypeAndName("pipeline", "taxi");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->id, pipeline.id);
  EXPECT_EQ(found->type_name, "pipeline");
  EXPECT_EQ(found->properties, pipeline.properties);
  EXPECT_EQ(found->custom_properties, pipeline.custom_properties);
  EXPECT_TRUE(absl::IsNotFound(store_->GetContextByTypeAndName("pipeline", "nope").status()));

  ASSERT_TRUE(store_->PutParentContext(pipeline.id, run.id).ok());
  ASSERT_TRUE(store_->PutParentContext(pipeline.id, run.id).ok());  // Again: no change.
  EXPECT_THAT(Query("SELECT context_id || '<' || parent_context_id FROM `ParentContext`"),
              ElementsAre(std::to_string(run.id) + "<" + std::to_string(pipeline.id)));
  EXPECT_EQ(store_->GetParentContexts(run.id).value().at(0).name, "taxi");
  EXPECT_EQ(store_->GetChildContexts(pipeline.id).value().at(0).id, run.id);
  EXPECT_TRUE(absl::IsInvalidArgument(store_->PutParentContext(run.id, pipeline.id)));
  EXPECT_TRUE(absl::IsInvalidArgument(store_->PutParentContext(run.id, run.id)));
  EXPECT_TRUE(absl::IsNotFound(store_->PutParentContext(pipeline.id, 999)));
}

TEST_P(MetadataStoreTest, EventsAttributionsAndAssociations) {
  auto examples_type = store_->PutArtifactType("Examples", {});
  auto gen_type = store_->PutExecutionType("CsvExampleGen", {});
  auto run_type = store_->PutContextType("pipeline_run", {});
  ASSERT_TRUE(examples_type.ok() && gen_type.ok() && run_type.ok());
  Artifact examples{.type_id = *examples_type, .uri = "/examples"};
  Execution gen{.type_id = *gen_type};
  Context run{.type_id = *run_type, .name = "run-1"};
  ASSERT_TRUE(store_->PutArtifact(examples).ok());
  ASSERT_TRUE(store_->PutExecution(gen).ok());
  ASSERT_TRUE(store_->PutContext(run).ok());

  Event output{.artifact_id = examples.id,
               .execution_id = gen.id,
               .type = Event::Type::kOutput,
               .path = {std::string("examples"), int64_t{0}},
               .milliseconds_since_epoch = 1234};
  Event declared{
      .artifact_id = examples.id, .execution_id = gen.id, .type = Event::Type::kDeclaredOutput};
  ASSERT_TRUE(store_->PutEvents({output, declared}).ok());
  auto by_execution = store_->GetEventsByExecution(gen.id);
  ASSERT_TRUE(by_execution.ok()) << by_execution.status();
  ASSERT_EQ(by_execution->size(), 2u);
  EXPECT_EQ((*by_execution)[0].type, Event::Type::kOutput);
  EXPECT_EQ((*by_execution)[0].path, output.path);
  EXPECT_EQ((*by_execution)[0].milliseconds_since_epoch, 1234);
  EXPECT_EQ((*by_execution)[1].type, Event::Type::kDeclaredOutput);
  EXPECT_THAT((*by_execution)[1].path, IsEmpty());
  EXPECT_GT((*by_execution)[1].milliseconds_since_epoch, 0);
  EXPECT_EQ(store_->GetEventsByArtifact(examples.id).value().size(), 2u);
  EXPECT_THAT(Query(postgres() ? "SELECT CAST(is_index_step AS INT) || ':' || "
                                 "coalesce(CAST(step_index AS TEXT), step_key) FROM `EventPath` "
                                 "ORDER BY ctid"
                               : "SELECT is_index_step || ':' || coalesce(step_index, step_key) "
                                 "FROM `EventPath` ORDER BY rowid"),
              ElementsAre("0:examples", "1:0"));

  // The same event again, an untyped one, or one to a missing node: nothing is stored.
  EXPECT_TRUE(absl::IsAlreadyExists(store_->PutEvents({output})));
  Event input{.artifact_id = examples.id, .execution_id = gen.id, .type = Event::Type::kInput};
  EXPECT_TRUE(absl::IsNotFound(store_->PutEvents(
      {input, {.artifact_id = 99, .execution_id = gen.id, .type = Event::Type::kInput}})));
  EXPECT_TRUE(absl::IsInvalidArgument(
      store_->PutEvents({{.artifact_id = examples.id, .execution_id = gen.id}})));
  EXPECT_THAT(Query("SELECT count(*) FROM `Event`"), ElementsAre("2"));

  ASSERT_TRUE(store_->PutAttribution(run.id, examples.id).ok());
  ASSERT_TRUE(store_->PutAttribution(run.id, examples.id).ok());
  ASSERT_TRUE(store_->PutAssociation(run.id, gen.id).ok());
  ASSERT_TRUE(store_->PutAssociation(run.id, gen.id).ok());
  EXPECT_THAT(Query("SELECT count(*) FROM `Attribution`"), ElementsAre("1"));
  EXPECT_THAT(Query("SELECT count(*) FROM `Association`"), ElementsAre("1"));
  EXPECT_TRUE(absl::IsNotFound(store_->PutAttribution(run.id, 99)));
  EXPECT_TRUE(absl::IsNotFound(store_->PutAssociation(99, gen.id)));

  auto artifacts = store_->GetArtifactsByContext(run.id);
  ASSERT_TRUE(artifacts.ok()) << artifacts.status();
  ASSERT_EQ(artifacts->size(), 1u);
  EXPECT_EQ((*artifacts)[0].uri, "/examples");
  auto executions = store_->GetExecutionsByContext(run.id);
  ASSERT_TRUE(executions.ok()) << executions.status();
  ASSERT_EQ(executions->size(), 1u);
  EXPECT_EQ((*executions)[0].type_name, "CsvExampleGen");
  EXPECT_THAT(store_->GetArtifactsByContext(99).value(), IsEmpty());
}

TEST_P(MetadataStoreTest, ListsEverythingAndContextsByTypeAndMember) {
  EXPECT_THAT(store_->GetArtifacts().value(), IsEmpty());
  EXPECT_THAT(store_->GetExecutions().value(), IsEmpty());
  EXPECT_THAT(store_->GetContextsByType("pipeline_run").value(), IsEmpty());

  auto examples_type = store_->PutArtifactType("Examples", {});
  auto model_type = store_->PutArtifactType("Model", {});
  auto gen_type = store_->PutExecutionType("CsvExampleGen", {});
  auto trainer_type = store_->PutExecutionType("Trainer", {});
  auto run_type = store_->PutContextType("pipeline_run", {});
  auto node_type = store_->PutContextType("node", {});
  // An artifact type of the same name as a context type must not be taken for it.
  auto decoy_type = store_->PutArtifactType("node", {});
  ASSERT_TRUE(examples_type.ok() && model_type.ok() && gen_type.ok() && trainer_type.ok() &&
              run_type.ok() && node_type.ok() && decoy_type.ok());
  Artifact examples{.type_id = *examples_type, .uri = "/examples"};
  Artifact model{.type_id = *model_type, .uri = "/model", .custom_properties = {{"n", 1.5}}};
  Execution gen{.type_id = *gen_type, .last_known_state = Execution::State::kComplete};
  Execution trainer{.type_id = *trainer_type, .custom_properties = {{"node_id", "Trainer"}}};
  ASSERT_TRUE(store_->PutArtifact(examples).ok());
  ASSERT_TRUE(store_->PutArtifact(model).ok());
  ASSERT_TRUE(store_->PutExecution(gen).ok());
  ASSERT_TRUE(store_->PutExecution(trainer).ok());
  Context run1{.type_id = *run_type, .name = "taxi.1"};
  Context run2{.type_id = *run_type, .name = "taxi.2"};
  Context node{.type_id = *node_type, .name = "taxi.Trainer"};
  for (Context* context : {&run1, &node, &run2}) ASSERT_TRUE(store_->PutContext(*context).ok());

  auto artifacts = store_->GetArtifacts();
  ASSERT_TRUE(artifacts.ok()) << artifacts.status();
  ASSERT_EQ(artifacts->size(), 2u);
  EXPECT_EQ((*artifacts)[0].type_name, "Examples");
  EXPECT_EQ((*artifacts)[1].uri, "/model");
  EXPECT_EQ((*artifacts)[1].custom_properties, model.custom_properties);
  auto executions = store_->GetExecutions();
  ASSERT_TRUE(executions.ok()) << executions.status();
  ASSERT_EQ(executions->size(), 2u);
  EXPECT_EQ((*executions)[0].last_known_state, Execution::State::kComplete);
  EXPECT_EQ((*executions)[1].custom_properties, trainer.custom_properties);

  auto runs = store_->GetContextsByType("pipeline_run");
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].name, "taxi.1");
  EXPECT_EQ((*runs)[1].name, "taxi.2");
  EXPECT_EQ((*runs)[1].type_name, "pipeline_run");
  EXPECT_EQ(store_->GetContextsByType("node").value().size(), 1u);
  EXPECT_THAT(store_->GetContextsByType("Examples").value(), IsEmpty());
  EXPECT_THAT(store_->GetContextsByType("nope").value(), IsEmpty());

  ASSERT_TRUE(store_->PutAssociation(run2.id, trainer.id).ok());
  ASSERT_TRUE(store_->PutAssociation(node.id, trainer.id).ok());
  ASSERT_TRUE(store_->PutAttribution(run1.id, model.id).ok());
  auto trainer_contexts = store_->GetContextsByExecution(trainer.id);
  ASSERT_TRUE(trainer_contexts.ok()) << trainer_contexts.status();
  ASSERT_EQ(trainer_contexts->size(), 2u);
  EXPECT_EQ((*trainer_contexts)[0].name, "taxi.Trainer");  // In id order.
  EXPECT_EQ((*trainer_contexts)[1].name, "taxi.2");
  auto model_contexts = store_->GetContextsByArtifact(model.id);
  ASSERT_TRUE(model_contexts.ok()) << model_contexts.status();
  ASSERT_EQ(model_contexts->size(), 1u);
  EXPECT_EQ((*model_contexts)[0].id, run1.id);
  EXPECT_THAT(store_->GetContextsByExecution(gen.id).value(), IsEmpty());
  EXPECT_THAT(store_->GetContextsByArtifact(examples.id).value(), IsEmpty());
  EXPECT_THAT(store_->GetContextsByArtifact(99).value(), IsEmpty());
}

TEST_P(MetadataStoreTest, FindsExecutionsByContextAndCustomProperty) {
  auto type = store_->PutExecutionType("Trainer", {{"cache_key", PropertyType::kString}});
  auto context_type = store_->PutContextType("node", {});
  ASSERT_TRUE(type.ok() && context_type.ok());
  Context trainer{.type_id = *context_type, .name = "taxi.Trainer"};
  Context other{.type_id = *context_type, .name = "taxi.Evaluator"};
  ASSERT_TRUE(store_->PutContext(trainer).ok() && store_->PutContext(other).ok());
  std::vector<int64_t> ids;
  for (const auto& [context, key] : std::vector<std::pair<Context*, std::string>>{
           {&trainer, "abc"}, {&trainer, "def"}, {&other, "abc"}, {&trainer, "abc"}}) {
    Execution execution{.type_id = *type, .custom_properties = {{"cache_key", key}}};
    ASSERT_TRUE(store_->PutExecution(execution).ok());
    ASSERT_TRUE(store_->PutAssociation(context->id, execution.id).ok());
    ids.push_back(execution.id);
  }
  // A declared (not custom) property of the same name and value does not count.
  Execution declared{.type_id = *type, .properties = {{"cache_key", std::string("abc")}}};
  ASSERT_TRUE(store_->PutExecution(declared).ok());
  ASSERT_TRUE(store_->PutAssociation(trainer.id, declared.id).ok());

  auto found = store_->GetExecutionsByContextAndCustomProperty(trainer.id, "cache_key", "abc");
  ASSERT_TRUE(found.ok()) << found.status();
  std::vector<int64_t> found_ids;
  for (const Execution& execution : *found) found_ids.push_back(execution.id);
  EXPECT_THAT(found_ids, ElementsAre(ids[0], ids[3]));
  EXPECT_THAT(store_->GetExecutionsByContextAndCustomProperty(trainer.id, "cache_key", "x").value(),
              IsEmpty());
}

// What a clean-up after killed processes looks for: unfinished executions, and runs a process
// named itself on.
TEST_P(MetadataStoreTest, FindsUnfinishedExecutionsAndContextsWithACustomProperty) {
  auto type = store_->PutExecutionType("Trainer", {});
  ASSERT_TRUE(type.ok());
  std::vector<int64_t> unfinished;
  for (Execution::State state :
       {Execution::State::kNew, Execution::State::kRunning, Execution::State::kComplete,
        Execution::State::kFailed, Execution::State::kCached, Execution::State::kCanceled}) {
    Execution execution{.type_id = *type, .last_known_state = state};
    ASSERT_TRUE(store_->PutExecution(execution).ok());
    if (state == Execution::State::kNew || state == Execution::State::kRunning)
      unfinished.push_back(execution.id);
  }
  auto executions = store_->GetUnfinishedExecutions();
  ASSERT_TRUE(executions.ok()) << executions.status();
  std::vector<int64_t> found;
  for (const Execution& execution : *executions) found.push_back(execution.id);
  EXPECT_EQ(found, unfinished);

  auto run_type = store_->PutContextType("pipeline_run", {{"process", PropertyType::kString}});
  auto node_type = store_->PutContextType("node", {});
  ASSERT_TRUE(run_type.ok() && node_type.ok());
  Context driven{.type_id = *run_type, .name = "p.r1", .custom_properties = {{"process", "h:1:2"}}};
  Context finished{.type_id = *run_type, .name = "p.r2"};
  Context declared{.type_id = *run_type, .name = "p.r3", .properties = {{"process", "h:1:2"}}};
  Context node{.type_id = *node_type, .name = "p.A", .custom_properties = {{"process", "h:1:2"}}};
  for (Context* context : {&driven, &finished, &declared, &node})
    ASSERT_TRUE(store_->PutContext(*context).ok());
  auto runs = store_->GetContextsByTypeWithCustomProperty("pipeline_run", "process");
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].id, driven.id);
}

TEST_P(MetadataStoreTest, TransactionRollsBackOnError) {
  auto type = store_->PutExecutionType("Pusher", {});
  ASSERT_TRUE(type.ok()) << type.status();
  absl::Status status = store_->InTransaction([&]() -> absl::Status {
    Execution first{.type_id = *type};
    if (absl::Status put = store_->PutExecution(first); !put.ok()) return put;
    if (absl::Status put = store_->PutArtifactType("Model", {}).status(); !put.ok()) return put;
    return absl::AbortedError("changed my mind");
  });
  EXPECT_TRUE(absl::IsAborted(status));
  EXPECT_THAT(Query("SELECT count(*) FROM `Execution`"), ElementsAre("0"));
  EXPECT_THAT(Query("SELECT count(*) FROM `Type` WHERE name = 'Model'"), ElementsAre("0"));

  ASSERT_TRUE(store_
                  ->InTransaction([&]() -> absl::Status {
                    Execution execution{.type_id = *type};
                    return store_->PutExecution(execution);
                  })
                  .ok());
  EXPECT_THAT(Query("SELECT count(*) FROM `Execution`"), ElementsAre("1"));
}

TEST_P(MetadataStoreTest, ReopeningKeepsTheData) {
  auto type = store_->PutArtifactType("Schema", {});
  ASSERT_TRUE(type.ok()) << type.status();
  Artifact schema{.type_id = *type, .uri = "/schema", .custom_properties = {{"n", int64_t{5}}}};
  ASSERT_TRUE(store_->PutArtifact(schema).ok());
  store_.reset();

  auto reopened = OpenAt(location_);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  auto read = (*reopened)->GetArtifact(schema.id);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->uri, "/schema");
  EXPECT_EQ(read->custom_properties, schema.custom_properties);
  EXPECT_EQ((*reopened)->PutArtifactType("Schema", {}).value(), *type);
}

TEST_P(MetadataStoreTest, RefusesOtherSchemaVersionsAndOtherDatabases) {
  store_.reset();
  Query("UPDATE `MLMDEnv` SET schema_version = 9");
  auto old = OpenAt(location_);
  EXPECT_TRUE(absl::IsFailedPrecondition(old.status())) << old.status();
  EXPECT_THAT(old.status().message(), HasSubstr(postgres() ? databases_.back() : location_));
  EXPECT_THAT(old.status().message(), HasSubstr("version 9"));

  // A database with other tables is not taken over.
  location_ = NewLocation();
  Query("CREATE TABLE t(x INT)");
  auto foreign = OpenAt(location_);
  EXPECT_TRUE(absl::IsFailedPrecondition(foreign.status())) << foreign.status();
  EXPECT_THAT(foreign.status().message(), HasSubstr("not an ML Metadata store"));
  // ... nor changed: SQLite's journal stays as its owner set it.
  if (!postgres()) EXPECT_THAT(Query("PRAGMA journal_mode"), ElementsAre("delete"));

  if (postgres()) {
    auto unreachable = MetadataStore::OpenPostgres(server_ + " dbname=no_such_database");
    EXPECT_TRUE(absl::IsUnavailable(unreachable.status())) << unreachable.status();
    EXPECT_THAT(unreachable.status().message(), HasSubstr("no_such_database"));
  } else {
    const std::filesystem::path text = folder_ / "notes.txt";
    std::ofstream(text) << "not a database, but long enough to have an SQLite header's size......"
                           "...............................................................";
    auto not_db = MetadataStore::OpenSqlite(text);
    EXPECT_FALSE(not_db.ok());
    EXPECT_THAT(not_db.status().message(), HasSubstr(text.string()));
  }
}

// Commands that only look at a store never create one: an empty database (a 0-byte file, a new
// PostgreSQL database) is refused and left empty.
TEST_P(MetadataStoreTest, OpensAnExistingStoreOnlyWhenAsked) {
  location_ = NewLocation();
  if (!postgres()) std::ofstream(location_).close();
  auto empty = OpenAt(location_, MetadataStore::OpenMode::kExisting);
  EXPECT_TRUE(absl::IsFailedPrecondition(empty.status())) << empty.status();
  EXPECT_THAT(empty.status().message(), HasSubstr("not a metadata store"));
  if (postgres()) {
    EXPECT_THAT(Query("SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                      "current_schema()"),
                ElementsAre("0"));
  } else {
    EXPECT_EQ(std::filesystem::file_size(location_), 0u);
  }
  ASSERT_TRUE(OpenAt(location_).ok());  // kCreate makes it a store...
  auto existing = OpenAt(location_, MetadataStore::OpenMode::kExisting);
  EXPECT_TRUE(existing.ok()) << existing.status();  // ... which kExisting then opens.
}

// Two processes writing to one store at once: each waits for the other's transaction (no
// "database is locked"), and every write lands.
TEST_P(MetadataStoreTest, TwoProcessesWriteConcurrently) {
  auto artifact_type = store_->PutArtifactType("Examples", {{"span", PropertyType::kInt}});
  auto execution_type = store_->PutExecutionType("ExampleGen", {});
  auto context_type = store_->PutContextType("pipeline", {});
  ASSERT_TRUE(artifact_type.ok() && execution_type.ok() && context_type.ok());
  Context pipeline{.type_id = *context_type, .name = "taxi"};
  ASSERT_TRUE(store_->PutContext(pipeline).ok());
  store_.reset();  // A forked child must not share the parent's connection.

  constexpr int kProcesses = 2;
  constexpr int kTransactions = 200;
  // The children wait on this pipe, so that both start writing together.
  int start[2];
  ASSERT_EQ(pipe(start), 0);
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(start[1]);
      char byte;
      if (read(start[0], &byte, 1) != 0) _exit(3);
      auto store = OpenAt(location_);
      if (!store.ok()) _exit(2);
      for (int i = 0; i < kTransactions; ++i) {
        absl::Status status = (*store)->InTransaction([&]() -> absl::Status {
          Execution execution{.type_id = *execution_type,
                              .last_known_state = Execution::State::kComplete};
          if (auto s = (*store)->PutExecution(execution); !s.ok()) return s;
          Artifact artifact{.type_id = *artifact_type,
                            .uri = "/p" + std::to_string(p) + "/" + std::to_string(i),
                            .properties = {{"span", int64_t{i}}}};
          if (auto s = (*store)->PutArtifact(artifact); !s.ok()) return s;
          if (auto s = (*store)->PutEvents({{.artifact_id = artifact.id,
                                             .execution_id = execution.id,
                                             .type = Event::Type::kOutput}});
              !s.ok()) {
            return s;
          }
          if (auto s = (*store)->PutAssociation(pipeline.id, execution.id); !s.ok()) return s;
          return (*store)->PutAttribution(pipeline.id, artifact.id);
        });
        if (!status.ok()) {
          fprintf(stderr, "process %d, transaction %d: %s\n", p, i, status.ToString().c_str());
          _exit(1);
        }
      }
      _exit(0);
    }
    children.push_back(pid);
  }
  close(start[0]);
  close(start[1]);  // End of file: the children start.
  for (pid_t child : children) {
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child exit " << status;
  }
  const std::string total = std::to_string(kProcesses * kTransactions);
  EXPECT_THAT(Query("SELECT count(*) FROM `Execution`"), ElementsAre(total));
  EXPECT_THAT(Query("SELECT count(DISTINCT uri) FROM `Artifact`"), ElementsAre(total));
  EXPECT_THAT(Query("SELECT count(*) FROM `ArtifactProperty`"), ElementsAre(total));
  EXPECT_THAT(Query("SELECT count(*) FROM `Event`"), ElementsAre(total));
  EXPECT_THAT(Query("SELECT count(*) FROM `Association`"), ElementsAre(total));
  EXPECT_THAT(Query("SELECT count(*) FROM `Attribution`"), ElementsAre(total));
  // How evenly the two writers interleave depends on scheduling, so it is not asserted here: on a
  // loaded machine one process may finish before the other starts.
}

}  // namespace
}  // namespace weir::metadata
