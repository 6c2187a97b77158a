#ifndef WEIR_BASE_ALLOCATOR_H_
#define WEIR_BASE_ALLOCATOR_H_

namespace weir::base {

// Tunes glibc's allocator for the data plane, which allocates and frees buffers of a few MB per
// chunk on every thread: by default glibc maps and unmaps each such buffer, paying a page fault
// per 4 KiB on every reuse (a third of ExampleGen's time went to the kernel). Call once at start.
void TuneAllocatorForBatches();

}  // namespace weir::base

#endif  // WEIR_BASE_ALLOCATOR_H_
