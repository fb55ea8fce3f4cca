// One setting for every thread plexus uses. The parallel work is BLAS' (matrix products); plexus'
// own element-wise loops run on the calling thread, so BLAS' threads never compete with them.
// At start-up the setting is read from the environment variable PLEXUS_NUM_THREADS when set.
#pragma once

namespace plexus {

/// Sets the number of threads plexus (and so BLAS) may use, at least 1.
void set_num_threads(int threads);
/// The current setting.
int num_threads();

}  // namespace plexus
