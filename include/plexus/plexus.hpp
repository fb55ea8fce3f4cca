// plexus: fully-connected neural networks in C++20. Include this one header for everything.
#pragma once

#include "plexus/activation.hpp"
#include "plexus/autograd.hpp"
#include "plexus/error.hpp"
#include "plexus/ops.hpp"
#include "plexus/random.hpp"
#include "plexus/shape.hpp"
#include "plexus/tensor.hpp"
#include "plexus/threads.hpp"
