// The old path of ops/activation.hpp, kept so that code written against it still compiles.
#pragma once

#include "plexus/ops/activation.hpp"
