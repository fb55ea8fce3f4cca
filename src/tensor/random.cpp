// PCG32 (O'Neill, "PCG: A Family of Simple Fast Space-Efficient Statistically Good Algorithms"),
// and the global seed sequence that layers and px::init draw their seeds from.
#include <cmath>
#include <cstdint>
#include <mutex>
#include <numbers>

#include "base/check.hpp"
#include "base/compat.hpp"
#include "plexus/tensor/random.hpp"

namespace plexus {
namespace {
uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
}  // namespace

Generator::Generator(uint64_t seed) {
  state_ = splitmix64(seed);
  increment_ = splitmix64(seed) | 1u;
  next_u32();
}

std::vector<uint64_t> Generator::get_state() const {
  return {state_, increment_, compat::bit_cast<uint32_t>(spare_normal_), has_spare_ ? 1u : 0u};
}

void Generator::set_state(const std::vector<uint64_t>& state) {
  PLEXUS_CHECK(state.size() == 4 && state[2] <= UINT32_MAX && state[3] <= 1,
               "Generator::set_state: expected the four numbers of get_state(), got ", state.size(),
               " numbers");
  state_ = state[0];
  increment_ = state[1];
  spare_normal_ = compat::bit_cast<float>(static_cast<uint32_t>(state[2]));
  has_spare_ = state[3] == 1;
}

uint32_t Generator::next_u32() {
  const uint64_t old = state_;
  state_ = old * 6364136223846793005ull + increment_;
  const auto xorshifted = static_cast<uint32_t>(((old >> 18u) ^ old) >> 27u);
  const auto rotation = static_cast<uint32_t>(old >> 59u);
  return (xorshifted >> rotation) | (xorshifted << ((32 - rotation) & 31));
}

float Generator::uniform() { return static_cast<float>(next_u32() >> 8) * (1.0f / 16777216.0f); }

float Generator::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_normal_;
  }
  // NOTE: 1 - uniform() lies in (0, 1], so the log never sees zero.
  const double radius = std::sqrt(-2.0 * std::log(1.0 - static_cast<double>(uniform())));
  const double angle = 2.0 * std::numbers::pi * static_cast<double>(uniform());
  spare_normal_ = static_cast<float>(radius * std::sin(angle));
  has_spare_ = true;
  return static_cast<float>(radius * std::cos(angle));
}

uint64_t Generator::below(uint64_t n) {
  if (n <= 1) return 0;
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  for (;;) {
    const uint64_t r = (static_cast<uint64_t>(next_u32()) << 32) | next_u32();
    if (r < limit) return r % n;
  }
}

// ---- the global seed sequence ------------------------------------------------------------------

namespace {
std::mutex seed_mutex;
Generator& seed_sequence() {
  static Generator sequence(0);
  return sequence;
}
}  // namespace

void manual_seed(uint64_t seed) {
  std::lock_guard lock(seed_mutex);
  seed_sequence() = Generator(seed);
}

uint64_t next_seed() {
  std::lock_guard lock(seed_mutex);
  const uint64_t high = seed_sequence().next_u32();
  return (high << 32) | seed_sequence().next_u32();
}

}  // namespace plexus
