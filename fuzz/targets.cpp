#include "targets.hpp"

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "plexus/data/csv.hpp"
#include "plexus/data/fashion_mnist.hpp"
#include "plexus/data/npy.hpp"
#include "plexus/data/tabular.hpp"
#include "plexus/error.hpp"
#include "plexus/io/model_file.hpp"
#include "plexus/io/safetensors.hpp"

namespace plexus::fuzz {

namespace {

std::string_view bytes(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The readers that take a path get the bytes in a file of their own per process, so that
// parallel fuzzing jobs and test runs do not share one.
std::filesystem::path write_temp(std::string_view name, std::string_view content) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() /
      ("plexus_fuzz_" + std::to_string(::getpid()) + "_" + std::string(name));
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(content.data(), static_cast<std::streamsize>(content.size()));
  return path;
}

// Numbers that are not finite, made from cells that are, are garbage computed silently: a bug
// like a crash, so it escapes as an exception that is not a plexus::Error.
void expect_finite(const Tensor& tensor, const char* what) {
  const float* x = tensor.data();
  for (size_t i = 0; i < tensor.numel(); ++i)
    if (!std::isfinite(x[i]))
      throw std::logic_error(std::string(what) + " made a non-finite value");
}

template <typename F>
int guarded(F&& run) {
  try {
    run();
  } catch (const Error&) {
  }
  return 0;
}

}  // namespace

int csv(const uint8_t* data, size_t size) {
  return guarded([&] {
    std::istringstream in{std::string(bytes(data, size))};
    const data::Table table = data::read_csv(in, "fuzz.csv");
    if (table.rows() == 0) return;
    // Options follow the input's length, so that every one is reached without spending bytes
    // that would change the CSV.
    data::TabularOptions options;
    options.impute = static_cast<data::Impute>(size % 5);
    if (size / 12 % 2 == 1) options.scaling = data::Scaling::robust;
    if (size / 4 % 3 == 1) options.task = data::Task::classification;
    if (size / 4 % 3 == 2) options.task = data::Task::regression;
    // Fitted on the even rows and applied to all, so that unseen values reach transform/encode.
    std::vector<size_t> all(table.rows()), even;
    std::iota(all.begin(), all.end(), size_t{0});
    for (size_t r = 0; r < all.size(); r += 2) even.push_back(r);
    const auto features = data::Preprocessing::fit(table, even, options);
    std::vector<std::string> warnings;
    expect_finite(features.transform(table, all, &warnings), "Preprocessing::transform");
    const auto back = data::Preprocessing::from_json(features.to_json(), "fuzz.json");
    expect_finite(back.transform(table, even), "Preprocessing::transform after from_json");
    const auto target = data::Target::fit(table, even, options);
    data::Target::from_json(target.to_json(), "fuzz.json").encode(table, even);
    expect_finite(target.encode(table, all), "Target::encode");
  });
}

int idx(const uint8_t* data, size_t size) {
  return guarded([&] {
    uint32_t length = 0;
    if (size >= 4) std::memcpy(&length, data, 4);
    const std::string_view rest = size >= 4 ? bytes(data + 4, size - 4) : std::string_view();
    const std::string_view images = rest.substr(0, length);
    const auto images_path = write_temp("images", images);
    const auto labels_path = write_temp("labels", rest.substr(images.size()));
    data::read_idx(images_path.string(), labels_path.string());
  });
}

int npy(const uint8_t* data, size_t size) {
  return guarded([&] { data::read_npy(write_temp("array.npy", bytes(data, size))); });
}

int safetensors(const uint8_t* data, size_t size) {
  return guarded([&] { io::decode_safetensors(bytes(data, size), "fuzz.safetensors"); });
}

int model(const uint8_t* data, size_t size) {
  return guarded([&] {
    io::Model model = io::load_model(write_temp("model.plx", bytes(data, size)));
    if (!std::isfinite(model.info.input.scale))
      throw std::logic_error("load_model read a non-finite input scale");
    const auto features = model.network.in_features();
    if (!features) return;
    const Tensor zeros = Tensor::zeros({1, *features});
    model.forward(zeros);
    if (model.info.task == "classification") model.predict_proba(zeros);
  });
}

}  // namespace plexus::fuzz
