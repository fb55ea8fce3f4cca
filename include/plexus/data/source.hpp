// Rows of input from any format plexus reads, by what the user names: "fashion-mnist", an IDX
// folder, FILE.npy (with a .npy of labels), a CSV file, or "-" (CSV on standard input). A CSV
// stays a table of text cells; the rest are labelled arrays. io::Model turns either into the
// inputs and targets of a network (Model::inputs, Model::targets).
//
//   auto source = px::data::load_source("houses.csv");
//   auto images = px::data::load_source("fashion-mnist", {.train = false});
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "plexus/data/csv.hpp"
#include "plexus/data/prepare.hpp"

namespace plexus::data {

struct SourceOptions {
  CsvOptions csv;      ///< CSV files and standard input
  std::string labels;  ///< a .npy file of labels, one per row of a .npy source
  bool train = true;   ///< IDX folders and fashion-mnist: the training or the test split
  /// CSV files: refuse (naming the file, the memory it needs and --stream) one that cannot fit in
  /// memory read whole (data/memory.hpp); false reads it regardless.
  bool check_memory = true;
};

/// Rows of input: a table of text cells (CSV) or labelled arrays (images, .npy).
struct Source {
  std::string name;            ///< what the user gave (file, folder, "fashion-mnist", "<stdin>")
  std::optional<Table> table;  ///< CSV
  /// The rest: features [N, F] as loaded (a .npy of any rank is flattened to rows), labels [N]
  /// or undefined, and the factor the loader already applied (1/255 for IDX images).
  Arrays arrays;

  bool is_table() const { return table.has_value(); }
  size_t rows() const;
};

/// Loads `spec`; a name that is none of the formats is an error saying it does not exist.
Source load_source(const std::string& spec, const SourceOptions& options = {});

/// Whether `path` names a .npy file, by its extension in any case: load_source reads such a file
/// as arrays, and the stream (data/stream_plan.hpp) streams it so.
bool is_npy_path(const std::string& path);

}  // namespace plexus::data
