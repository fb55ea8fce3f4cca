// Every differentiable op, one header per family under plexus/ops/. Include this one for all of
// them (plexus/plexus.hpp includes it too).
#pragma once

#include "plexus/ops/activation.hpp"
#include "plexus/ops/dropout.hpp"
#include "plexus/ops/elementwise.hpp"
#include "plexus/ops/embedding.hpp"
#include "plexus/ops/gradcheck.hpp"
#include "plexus/ops/matmul.hpp"
#include "plexus/ops/norm.hpp"
#include "plexus/ops/reduce.hpp"
#include "plexus/ops/shape_ops.hpp"
