// px::distributed outside an MPI job: shards of a batch, a job of one before init(), fit refusing
// distributed without it, and the message of a plexus built without MPI.
#include <gtest/gtest.h>

#include <algorithm>
#include <plexus/distributed/distributed.hpp>
#include <plexus/optim/sgd.hpp>
#include <plexus/plexus.hpp>
#include <plexus/train/fit.hpp>
#include <string>

#include "support/error_of.hpp"

namespace px = plexus;
namespace distributed = plexus::distributed;
using px::Tensor;

namespace {

TEST(Distributed, ShardsAreContiguousCoverTheBatchAndDifferByAtMostOneRow) {
  for (int64_t rows : {1, 7, 64, 65, 1000})
    for (int world = 1; world <= 8 && world <= rows; ++world) {
      int64_t next = 0, smallest = rows, largest = 0;
      for (int rank = 0; rank < world; ++rank) {
        const distributed::Shard shard = distributed::shard_of(rows, rank, world);
        EXPECT_EQ(shard.offset, next) << rows << " rows, rank " << rank << " of " << world;
        next += shard.rows;
        smallest = std::min(smallest, shard.rows);
        largest = std::max(largest, shard.rows);
      }
      EXPECT_EQ(next, rows);
      EXPECT_LE(largest - smallest, 1);
    }
  EXPECT_NE(px::testing::error_of([] { distributed::shard_of(8, 3, 3); }).find("rank 3"),
            std::string::npos);
}

TEST(Distributed, BeforeInitAProcessIsAJobOfOne) {
  EXPECT_FALSE(distributed::initialized());
  EXPECT_EQ(distributed::rank(), 0);
  EXPECT_EQ(distributed::world_size(), 1);
}

TEST(Distributed, FitRefusesDistributedOutsideAJob) {
  px::nn::Sequential model{px::nn::Linear(2, 1, true, 1)};
  px::optim::SGD optimizer(model.parameters(), {.lr = 0.1});
  const px::data::Dataset data(Tensor::randn({8, 2}, 1), Tensor::randn({8, 1}, 2));
  const std::string error = px::testing::error_of(
      [&] { px::train::fit(model, optimizer, "mse", data, {.verbose = 0, .distributed = true}); });
  EXPECT_NE(error.find("distributed::init()"), std::string::npos) << error;
}

TEST(Distributed, WithoutMpiInitSaysWhatToInstall) {
  if (distributed::available()) GTEST_SKIP() << "built with MPI: tests/distributed runs it";
  const std::string error = px::testing::error_of([] { distributed::init(); });
  EXPECT_NE(error.find("libopenmpi-dev"), std::string::npos) << error;
}

}  // namespace
