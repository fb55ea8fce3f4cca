// The old path of loss/loss.hpp, kept so that code written against it still compiles.
#pragma once

#include "plexus/loss/loss.hpp"
