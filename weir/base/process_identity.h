// Names for the process that writes something (an execution in the store, a temporary file), so
// that a later process can tell whether the writer is gone and its leftovers may be cleaned up.
// Process ids are only meaningful on their own machine (and are reused), so a name carries the
// host and the process's start time too; a writer on another host is never judged dead.
#ifndef WEIR_BASE_PROCESS_IDENTITY_H_
#define WEIR_BASE_PROCESS_IDENTITY_H_

#include <sys/types.h>

#include <string>
#include <string_view>

namespace weir::base {

// This process as "<host>:<pid>:<start>", <start> being its start time in clock ticks after boot
// (/proc/<pid>/stat), which tells a reused pid from the original.
const std::string& ThisProcess();

// Eight hex digits naming this host, for file names (host names may hold any character).
const std::string& HostTag();

enum class Liveness { kAlive, kGone, kUnknown };

// Whether the process ThisProcess() named is still running. kUnknown for another host's process
// or a name that is not one.
Liveness ProcessLiveness(std::string_view process);

// Whether a process with this pid runs on this host (EPERM counts: it exists; a zombie, ended but
// not reaped, does not).
bool LocalProcessIsAlive(pid_t pid);

}  // namespace weir::base

#endif  // WEIR_BASE_PROCESS_IDENTITY_H_
