#include "weir/base/process_identity.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "weir/base/hashing.h"
#include "weir/base/strings.h"

namespace weir::base {
namespace {

const std::string& HostName() {
  static const std::string* const host = [] {
    char name[HOST_NAME_MAX + 1] = {};
    if (::gethostname(name, sizeof(name) - 1) != 0) return new std::string("localhost");
    return new std::string(name);
  }();
  return *host;
}

// What /proc/<pid>/stat says of a process: its state (field 3; 'Z' for a zombie, one that ended
// but was not reaped yet) and start time (field 22). Empty when there is no such process. The
// command name (field 2) may hold spaces and parentheses, so fields are counted after the last ')'.
struct ProcStat {
  std::string state;
  std::string start;
};
ProcStat ReadProcStat(pid_t pid) {
  std::ifstream file(StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const size_t end_of_name = stat.rfind(')');
  if (end_of_name == std::string::npos) return {};
  std::istringstream fields(stat.substr(end_of_name + 1));
  ProcStat result;
  std::string field;
  for (int number = 3; number <= 22 && fields >> field; ++number) {
    if (number == 3) result.state = field;
    if (number == 22) result.start = field;
  }
  return result;
}

}  // namespace

const std::string& ThisProcess() {
  static const std::string* const name =
      new std::string(StrCat(HostName(), ":", ::getpid(), ":", ReadProcStat(::getpid()).start));
  return *name;
}

const std::string& HostTag() {
  static const std::string* const tag = [] {
    char hex[9];
    std::snprintf(hex, sizeof(hex), "%08x", static_cast<unsigned>(Xxh3(HostName())));
    return new std::string(hex);
  }();
  return *tag;
}

bool LocalProcessIsAlive(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno != EPERM) return false;
  // A zombie has ended; it only waits to be reaped (under a container's init that does not reap,
  // it waits for ever).
  return ReadProcStat(pid).state != "Z";
}

Liveness ProcessLiveness(std::string_view process) {
  // <host>:<pid>:<start>, the host possibly holding ':' itself.
  const size_t start_colon = process.rfind(':');
  if (start_colon == std::string_view::npos || start_colon == 0) return Liveness::kUnknown;
  const size_t pid_colon = process.rfind(':', start_colon - 1);
  if (pid_colon == std::string_view::npos) return Liveness::kUnknown;
  const std::string_view host = process.substr(0, pid_colon);
  const std::string_view pid_text = process.substr(pid_colon + 1, start_colon - pid_colon - 1);
  const std::string_view start = process.substr(start_colon + 1);
  pid_t pid = 0;
  const auto parsed = std::from_chars(pid_text.data(), pid_text.data() + pid_text.size(), pid);
  if (parsed.ec != std::errc() || parsed.ptr != pid_text.data() + pid_text.size() || pid <= 0) {
    return Liveness::kUnknown;
  }
  if (host != HostName()) return Liveness::kUnknown;
  if (!LocalProcessIsAlive(pid)) return Liveness::kGone;
  // Alive, unless the pid now belongs to a process that started at another time.
  const std::string now = ReadProcStat(pid).start;
  if (!start.empty() && !now.empty() && now != start) return Liveness::kGone;
  return Liveness::kAlive;
}

}  // namespace weir::base
