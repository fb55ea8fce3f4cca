// CsvStream: files cut into chunks at record ends (quote-aware), each parsed by the one CSV parser
// (data/csv_records.hpp) with its true line numbers. Plain files are read with seek + read, gzip
// files through zlib in order (a build without zlib, WebAssembly's, refuses them); a chunk's text
// is the only copy of its bytes in memory.
#include "plexus/data/csv_stream.hpp"

#include <glob.h>
#if PLEXUS_HAVE_ZLIB
#include <zlib.h>
#endif

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <utility>

#include "base/check.hpp"
#include "data/csv_records.hpp"
#include "data/field_ends.hpp"

namespace plexus::data {

namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& text, std::string_view end) {
  return text.size() >= end.size() && text.compare(text.size() - end.size(), end.size(), end) == 0;
}

bool is_gzip(const fs::path& path) { return ends_with(path.string(), ".gz"); }

bool is_csv_name(const fs::path& path) {
  const std::string name = path.filename().string();
  return ends_with(name, ".csv") || ends_with(name, ".csv.gz") || ends_with(name, ".tsv") ||
         ends_with(name, ".tsv.gz");
}

std::vector<fs::path> list_files(const std::string& spec) {
  std::vector<fs::path> files;
  std::error_code error;
  if (fs::is_directory(spec, error)) {
    for (const auto& entry : fs::directory_iterator(spec))
      if (entry.is_regular_file() && is_csv_name(entry.path())) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    PLEXUS_CHECK(!files.empty(), spec, ": the folder holds no .csv or .csv.gz files");
  } else if (spec.find_first_of("*?[") != std::string::npos) {
    glob_t found{};
    const int status = ::glob(spec.c_str(), 0, nullptr, &found);
    for (size_t i = 0; status == 0 && i < found.gl_pathc; ++i)
      files.emplace_back(found.gl_pathv[i]);
    globfree(&found);
    PLEXUS_CHECK(!files.empty(), spec, ": no file matches the pattern");
  } else {
    PLEXUS_CHECK(fs::is_regular_file(spec, error), spec, ": no such file");
    files.emplace_back(spec);
  }
  return files;
}

// Sequential bytes of a file, decompressed when it is gzip.
class FileReader {
 public:
  explicit FileReader(const fs::path& path) : source_(path.string()) {
    if (is_gzip(path)) {
#if PLEXUS_HAVE_ZLIB
      gz_ = gzopen(source_.c_str(), "rb");
      PLEXUS_CHECK(gz_ != nullptr, source_, ": cannot open (", std::strerror(errno), ")");
      gzbuffer(gz_, 1 << 20);
#else
      detail::throw_error(source_,
                          ": a gzip-compressed file, and this build of plexus has no zlib "
                          "(the WebAssembly build); hint: decompress it first (gunzip)");
#endif
    } else {
      plain_.open(path, std::ios::binary);
      PLEXUS_CHECK(plain_.is_open(), source_, ": cannot open (", std::strerror(errno), ")");
    }
  }
  ~FileReader() {
#if PLEXUS_HAVE_ZLIB
    if (gz_ != nullptr) gzclose(gz_);
#endif
  }
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  // Up to `size` bytes into `out`; fewer only at the end of the file.
  size_t read(char* out, size_t size) {
#if PLEXUS_HAVE_ZLIB
    if (gz_ != nullptr) return read_gzip(out, size);
#endif
    plain_.read(out, static_cast<std::streamsize>(size));
    PLEXUS_CHECK(!plain_.bad(), source_, ": read error");
    return static_cast<size_t>(plain_.gcount());
  }

 private:
#if PLEXUS_HAVE_ZLIB
  size_t read_gzip(char* out, size_t size) {
    size_t got = 0;
    while (got < size) {
      const auto want = static_cast<unsigned>(std::min<size_t>(size - got, 1u << 30));
      const int n = gzread(gz_, out + got, want);
      if (n < 0) {
        int code = 0;
        detail::throw_error(source_, ": not a readable gzip file (", gzerror(gz_, &code), ")");
      }
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    return got;
  }
  gzFile gz_ = nullptr;
#endif

  std::string source_;
  std::ifstream plain_;
};

// Past the last line break of `text` outside quotes, scanning from `from` with `quoted` the state
// there (updated); 0 when there is none.
// Jumps from quote to quote (memchr), and looks for a line break only backwards from the end of
// each unquoted stretch: a file without quotes costs one memchr and the length of its last line.
size_t last_record_end(std::string_view text, size_t from, bool& quoted) {
  size_t end = 0;
  for (size_t i = from; i < text.size();) {
    const void* found = std::memchr(text.data() + i, '"', text.size() - i);
    const size_t stop =
        found ? static_cast<size_t>(static_cast<const char*>(found) - text.data()) : text.size();
    if (!quoted) {
      for (size_t j = stop; j > i; --j) {
        if (text[j - 1] == '\n') {
          end = j;
          break;
        }
      }
    }
    if (!found) break;
    quoted = !quoted;
    i = stop + 1;
  }
  return end;
}

// How read_unit names a grid unit's rows until true_lines() finds their lines: the file, marked
// with the unit's first byte.
constexpr char kMark = '\x1f';
std::string marked_source(const fs::path& file, uint64_t offset) {
  std::string source = file.string();
  source.push_back(kMark);
  source.append(std::to_string(offset));
  source.push_back(kMark);
  return source;
}

// Line breaks in the first `bytes` bytes of `file`.
size_t lines_before(const fs::path& file, uint64_t bytes) {
  std::ifstream in(file, std::ios::binary);
  std::string block(size_t{1} << 20, '\0');
  size_t lines = 0;
  while (bytes > 0 && in) {
    in.read(block.data(), static_cast<std::streamsize>(std::min<uint64_t>(bytes, block.size())));
    const auto got = static_cast<size_t>(in.gcount());
    if (got == 0) break;
    lines += static_cast<size_t>(std::count(block.begin(), block.begin() + got, '\n'));
    bytes -= got;
  }
  return lines;
}

}  // namespace

CsvStream::CsvStream(const std::string& spec, CsvStreamOptions options)
    : name_(spec), options_(std::move(options)), files_(list_files(spec)) {
  PLEXUS_CHECK(options_.chunk_bytes > 0, "CsvStream: chunk_bytes must be positive");
  for (const fs::path& file : files_) file_bytes_ += fs::file_size(file);
  // The first records of the first file tell the format, as read_csv would see it.
  constexpr size_t kSample = size_t{64} << 10;  // as read_csv samples its delimiter
  std::string start(kSample, '\0');
  FileReader reader(files_.front());
  start.resize(reader.read(start.data(), kSample));
  if (start.size() == kSample) {
    bool quoted = false;
    const size_t end = last_record_end(start, 0, quoted);
    if (end > 0) start.resize(end);
  }
  const internal::CsvFormat format =
      internal::detect_csv_format(std::move(start), files_.front().string(), options_.csv);
  columns_ = format.columns;
  delimiter_ = format.delimiter;
  header_ = format.header;
}

bool CsvStream::compressed(size_t file) const { return is_gzip(files_.at(file)); }

void CsvStream::cut_file(size_t file,
                         const std::function<void(std::string, CsvChunk)>& on_text) const {
  FileReader reader(files_[file]);
  const size_t step = options_.chunk_bytes;
  std::string pending;
  CsvChunk next{.file = file};
  size_t scanned = 0, record_end = 0;
  bool quoted = false, at_end = false;
  while (!at_end || !pending.empty()) {
    if (!at_end) {
      const size_t had = pending.size();
      pending.resize(had + step);
      const size_t got = reader.read(pending.data() + had, step);
      pending.resize(had + got);
      at_end = got < step;
      const size_t found = last_record_end(pending, scanned, quoted);
      if (found > 0) record_end = found;
      scanned = pending.size();
    }
    const size_t cut = at_end ? pending.size() : record_end;
    if (cut == 0) continue;  // one record longer than a chunk: read on
    // The chunk takes the buffer; only the partial record after the cut is copied.
    std::string text = std::move(pending);
    pending.assign(text, cut);
    text.resize(cut);
    scanned -= cut;
    record_end = 0;
    CsvChunk chunk = next;
    chunk.end = chunk.begin + cut;
    next.begin = chunk.end;
    next.first_line = chunk.first_line + internal::count_newlines(text);
    on_text(std::move(text), chunk);
  }
}

Table CsvStream::parse(std::string text, const CsvChunk& chunk) const {
  return internal::parse_csv_records(std::move(text), 0, files_[chunk.file].string(),
                                     chunk.first_line, {delimiter_, header_, columns_},
                                     chunk.begin == 0);
}

void CsvStream::scan(const std::function<void(const Table&, const CsvChunk&)>& on_chunk) {
  chunks_.clear();
  chunks_of_file_.assign(files_.size(), {});
  uint64_t rows = 0;
  for (size_t file = 0; file < files_.size(); ++file) {
    cut_file(file, [&](std::string text, CsvChunk chunk) {
      const Table table = parse(std::move(text), chunk);
      chunk.first_row = rows;
      chunk.rows = table.rows();
      rows += table.rows();
      chunks_of_file_[file].push_back(chunks_.size());
      chunks_.push_back(chunk);
      on_chunk(table, chunk);
    });
  }
}

Table CsvStream::read(const CsvChunk& chunk) const {
  PLEXUS_ASSERT(!compressed(chunk.file));
  const std::string source = files_[chunk.file].string();
  std::ifstream in(files_[chunk.file], std::ios::binary);
  PLEXUS_CHECK(in.is_open(), source, ": cannot open (", std::strerror(errno), ")");
  std::string text(chunk.end - chunk.begin, '\0');
  in.seekg(static_cast<std::streamoff>(chunk.begin));
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  PLEXUS_CHECK(in.gcount() == static_cast<std::streamsize>(text.size()), source,
               ": shorter than when it was first read (the file changed during training?)");
  Table table = parse(std::move(text), chunk);
  PLEXUS_CHECK(table.rows() == chunk.rows, source, ":", chunk.first_line,
               ": the rows changed since the file was first read");
  return table;
}

void CsvStream::read_file(
    size_t file, const std::function<void(const Table&, const CsvChunk&)>& on_chunk) const {
  const std::vector<size_t>& known = chunks_of_file_.at(file);
  size_t index = 0;
  cut_file(file, [&](std::string text, const CsvChunk& cut) {
    PLEXUS_CHECK(index < known.size() && chunks_[known[index]].end == cut.end,
                 files_[file].string(), ": changed since it was first read");
    const CsvChunk& chunk = chunks_[known[index++]];
    on_chunk(parse(std::move(text), chunk), chunk);
  });
}

std::vector<StreamUnit> CsvStream::units() const {
  std::vector<StreamUnit> units;
  const uint64_t grid = options_.chunk_bytes;
  for (size_t file = 0; file < files_.size(); ++file) {
    const uint64_t size = fs::file_size(files_[file]);
    if (compressed(file)) {
      units.push_back({.file = file, .begin = 0, .end = size, .whole_file = true});
      continue;
    }
    for (uint64_t begin = 0; begin < size; begin += grid)
      units.push_back({.file = file, .begin = begin, .end = std::min(begin + grid, size)});
  }
  return units;
}

uint64_t CsvStream::read_unit(const StreamUnit& unit,
                              const std::function<void(const Table&, uint64_t)>& on_rows) const {
  if (!unit.whole_file) return read_grid_unit(unit, on_rows);
  uint64_t rows = 0;
  cut_file(unit.file, [&](std::string text, const CsvChunk& chunk) {
    const Table table = parse(std::move(text), chunk);
    on_rows(table, rows);
    rows += table.rows();
  });
  return fs::file_size(files_[unit.file]);
}

// From the byte before the unit: its records start after the first line break there, and the
// last runs to the first line break outside quotes at or past the unit's last byte.
uint64_t CsvStream::read_grid_unit(
    const StreamUnit& unit, const std::function<void(const Table&, uint64_t)>& on_rows) const {
  const fs::path& path = files_[unit.file];
  std::ifstream in(path, std::ios::binary);
  PLEXUS_CHECK(in.is_open(), path.string(), ": cannot open (", std::strerror(errno), ")");
  const uint64_t from = unit.begin == 0 ? 0 : unit.begin - 1;
  in.seekg(static_cast<std::streamoff>(from));
  std::string text;
  bool at_end = false;
  const auto read_more = [&](size_t bytes) {
    const size_t had = text.size();
    text.resize(had + bytes);
    in.read(text.data() + had, static_cast<std::streamsize>(bytes));
    PLEXUS_CHECK(!in.bad(), path.string(), ": read error");
    text.resize(had + static_cast<size_t>(in.gcount()));
    at_end = text.size() < had + bytes;
  };
  // Past the unit, a record's end is usually near: read on in small steps that double.
  size_t step = 128;
  const auto read_on = [&] {
    read_more(step);
    step = std::min<size_t>(step * 2, size_t{1} << 20);
  };
  read_more(static_cast<size_t>(unit.end - from));
  size_t start = 0;
  if (unit.begin > 0) {
    size_t newline = text.find('\n');
    while (newline == std::string::npos && !at_end) {
      const size_t looked = text.size();
      read_on();
      newline = text.find('\n', looked);
    }
    if (newline == std::string::npos || from + newline + 1 >= unit.end) return text.size();
    start = newline + 1;
  }
  // The first line break outside quotes at or past `last` ends the unit; one inside quotes is
  // refused: the grid may have cut that field.
  const size_t last = static_cast<size_t>(unit.end - 1 - from);
  bool quoted = false;
  size_t end = std::string::npos;
  for (size_t i = start; end == std::string::npos;) {
    if (i >= text.size()) {
      if (at_end) {
        end = text.size();
        break;
      }
      read_on();
      continue;
    }
    const void* quote = std::memchr(text.data() + i, '"', text.size() - i);
    const size_t stop =
        quote ? static_cast<size_t>(static_cast<const char*>(quote) - text.data()) : text.size();
    if (quoted) {
      const size_t newline = text.find('\n', i);
      if (newline < stop) {
        const auto line = 1 + std::count(text.begin() + static_cast<std::ptrdiff_t>(start),
                                         text.begin() + static_cast<std::ptrdiff_t>(i), '\n');
        detail::throw_error(marked_source(path, from + start), ":", line,
                            ": a quoted field holds a line break, and a streamed file is cut "
                            "at line breaks; hint: remove the line breaks inside quotes, or "
                            "pass --no-stream");
      }
    } else if (stop > last) {
      const size_t newline = text.find('\n', std::max(i, last));
      if (newline < stop) end = newline + 1;
    }
    if (end != std::string::npos || !quote) {
      i = stop;
      continue;
    }
    quoted = !quoted;
    i = stop + 1;
  }
  const uint64_t bytes = text.size();
  text.resize(end);
  const Table table =
      internal::parse_csv_records(std::move(text), start, marked_source(path, from + start), 1,
                                  {delimiter_, header_, columns_}, from + start == 0);
  on_rows(table, 0);
  return bytes;
}

std::string CsvStream::true_lines(std::string message) const {
  for (const fs::path& file : files_) {
    std::string mark = file.string();
    mark.push_back(kMark);
    for (size_t at = message.find(mark); at != std::string::npos; at = message.find(mark, at)) {
      const size_t digits = at + mark.size();
      const size_t close = message.find(kMark, digits);
      if (close == std::string::npos) break;
      const uint64_t offset = std::stoull(message.substr(digits, close - digits));
      size_t past = close + 1, line = 0;
      if (past < message.size() && message[past] == ':') {
        size_t d = past + 1;
        while (d < message.size() && message[d] >= '0' && message[d] <= '9')
          line = line * 10 + static_cast<size_t>(message[d++] - '0');
        if (d > past + 1) {
          line += lines_before(file, offset);
          past = d;
        }
      }
      std::string place = file.string();
      if (line > 0) place.append(":").append(std::to_string(line));
      message.replace(at, past - at, place);
      at += place.size();
    }
  }
  return message;
}

}  // namespace plexus::data
