// One setting for every thread plexus uses. The parallel work is BLAS' (matrix products); plexus'
// own element-wise loops run on the calling thread, so BLAS' threads never compete with them.
// One exception: a linear layer on one row with nothing recorded (batch-1 inference, model(x) in
// eval mode under NoGradGuard) splits its weight rows across plexus' own worker threads, which
// spin for PLEXUS_WORKER_SPIN_US microseconds (50 unless set) after each job and then sleep.
// At start-up the setting is read from the environment variable PLEXUS_NUM_THREADS when set.
#pragma once

namespace plexus {

/// Sets the number of threads plexus (and so BLAS) may use, at least 1. With 1, batch-1
/// inference runs on the calling thread, through BLAS.
void set_num_threads(int threads);
/// The current setting.
int num_threads();

}  // namespace plexus
