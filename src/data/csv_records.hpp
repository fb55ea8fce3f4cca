// The CSV parser's entry points for reading a file in chunks (data/csv_stream.cpp): the format
// read_csv detects from a file's start, and whole records of a chunk parsed in that format with
// their true line numbers. One parser serves both the whole-file and the chunked reader.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "plexus/data/csv.hpp"

namespace plexus::data::internal {

/// A file's delimiter, whether its line 1 is a header, and the column names (as Table::columns).
struct CsvFormat {
  char delimiter = ',';
  bool header = false;
  std::vector<std::string> columns;
};

/// What read_csv would detect from `text` (the start of a file, whole records).
CsvFormat detect_csv_format(std::string text, const std::string& source, const CsvOptions& options);

/// Whole records of a file in `format` from byte `start` of `text` (the bytes before are kept,
/// which spares moving the rest down), the first on line `first_line`; every record must have
/// the header's number of fields. With `starts_file`, a header record is checked against
/// format.columns (shards share one header) and left out. An empty table is no error.
Table parse_csv_records(std::string text, size_t start, std::string source, size_t first_line,
                        const CsvFormat& format, bool starts_file);

}  // namespace plexus::data::internal
