#include "plexus/base/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "base/check.hpp"

namespace plexus {

namespace {

// Throws "<what>: <the system's reason>"; `error` is errno saved before any cleanup call.
[[noreturn]] void throw_system_error(const std::string& what, int error) {
  detail::throw_error(what, ": ", std::strerror(error));
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t done = ::write(fd, bytes.data(), bytes.size());
    if (done < 0 && errno == EINTR) continue;
    if (done < 0) return false;
    bytes.remove_prefix(static_cast<size_t>(done));
  }
  return true;
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path,
                           std::initializer_list<std::string_view> parts) {
  // One temporary name per file: a writer killed half way leaves it behind, and the next write
  // of the same file truncates and reuses it instead of leaving more.
  const std::filesystem::path tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw_system_error("cannot create " + tmp.string(), errno);
  for (std::string_view part : parts)
    if (!write_all(fd, part)) {
      const int error = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw_system_error("cannot write " + tmp.string(), error);
    }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int error = errno;
    ::unlink(tmp.c_str());
    throw_system_error("cannot flush " + tmp.string(), error);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(tmp.c_str());
    throw_system_error("cannot rename " + tmp.string() + " to " + path.string(), error);
  }
  const std::filesystem::path parent = path.has_parent_path() ? path.parent_path() : ".";
  const int dir = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {  // a folder that cannot be opened is no error: the file is whole either way
    ::fsync(dir);
    ::close(dir);
  }
}

void write_file_atomically(const std::filesystem::path& path, std::string_view bytes) {
  write_file_atomically(path, {bytes});
}

}  // namespace plexus
