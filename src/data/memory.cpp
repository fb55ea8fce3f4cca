// The memory check before reading a file whole. The address-space limit counts what is mapped
// already (the program, its libraries, thread stacks), so what is left is the limit minus the
// process's current virtual size, read from /proc/self/statm.
#include "plexus/data/memory.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>

#include "base/check.hpp"

namespace plexus::data {

namespace {

uint64_t page_size() { return static_cast<uint64_t>(::sysconf(_SC_PAGESIZE)); }

uint64_t physical_memory() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  return pages > 0 ? static_cast<uint64_t>(pages) * page_size()
                   : std::numeric_limits<uint64_t>::max();
}

uint64_t mapped_now() {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages = 0;
  statm >> pages;
  return pages * page_size();
}

// `files`: what was read, with its size ("x.npy (4.0 MB) with its labels y.npy (1.0 MB)").
std::string explain(const std::string& files, uint64_t needed, uint64_t available) {
  return files + " needs about " + format_bytes(needed) +
         " of memory to be read whole, and this process has " + format_bytes(available) +
         " available; to train on it, pass --stream (which reads it in chunks, in bounded "
         "memory)";
}

std::string sized(const std::filesystem::path& path, uint64_t bytes) {
  return path.string() + " (" + format_bytes(bytes) + ")";
}

}  // namespace

uint64_t memory_to_read_whole(uint64_t file_bytes) {
  return static_cast<uint64_t>(std::ceil(static_cast<double>(file_bytes) * kCsvMemoryExpansion));
}

uint64_t memory_to_read_npy_whole(uint64_t files_bytes) {
  return static_cast<uint64_t>(std::ceil(static_cast<double>(files_bytes) * kNpyMemoryExpansion));
}

uint64_t available_memory() {
  uint64_t available = physical_memory();
  rlimit limit{};
  if (::getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    const uint64_t used = mapped_now();
    const auto cap = static_cast<uint64_t>(limit.rlim_cur);
    available = std::min(available, cap > used ? cap - used : 0);
  }
  return available;
}

std::string format_bytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"bytes", "KB", "MB", "GB", "TB"};
  auto value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1000 && unit + 1 < std::size(kUnits)) {
    value /= 1000;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", value, kUnits[unit]);
  return text;
}

void check_fits_in_memory(const std::filesystem::path& path) {
  std::error_code error;
  const uint64_t file_bytes = std::filesystem::file_size(path, error);
  if (error) return;  // not a regular file (a pipe): reading it says what is wrong
  const uint64_t needed = memory_to_read_whole(file_bytes);
  const uint64_t available = available_memory();
  PLEXUS_CHECK(needed <= available, explain(sized(path, file_bytes), needed, available));
}

void throw_out_of_memory(const std::filesystem::path& path, const std::filesystem::path& labels) {
  const auto size_of = [](const std::filesystem::path& file) {
    std::error_code error;
    const uint64_t bytes = std::filesystem::file_size(file, error);
    return error ? 0 : bytes;
  };
  const uint64_t file_bytes = size_of(path);
  std::string files = sized(path, file_bytes);
  std::string extension = path.extension().string();
  for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (extension != ".npy")
    detail::throw_error("out of memory reading ",
                        explain(files, memory_to_read_whole(file_bytes), available_memory()));
  uint64_t files_bytes = file_bytes;
  if (!labels.empty()) {
    files_bytes += size_of(labels);
    files += " with its labels " + sized(labels, size_of(labels));
  }
  detail::throw_error("out of memory reading ",
                      explain(files, memory_to_read_npy_whole(files_bytes), available_memory()));
}

}  // namespace plexus::data
