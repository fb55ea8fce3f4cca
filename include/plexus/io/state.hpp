// Saving and restoring a module's state: its named parameters and buffers, by name and shape.
// The file holds tensors only, not the architecture: load into a model built the same way.
// (Full model files with the architecture build on this; see io/model_file.hpp when it exists.)
//
// Format (version 1, little-endian):
//   "PLXSTATE" (8 bytes) | u32 version | u32 tensor count |
//   per tensor: u32 name length | name (UTF-8) | u32 rank | i64 dims[rank] | f32 data[numel]
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string_view>

#include "plexus/tensor/named_tensors.hpp"
#include "plexus/tensor/tensor.hpp"

namespace plexus::nn {
class Module;
}

namespace plexus::io {

/// The alias's old home; plexus::NamedTensors is the one declaration.
using NamedTensors = plexus::NamedTensors;

/// module.state_dict(), kept for existing callers.
NamedTensors state_dict(const nn::Module& module);
/// The same as copies, which later training does not change (e.g. the best weights so far).
NamedTensors snapshot(const nn::Module& module);
/// module.load_state_dict(state) (strict), with `source` (a file name) starting every error.
void load_state_dict(nn::Module& module, const NamedTensors& state,
                     std::string_view source = "state");

/// Writes the module's state to `path` atomically (see write_file_atomically).
void save_state(const nn::Module& module, const std::filesystem::path& path);
/// Reads a file written by save_state into a model of the same architecture.
void load_state(nn::Module& module, const std::filesystem::path& path);

/// The format above, to and from streams, for files that embed a state section.
void write_tensors(std::ostream& out, const NamedTensors& tensors);
/// Reads from a seekable stream up to the end of the last tensor. Throws naming `source` on a bad
/// magic, an unknown version or truncated data.
NamedTensors read_tensors(std::istream& in, std::string_view source);
void save_tensors(const NamedTensors& tensors, const std::filesystem::path& path);
/// Also rejects bytes after the last tensor.
NamedTensors load_tensors(const std::filesystem::path& path);

/// Writes `bytes` to `path.tmp`, fsyncs it, then renames it over `path`: a crash leaves either
/// the old file or the new one, never half of one.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

}  // namespace plexus::io
