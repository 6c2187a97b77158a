#include "weir/base/process_identity.h"

#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"

namespace weir::base {
namespace {

TEST(ProcessIdentityTest, TellsLiveGoneAndForeignProcessesApart) {
  const std::string me = ThisProcess();
  EXPECT_EQ(ProcessLiveness(me), Liveness::kAlive) << me;
  const std::string host = me.substr(0, me.find(':'));

  pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  EXPECT_EQ(ProcessLiveness(host + ":" + std::to_string(child) + ":1"), Liveness::kGone);
  // Our pid with another start time: the pid was reused, its first owner is gone.
  EXPECT_EQ(ProcessLiveness(host + ":" + std::to_string(getpid()) + ":1"), Liveness::kGone);
  // Another machine's processes cannot be checked from here.
  EXPECT_EQ(ProcessLiveness("another-host-" + host + ":" + std::to_string(child) + ":1"),
            Liveness::kUnknown);
  for (const char* garbage : {"", "x", "h:abc:1", "h::1", ":1", "h:-5:1"}) {
    EXPECT_EQ(ProcessLiveness(garbage), Liveness::kUnknown) << garbage;
  }
  EXPECT_EQ(HostTag().size(), 8u);
}

// A process killed but not reaped yet (a zombie) has ended.
TEST(ProcessIdentityTest, AZombieIsGone) {
  pid_t child = fork();
  if (child == 0) _exit(0);
  siginfo_t info{};
  waitid(P_PID, child, &info, WEXITED | WNOWAIT);  // Ended, left unreaped.
  EXPECT_FALSE(LocalProcessIsAlive(child));
  const std::string& me = ThisProcess();
  EXPECT_EQ(ProcessLiveness(me.substr(0, me.find(':')) + ":" + std::to_string(child) + ":1"),
            Liveness::kGone);
  waitpid(child, nullptr, 0);
}

}  // namespace
}  // namespace weir::base
