// WEIR_DCHECK(condition): a check of what a caller guarantees, where breaking it is a programming
// error rather than bad input. In debug builds (the debug and asan presets) a failed check prints
// the condition and its place and aborts; in release builds it costs nothing (the condition is
// compiled but not evaluated). Bad input is never checked this way: it gets an absl::Status.
#ifndef WEIR_BASE_CHECK_H_
#define WEIR_BASE_CHECK_H_

namespace weir::base::internal {
[[noreturn]] void DcheckFailed(const char* condition, const char* file, int line);
}  // namespace weir::base::internal

#ifdef NDEBUG
#define WEIR_DCHECK(condition) \
  while (false) static_cast<void>(condition)
#else
#define WEIR_DCHECK(condition)        \
  ((condition) ? static_cast<void>(0) \
               : ::weir::base::internal::DcheckFailed(#condition, __FILE__, __LINE__))
#endif

#endif  // WEIR_BASE_CHECK_H_
