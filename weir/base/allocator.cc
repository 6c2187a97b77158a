#include "weir/base/allocator.h"

#include <malloc.h>

namespace weir::base {

void TuneAllocatorForBatches() {
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
}

}  // namespace weir::base
