// The old path of cpu/threads.hpp, kept so that code written against it still compiles.
#pragma once

#include "plexus/cpu/threads.hpp"
