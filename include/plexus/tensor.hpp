// The old path of tensor/tensor.hpp, kept so that code written against it still compiles.
#pragma once

#include "plexus/tensor/tensor.hpp"
