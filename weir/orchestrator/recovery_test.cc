#include "weir/orchestrator/recovery.h"

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "weir/base/files.h"
#include "weir/base/process_identity.h"
#include "weir/base/strings.h"
#include "weir/base/test_dirs.h"
#include "weir/metadata/run_records.h"

namespace weir::orchestrator {
namespace {

namespace fs = std::filesystem;
using metadata::Artifact;
using metadata::Context;
using metadata::Event;
using metadata::Execution;
using metadata::MetadataStore;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// This host's name for a process that has ended: a child that exits at once, reaped.
std::string GoneProcess() {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  waitpid(pid, nullptr, 0);
  const std::string& me = base::ThisProcess();
  return me.substr(0, me.find(':')) + ":" + std::to_string(pid) + ":1";
}

class RecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = base::FreshDirForThisTest("recovery_test");
    store_ = MetadataStore::OpenSqlite(dir_ / "metadata.db").value();
    run_ = Context{.type_id = store_->PutContextType(metadata::kRunContextType, {}).value(),
                   .name = "p.r1"};
    ASSERT_TRUE(store_->PutContext(run_).ok());
  }

  // A RUNNING execution of `process` with one pending output whose folder exists (written but
  // not recorded), and a staging folder of the same process beside it.
  struct Unfinished {
    Execution execution;
    Artifact output;
    fs::path staging;
  };
  Unfinished StartExecution(const std::string& process, const std::string& staging_pid) {
    Unfinished made;
    made.execution = {.type_id = store_->PutExecutionType("Trainer", {}).value(),
                      .last_known_state = Execution::State::kRunning};
    if (!process.empty()) made.execution.custom_properties[metadata::kProcessProperty] = process;
    EXPECT_TRUE(store_->PutExecution(made.execution).ok());
    const fs::path folder = dir_ / "Trainer" / "model";
    made.output = {.type_id = store_->PutArtifactType("Model", {}).value(),
                   .uri = (folder / std::to_string(made.execution.id)).string(),
                   .state = Artifact::State::kPending};
    EXPECT_TRUE(store_->PutArtifact(made.output).ok());
    EXPECT_TRUE(store_
                    ->PutEvents({{.artifact_id = made.output.id,
                                  .execution_id = made.execution.id,
                                  .type = Event::Type::kPendingOutput,
                                  .path = {std::string("model"), int64_t{0}}}})
                    .ok());
    fs::create_directories(made.output.uri);
    EXPECT_TRUE(base::WriteFileAtomically(fs::path(made.output.uri) / "weights", "w").ok());
    made.staging =
        folder / StrCat(".", made.execution.id, ".tmp-", base::HostTag(), "-", staging_pid, "-7");
    fs::create_directories(made.staging);
    return made;
  }

  fs::path dir_;
  std::unique_ptr<MetadataStore> store_;
  Context run_;
};

TEST_F(RecoveryTest, ClosesWhatAGoneProcessLeftAndNothingElse) {
  const std::string gone = GoneProcess();
  const std::string gone_pid =
      gone.substr(gone.find(':') + 1, gone.rfind(':') - gone.find(':') - 1);
  Unfinished killed = StartExecution(gone, gone_pid);
  Unfinished live = StartExecution(base::ThisProcess(), std::to_string(getpid()));
  Unfinished elsewhere = StartExecution("another-host:" + gone_pid + ":1", gone_pid);
  Unfinished old = StartExecution("", gone_pid);
  run_.custom_properties[metadata::kPipelineProperty] = std::string("p");
  run_.custom_properties[metadata::kRunIdProperty] = std::string("r1");
  run_.custom_properties[metadata::kProcessProperty] = gone;
  ASSERT_TRUE(store_->PutContext(run_).ok());

  // A dry run finds it all and changes nothing.
  auto found = CleanUpLeftovers(*store_, {.dry_run = true});
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_THAT(found->executions, ElementsAre(killed.execution.id));
  EXPECT_THAT(found->runs, ElementsAre("p r1"));
  EXPECT_EQ(store_->GetExecution(killed.execution.id)->last_known_state,
            Execution::State::kRunning);
  EXPECT_TRUE(fs::exists(killed.output.uri));

  auto done = CleanUpLeftovers(*store_);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->executions, found->executions);
  EXPECT_THAT(done->artifacts, ElementsAre(killed.output.id));
  EXPECT_EQ(done->files, found->files);
  EXPECT_THAT(done->unknown, ElementsAre(elsewhere.execution.id, old.execution.id));

  const Execution closed = store_->GetExecution(killed.execution.id).value();
  EXPECT_EQ(closed.last_known_state, Execution::State::kCanceled);
  EXPECT_THAT(metadata::GetString(closed.custom_properties, metadata::kErrorProperty),
              HasSubstr(gone));
  EXPECT_EQ(store_->GetArtifact(killed.output.id)->state, Artifact::State::kAbandoned);
  EXPECT_FALSE(fs::exists(killed.output.uri));
  // The gone process's staging folders go (those of the execution from another host and the
  // old one have the same pid on this host's tag, and go too: they are this host's leftovers).
  EXPECT_FALSE(fs::exists(killed.staging));
  EXPECT_TRUE(fs::exists(live.staging));
  const Context run = store_->GetContext(run_.id).value();
  EXPECT_EQ(metadata::GetString(run.custom_properties, metadata::kRunStateProperty), "failed");
  EXPECT_FALSE(run.custom_properties.contains(metadata::kProcessProperty));

  // What is not known to be gone is untouched.
  for (const Unfinished* kept : {&live, &elsewhere, &old}) {
    EXPECT_EQ(store_->GetExecution(kept->execution.id)->last_known_state,
              Execution::State::kRunning);
    EXPECT_EQ(store_->GetArtifact(kept->output.id)->state, Artifact::State::kPending);
    EXPECT_TRUE(fs::exists(kept->output.uri));
  }

  // Nothing is left for a second clean-up.
  auto again = CleanUpLeftovers(*store_, {.sweep_all_output_folders = true});
  ASSERT_TRUE(again.ok());
  EXPECT_THAT(again->executions, IsEmpty());
  EXPECT_THAT(again->runs, IsEmpty());
  EXPECT_THAT(again->files, IsEmpty());
}

TEST_F(RecoveryTest, AFullSweepFindsStagingFoldersOfClosedExecutions) {
  // An execution the scheduler already canceled, whose killed process left a staging folder.
  const std::string gone = GoneProcess();
  const std::string gone_pid =
      gone.substr(gone.find(':') + 1, gone.rfind(':') - gone.find(':') - 1);
  Unfinished canceled = StartExecution(gone, gone_pid);
  canceled.execution.last_known_state = Execution::State::kCanceled;
  ASSERT_TRUE(store_->PutExecution(canceled.execution).ok());

  auto quick = CleanUpLeftovers(*store_);
  ASSERT_TRUE(quick.ok());
  EXPECT_THAT(quick->files, IsEmpty());
  EXPECT_TRUE(fs::exists(canceled.staging));
  auto full = CleanUpLeftovers(*store_, {.sweep_all_output_folders = true});
  ASSERT_TRUE(full.ok());
  EXPECT_THAT(full->files, ElementsAre(canceled.staging));
  EXPECT_FALSE(fs::exists(canceled.staging));
}

}  // namespace
}  // namespace weir::orchestrator
