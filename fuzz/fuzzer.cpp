// One libFuzzer binary per target: PLEXUS_FUZZ_TARGET names the entry function of targets.hpp.
#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return plexus::fuzz::PLEXUS_FUZZ_TARGET(data, size);
}
