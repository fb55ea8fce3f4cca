// Writing a file so that a crash never leaves half of it under its name: the bytes go to a new
// temporary file beside it, are fsynced, and the temporary is renamed over the name (and the
// folder fsynced, so the rename itself survives a power cut). Readers see the old file or the
// whole new one. Every file plexus writes (model files, checkpoints, safetensors and .npy files,
// figures and reports, predictions) goes through here; so do the command's.
#pragma once

#include <filesystem>
#include <initializer_list>
#include <string_view>

namespace plexus {

/// Writes the concatenation of `parts` to `path` atomically; throws plexus::Error naming the file
/// and the system's reason.
void write_file_atomically(const std::filesystem::path& path,
                           std::initializer_list<std::string_view> parts);
/// The same for one piece of text or bytes (a std::string converts).
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

}  // namespace plexus
