// Loading a source by the kind of thing its name names: the built-in dataset, a folder, a .npy
// file, else a CSV file.
#include "plexus/data/source.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iostream>
#include <new>

#include "base/check.hpp"
#include "plexus/data/fashion_mnist.hpp"
#include "plexus/data/memory.hpp"
#include "plexus/data/npy.hpp"

namespace plexus::data {
namespace fs = std::filesystem;

namespace {

bool ends_with_lowercase(const std::string& text, const std::string& suffix) {
  if (text.size() < suffix.size()) return false;
  std::string tail = text.substr(text.size() - suffix.size());
  std::transform(tail.begin(), tail.end(), tail.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return tail == suffix;
}

Source from_images(const std::string& name, LabelledImages images, bool fashion) {
  Source source;
  source.name = name;
  source.arrays = {
      .name = name, .features = images.images, .labels = images.labels, .prescaled = 1.0f / 255.0f};
  if (fashion)
    for (const char* cls : kFashionMnistClasses) source.arrays.class_names.emplace_back(cls);
  return source;
}

Source from_npy(const std::string& spec, const std::string& labels) {
  Tensor x = read_npy(spec);
  if (x.rank() == 1) x = x.reshape({x.shape(0), 1});
  if (x.rank() > 2) {
    const int64_t rest = static_cast<int64_t>(x.numel()) / std::max<int64_t>(1, x.shape(0));
    x = x.reshape({x.shape(0), rest});
  }
  Source source;
  source.name = spec;
  source.arrays = {.name = spec, .features = x};
  if (!labels.empty()) {
    const Tensor y = read_npy(labels);
    PLEXUS_CHECK(y.numel() == static_cast<size_t>(x.shape(0)), labels, ": ", y.numel(),
                 " labels for ", x.shape(0), " rows of ", spec);
    source.arrays.labels = y.reshape({static_cast<int64_t>(y.numel())});
  }
  return source;
}

}  // namespace

size_t Source::rows() const {
  if (table) return table->rows();
  return arrays.features.defined() ? static_cast<size_t>(arrays.features.shape(0)) : 0;
}

Source load_source(const std::string& spec, const SourceOptions& options) {
  if (spec == "fashion-mnist")
    return from_images(spec, load_fashion_mnist(options.train, kFashionMnistDir), true);
  Source source;
  if (spec == "-") {
    source.name = "<stdin>";
    source.table = read_csv(std::cin, "<stdin>", options.csv);
    return source;
  }
  std::error_code ec;
  if (fs::is_directory(spec, ec))
    return from_images(spec, load_idx_dir(spec, options.train), false);
  PLEXUS_CHECK(fs::exists(spec, ec), spec, ": no such file or folder");
  if (is_npy_path(spec)) {
    try {
      return from_npy(spec, options.labels);
    } catch (const std::bad_alloc&) {
      throw_out_of_memory(spec, options.labels);
    }
  }
  if (options.check_memory) check_fits_in_memory(spec);
  source.name = spec;
  source.table = read_csv(spec, options.csv);
  return source;
}

bool is_npy_path(const std::string& path) { return ends_with_lowercase(path, ".npy"); }

}  // namespace plexus::data
