// The old path of tensor/random.hpp, kept so that code written against it still compiles.
#pragma once

#include "plexus/tensor/random.hpp"
