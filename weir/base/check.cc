#include "weir/base/check.h"

#include <cstdio>
#include <cstdlib>

namespace weir::base::internal {

void DcheckFailed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: WEIR_DCHECK failed: %s\n", file, line, condition);
  std::abort();
}

}  // namespace weir::base::internal
