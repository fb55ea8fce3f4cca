// One setting for every thread plexus uses: its own worker threads, which share the blocks of
// large matrix products (and, at batch 1 with nothing recorded, a linear layer's weight rows) with
// the calling thread. BLAS runs single-threaded; element-wise loops run on the calling thread.
// The blocks depend only on the shapes, so results are the same bits at any thread count.
// The workers spin for PLEXUS_WORKER_SPIN_US microseconds (50 unless set) after each job and then
// sleep. At start-up the setting is read from the environment variable PLEXUS_NUM_THREADS when set.
#pragma once

namespace plexus {

/// Sets the number of threads plexus may use, at least 1. With 1, everything runs on the calling
/// thread.
void set_num_threads(int threads);
/// The current setting.
int num_threads();

}  // namespace plexus
