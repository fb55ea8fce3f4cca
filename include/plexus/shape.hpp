// The old path of tensor/shape.hpp, kept so that code written against it still compiles.
#pragma once

#include "plexus/tensor/shape.hpp"
