// FlushDenormals: within its scope, this thread's float arithmetic flushes results below float's
// normal range (~1.2e-38) to zero and reads such inputs as zero (x86 MXCSR FTZ + DAZ; a no-op on
// other processors).
// NOTE: denormal arithmetic takes microcode assists, ~100 times slower; optimizer moments sink
// into that range as gradients vanish, which slowed W1's later epochs by 45%.
#pragma once

#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

namespace plexus::cpu {

class FlushDenormals {
 public:
#if defined(__SSE2__)
  FlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | kFlushToZero | kDenormalsAreZero); }
  ~FlushDenormals() { _mm_setcsr(saved_); }
#else
  // Elsewhere (WebAssembly, which has no such mode; other processors) the arithmetic is unchanged.
  // NOTE: user-provided, not = default: a trivial guard would warn as an unused variable.
  FlushDenormals() {}
#endif
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;

 private:
#if defined(__SSE2__)
  static constexpr unsigned kFlushToZero = 0x8000;
  static constexpr unsigned kDenormalsAreZero = 0x0040;
  unsigned saved_;
#endif
};

/// The calling thread's float environment (x86 MXCSR: rounding, flush-to-zero, denormals-are-zero;
/// 0 elsewhere), and a guard that runs its scope in a given one: plexus' workers run each part of
/// a job in the caller's, so a part's bits do not depend on the thread that runs it.
#if defined(__SSE2__)
inline unsigned float_environment() { return _mm_getcsr(); }

class UseFloatEnvironment {
 public:
  explicit UseFloatEnvironment(unsigned environment) : saved_(_mm_getcsr()) {
    if (environment != saved_) _mm_setcsr(environment);
  }
  ~UseFloatEnvironment() {
    if (_mm_getcsr() != saved_) _mm_setcsr(saved_);
  }
  UseFloatEnvironment(const UseFloatEnvironment&) = delete;
  UseFloatEnvironment& operator=(const UseFloatEnvironment&) = delete;

 private:
  unsigned saved_;
};
#else
inline unsigned float_environment() { return 0; }

class UseFloatEnvironment {
 public:
  explicit UseFloatEnvironment(unsigned) {}
  UseFloatEnvironment(const UseFloatEnvironment&) = delete;
  UseFloatEnvironment& operator=(const UseFloatEnvironment&) = delete;
};
#endif

}  // namespace plexus::cpu
