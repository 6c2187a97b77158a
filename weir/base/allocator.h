#ifndef WEIR_BASE_ALLOCATOR_H_
#define WEIR_BASE_ALLOCATOR_H_

#include <memory>
#include <utility>

namespace weir::base {

// Tunes glibc's allocator for the data plane, which allocates and frees buffers of a few MB per
// chunk on every thread: by default glibc maps and unmaps each such buffer, paying a page fault
// per 4 KiB on every reuse (a third of ExampleGen's time went to the kernel). Call once at start.
void TuneAllocatorForBatches();

// An allocator whose resize() leaves new elements uninitialized (default-initialized): a vector
// sized for the most values a batch can hold and then filled through data() skips zero-filling
// memory that is about to be overwritten.
template <typename T>
class DefaultInitAllocator : public std::allocator<T> {
 public:
  template <typename U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  using std::allocator<T>::allocator;
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    if constexpr (sizeof...(Args) == 0) {
      ::new (static_cast<void*>(p)) U;
    } else {
      ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
  }
};

}  // namespace weir::base

#endif  // WEIR_BASE_ALLOCATOR_H_
