// The old path of px::init's header; it moved to plexus/nn/init.hpp beside src/nn/init.cpp.
#pragma once

#include "plexus/nn/init.hpp"
