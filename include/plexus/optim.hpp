// px::optim: optimizers, learning-rate schedules and the LR range test; with them, in namespace
// px, gradient clipping and L1/L2 penalties. Include this header for all of it.
#pragma once

#include "plexus/optim/adadelta.hpp"
#include "plexus/optim/adagrad.hpp"
#include "plexus/optim/adam.hpp"
#include "plexus/optim/clip.hpp"
#include "plexus/optim/lr_range_test.hpp"
#include "plexus/optim/nadam.hpp"
#include "plexus/optim/optimizer.hpp"
#include "plexus/optim/registry.hpp"
#include "plexus/optim/regularization.hpp"
#include "plexus/optim/rmsprop.hpp"
#include "plexus/optim/schedule.hpp"
#include "plexus/optim/sgd.hpp"
