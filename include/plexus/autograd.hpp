// The old path of custom ops and the gradient checker, kept so that code written against it still
// compiles: they now live in autograd/custom_op.hpp and ops/gradcheck.hpp.
#pragma once

#include "plexus/autograd/custom_op.hpp"
#include "plexus/ops/gradcheck.hpp"
