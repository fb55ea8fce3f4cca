// Reading MNIST-style IDX files (gzip-compressed or not), such as Fashion-MNIST from Debian's
// dataset-fashion-mnist package: 28x28 grey images and their class labels.
#pragma once

#include <filesystem>
#include <string>

#include "plexus/tensor/tensor.hpp"

namespace plexus::data {

/// Where Debian's dataset-fashion-mnist package puts the files.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

/// Images as [N, rows * cols] floats scaled to [0, 1], labels as [N] class indices (floats).
struct LabelledImages {
  Tensor images;
  Tensor labels;
};

/// Reads an IDX image file and its IDX label file; errors name the file and what is wrong.
LabelledImages read_idx(const std::string& images_path, const std::string& labels_path);

/// The training (60,000) or test (10,000) split of Fashion-MNIST in `dir`.
LabelledImages load_fashion_mnist(bool train, const std::string& dir = kFashionMnistDir);

/// The training or test split of the MNIST-style IDX files in `dir`: train-images-idx3-ubyte and
/// train-labels-idx1-ubyte, or t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each gzipped
/// (".gz") or not. A missing file is an error that lists the names expected.
LabelledImages load_idx_dir(const std::filesystem::path& dir, bool train);

/// The names of Fashion-MNIST's ten classes, by index.
inline constexpr const char* kFashionMnistClasses[10] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

}  // namespace plexus::data
