#include "weir/base/files.h"

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "weir/base/process_identity.h"
#include "weir/base/test_dirs.h"

namespace weir::base {
namespace {
namespace fs = std::filesystem;

class FilesTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = FreshDirForThisTest("files_test"); }
  fs::path dir_;
};

TEST_F(FilesTest, WriteAtomicallyThenRead) {
  ASSERT_TRUE(WriteFileAtomically(dir_ / "a.txt", "first").ok());
  ASSERT_TRUE(WriteFileAtomically(dir_ / "a.txt", "second").ok());
  EXPECT_EQ(*ReadFile(dir_ / "a.txt"), "second");
  // Only the final file remains: no temporary files left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(FilesTest, ReadMissingFileIsNotFoundAndNamesThePath) {
  auto result = ReadFile(dir_ / "missing.txt");
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(absl::IsNotFound(result.status()));
  EXPECT_NE(result.status().message().find("missing.txt"), std::string::npos);
}

TEST_F(FilesTest, StagingDirPublishesByRename) {
  fs::path final_path = dir_ / "out";
  {
    auto staging = StagingDir::Create(final_path);
    ASSERT_TRUE(staging.ok()) << staging.status();
    ASSERT_TRUE(WriteFileAtomically(staging->path() / "x", "data").ok());
    EXPECT_FALSE(fs::exists(final_path));  // Nothing visible before Publish.
    ASSERT_TRUE(staging->Publish().ok());
  }
  EXPECT_EQ(*ReadFile(final_path / "x"), "data");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(FilesTest, StagingDirAbandonedLeavesNothing) {
  {
    auto staging = StagingDir::Create(dir_ / "out");
    ASSERT_TRUE(staging.ok());
    ASSERT_TRUE(WriteFileAtomically(staging->path() / "x", "data").ok());
  }
  EXPECT_TRUE(fs::is_empty(dir_));
}

// A pid that is not running: a child that exits at once, reaped.
pid_t GonePid() {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  waitpid(pid, nullptr, 0);
  return pid;
}

TEST_F(FilesTest, StagingDirRemovesWhatGoneProcessesLeft) {
  const std::string gone = std::to_string(GonePid());
  const fs::path killed = dir_ / (".out.tmp-" + HostTag() + "-" + gone + "-123");
  fs::create_directories(killed / "Split-train");
  const fs::path live = dir_ / (".out.tmp-" + HostTag() + "-" + std::to_string(getpid()) + "-456");
  fs::create_directories(live);
  auto staging = StagingDir::Create(dir_ / "out");
  ASSERT_TRUE(staging.ok());
  EXPECT_FALSE(fs::exists(killed));
  EXPECT_TRUE(fs::exists(live));  // Another staging folder of a running process stays.
}

TEST_F(FilesTest, RemovesLeftoversOfGoneWritersOnThisHostOnly) {
  const std::string gone = std::to_string(GonePid());
  const std::string other_host = HostTag() == "00000000" ? "11111111" : "00000000";
  // What killed writers leave: temporary files, staging folders, and the names weir used before
  // they carried a host tag.
  const std::vector<std::string> leftovers = {"data.csv.tmp-" + HostTag() + "-" + gone + "-1",
                                              ".7.tmp-" + HostTag() + "-" + gone + "-2",
                                              "old.pb.tmp-" + gone + "-3"};
  const std::vector<std::string> kept = {
      "data.csv", ".8.tmp-" + HostTag() + "-" + std::to_string(getpid()) + "-4",
      ".9.tmp-" + other_host + "-" + gone + "-5", "notes.tmp-x-1"};
  for (const std::string& name : leftovers) ASSERT_TRUE(WriteFileAtomically(dir_ / name, "x").ok());
  for (const std::string& name : kept) ASSERT_TRUE(WriteFileAtomically(dir_ / name, "x").ok());

  std::vector<fs::path> listed = RemoveLeftoversOfGoneWriters(dir_, /*dry_run=*/true);
  EXPECT_EQ(listed.size(), leftovers.size());
  for (const std::string& name : leftovers) EXPECT_TRUE(fs::exists(dir_ / name)) << name;

  std::vector<fs::path> removed = RemoveLeftoversOfGoneWriters(dir_);
  EXPECT_EQ(removed, listed);
  for (const std::string& name : leftovers) EXPECT_FALSE(fs::exists(dir_ / name)) << name;
  for (const std::string& name : kept) EXPECT_TRUE(fs::exists(dir_ / name)) << name;
}

TEST_F(FilesTest, StagingDirRefusesToReplaceExistingContent) {
  fs::create_directories(dir_ / "out");
  ASSERT_TRUE(WriteFileAtomically(dir_ / "out" / "keep", "precious").ok());
  auto staging = StagingDir::Create(dir_ / "out");
  ASSERT_FALSE(staging.ok());
  EXPECT_TRUE(absl::IsAlreadyExists(staging.status()));
  EXPECT_EQ(*ReadFile(dir_ / "out" / "keep"), "precious");
}

TEST_F(FilesTest, GlobIsSortedAndSkipsFolders) {
  ASSERT_TRUE(WriteFileAtomically(dir_ / "b.csv", "").ok());
  ASSERT_TRUE(WriteFileAtomically(dir_ / "a.csv", "").ok());
  fs::create_directories(dir_ / "c.csv");
  auto paths = Glob((dir_ / "*.csv").string());
  ASSERT_TRUE(paths.ok());
  ASSERT_EQ(paths->size(), 2u);
  EXPECT_EQ((*paths)[0].filename(), "a.csv");
  EXPECT_EQ((*paths)[1].filename(), "b.csv");
}

}  // namespace
}  // namespace weir::base
