// One setting for every thread plexus uses: BLAS' threads and plexus' own parallel loops.
// At start-up it is read from the environment variable PLEXUS_NUM_THREADS when set.
#pragma once

namespace plexus {

/// Sets the number of threads for BLAS and for plexus' loops (at least 1).
void set_num_threads(int threads);
/// The current setting.
int num_threads();

}  // namespace plexus
