// px::Generator: the one source of randomness in plexus (initialisation, dropout, shuffling).
// PCG32 with its own uniform and normal transforms, so a seed gives the same numbers on every
// platform and standard library.
#pragma once

#include <cstdint>
#include <vector>

namespace plexus {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0);

  uint32_t next_u32();
  /// Uniform in [0, 1), 24 random bits.
  float uniform();
  float uniform(float low, float high) { return low + (high - low) * uniform(); }
  /// Standard normal (Box-Muller on two uniforms).
  float normal();
  /// Uniform integer in [0, n), without modulo bias.
  uint64_t below(uint64_t n);

  /// Where the sequence stands, as four numbers (for checkpoints): a generator given this state
  /// draws the same numbers from here on as this one.
  std::vector<uint64_t> get_state() const;
  /// Restores a get_state(); throws unless it has four numbers.
  void set_state(const std::vector<uint64_t>& state);

 private:
  uint64_t state_ = 0;
  uint64_t increment_ = 0;
  float spare_normal_ = 0.0f;
  bool has_spare_ = false;
};

/// Restarts the global seed sequence: layers (Linear's weights, Dropout's masks) and init calls
/// without an explicit seed, created after this call, repeat bit for bit for the same `seed`.
/// The sequence starts as if manual_seed(0) had been called.
void manual_seed(uint64_t seed);
/// The next seed of the global sequence (thread-safe).
uint64_t next_seed();

}  // namespace plexus
