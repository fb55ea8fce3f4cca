// The data flags as the library's source options; loading goes through data::load_source.
#include "cli.hpp"

namespace plexus::cli {

data::CsvOptions csv_options(std::optional<bool> header, const std::string& delimiter) {
  data::CsvOptions csv{.header = header};
  if (delimiter == "\\t" || delimiter == "tab")
    csv.delimiter = '\t';
  else if (!delimiter.empty())
    csv.delimiter = delimiter[0];
  return csv;
}

data::Source load_data(const std::string& spec, const data::SourceOptions& options) {
  if (spec.empty())
    throw UsageError("--data is required (a .csv, a .npy, an IDX folder or fashion-mnist)");
  return data::load_source(spec, options);
}

}  // namespace plexus::cli
