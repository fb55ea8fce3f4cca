// Preprocessing::transform: a table's text cells to the model's input floats. Rows are converted
// a block at a time: first each row's cells together (a row's cells lie together in the table's
// text), numbers read into a buffer per column as divisions still to do; then each numeric
// column's block is divided and scaled at once, two values an instruction with SSE2. IEEE division
// and square root round the same one lane or two at a time, so the floats are those of the
// one-cell path, bit for bit. A cell that cannot be used stops that pass, and a second pass by
// columns throws the error that the column order meets first: the message does not depend on the
// order of the work.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <sstream>
#include <unordered_map>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define PLEXUS_AVX2_DISPATCH 1  // four lanes where the CPU has AVX2, checked at run time
#endif

#include "data/cells.hpp"
#include "data/tabular_detail.hpp"
#include "plexus/data/tabular.hpp"

namespace plexus::data {

namespace {

using internal::CellKind;

// NOTE: z is clamped to +-1e6 first, where the clip is 3 to float precision, so that (z / 3)^2
// stays finite in float too: the exporters compute the same function.
double smooth_clip(double z) {
  z = std::clamp(z, -1e6, 1e6);
  return z / std::sqrt(1 + (z / 3) * (z / 3));
}

// The cells of a block of rows, as a column of a block is scaled at once.
constexpr size_t kBlockRows = 64;

// A numeric column's values of a block robust-scaled: out[i * stride] = smooth_clip((value -
// median) / scale) for the block's i-th value.
struct RobustBlock {
  const internal::Quotient* values;
  size_t count;
  double median, scale;
  float* out;
  size_t stride;

  void operator()() const {
    size_t i = 0;
#if defined(PLEXUS_AVX2_DISPATCH)
    static const bool avx2 = __builtin_cpu_supports("avx2");
    if (avx2) i = by_fours();
#endif
    i = by_twos(i);
    for (; i < count; ++i) {
      const double value = values[i].numerator / values[i].denominator;
      out[i * stride] = static_cast<float>(smooth_clip((value - median) / scale));
    }
  }

  // Two values at a time from the i-th; returns where it stopped.
  size_t by_twos(size_t i) const {
#if defined(__SSE2__)
    static_assert(sizeof(internal::Quotient) == 2 * sizeof(double));
    const __m128d medians = _mm_set1_pd(median), scales = _mm_set1_pd(scale);
    const __m128d lowest = _mm_set1_pd(-1e6), highest = _mm_set1_pd(1e6);
    const __m128d ones = _mm_set1_pd(1), threes = _mm_set1_pd(3);
    for (; i + 2 <= count; i += 2) {
      const __m128d first = _mm_loadu_pd(&values[i].numerator);
      const __m128d second = _mm_loadu_pd(&values[i + 1].numerator);
      const __m128d value =
          _mm_div_pd(_mm_unpacklo_pd(first, second), _mm_unpackhi_pd(first, second));
      __m128d z = _mm_div_pd(_mm_sub_pd(value, medians), scales);
      // std::clamp's comparisons in its order (a NaN would pass through as it does there).
      z = _mm_min_pd(highest, _mm_max_pd(lowest, z));
      const __m128d third = _mm_div_pd(z, threes);
      const __m128d clipped =
          _mm_div_pd(z, _mm_sqrt_pd(_mm_add_pd(ones, _mm_mul_pd(third, third))));
      const __m128 floats = _mm_cvtpd_ps(clipped);
      _mm_store_ss(out + i * stride, floats);
      _mm_store_ss(out + (i + 1) * stride, _mm_shuffle_ps(floats, floats, 1));
    }
#endif
    return i;
  }

#if defined(PLEXUS_AVX2_DISPATCH)
  // Four values at a time from the first; returns where it stopped.
  __attribute__((target("avx2"))) size_t by_fours() const {
    const __m256d medians = _mm256_set1_pd(median), scales = _mm256_set1_pd(scale);
    const __m256d lowest = _mm256_set1_pd(-1e6), highest = _mm256_set1_pd(1e6);
    const __m256d ones = _mm256_set1_pd(1), threes = _mm256_set1_pd(3);
    size_t i = 0;
    for (; i + 4 <= count; i += 4) {
      // Lanes hold values i, i + 2, i + 1, i + 3.
      const __m256d first = _mm256_loadu_pd(&values[i].numerator);
      const __m256d second = _mm256_loadu_pd(&values[i + 2].numerator);
      const __m256d value =
          _mm256_div_pd(_mm256_unpacklo_pd(first, second), _mm256_unpackhi_pd(first, second));
      __m256d z = _mm256_div_pd(_mm256_sub_pd(value, medians), scales);
      z = _mm256_min_pd(highest, _mm256_max_pd(lowest, z));
      const __m256d third = _mm256_div_pd(z, threes);
      const __m256d clipped =
          _mm256_div_pd(z, _mm256_sqrt_pd(_mm256_add_pd(ones, _mm256_mul_pd(third, third))));
      const __m128 floats = _mm256_cvtpd_ps(clipped);
      _mm_store_ss(out + i * stride, floats);
      _mm_store_ss(out + (i + 2) * stride, _mm_shuffle_ps(floats, floats, 1));
      _mm_store_ss(out + (i + 1) * stride, _mm_shuffle_ps(floats, floats, 2));
      _mm_store_ss(out + (i + 3) * stride, _mm_shuffle_ps(floats, floats, 3));
    }
    return i;
  }
#endif
};

// Why a cell cannot be transformed.
enum class Problem { none, missing, not_a_number, not_finite, too_far };

// One used column: where it is in the table and in the output, and what its cells need.
struct ColumnStep {
  const ColumnInfo* info;
  size_t col;                                           // in the table
  size_t offset;                                        // its first output
  std::optional<double> fill;                           // numeric
  std::unordered_map<std::string_view, size_t> lookup;  // categorical: category -> output
  // Cells read leniently, for a warning: words in a numeric column (read as missing), unseen
  // categories in a categorical one (encoded as none).
  size_t stray = 0;
  size_t first_stray = 0;  // the first one's index in `rows`
  size_t block = 0;  // numeric: where its values of a block of rows start in Transform::block_
};

class Transform {
 public:
  Transform(const std::vector<ColumnInfo>& columns, Scaling scaling, const Table& table,
            std::span<const size_t> rows, size_t width)
      : scaling_(scaling),
        table_(table),
        text_end_(table.text().data() + table.text().size()),
        rows_(rows),
        width_(width) {
    size_t offset = 0;
    for (const ColumnInfo& column : columns) {
      if (column.kind == ColumnKind::ignored) continue;
      // Every column is looked up before any cell is read, so a missing one fails fast.
      ColumnStep step{&column, internal::find_column(table, column.name, "feature"), offset, {}};
      if (column.kind == ColumnKind::numeric && column.fill)
        step.fill = internal::parse_cell(*column.fill).value;
      for (size_t k = 0; k < column.categories.size(); ++k)
        step.lookup.emplace(column.categories[k], k);
      if (column.kind == ColumnKind::numeric) {
        step.block = block_.size();
        block_.resize(block_.size() + kBlockRows);
      }
      steps_.push_back(std::move(step));
      offset += column.outputs();
    }
  }

  // Blocks of rows into x (zeros), row by row and then by numeric columns; false at the first
  // cell that cannot be used.
  bool by_rows(float* x) {
    for (size_t first = 0; first < rows_.size(); first += kBlockRows) {
      const size_t count = std::min(kBlockRows, rows_.size() - first);
      for (size_t i = first; i < first + count; ++i) {
        for (ColumnStep& step : steps_) {
          const std::string_view text = table_.cell(rows_[i], step.col);
          float* const out = x + i * width_ + step.offset;
          const Problem problem =
              step.info->kind == ColumnKind::numeric
                  ? read_number(step, i, text, block_[step.block + i - first], out)
                  : categorical(step, i, text, out);
          if (problem != Problem::none) return false;
        }
      }
      for (const ColumnStep& step : steps_)
        if (step.info->kind == ColumnKind::numeric &&
            !scale_block(step, count, x + first * width_ + step.offset))
          return false;
    }
    return true;
  }

  // Column by column into x (zeros), throwing for the first cell that cannot be used; a column's
  // warning is added when the column is done.
  void by_columns(float* x, std::vector<std::string>* warnings) {
    for (ColumnStep& step : steps_) {
      step.stray = 0;
      for (size_t i = 0; i < rows_.size(); ++i)
        if (const Problem problem = convert(step, i, x + i * width_ + step.offset);
            problem != Problem::none)
          throw_problem(problem, step, rows_[i]);
      warn(step, warnings);
    }
  }

  void warn(std::vector<std::string>* warnings) const {
    for (const ColumnStep& step : steps_) warn(step, warnings);
  }

 private:
  Problem convert(ColumnStep& step, size_t i, float* out) {
    const std::string_view text = table_.cell(rows_[i], step.col);
    return step.info->kind == ColumnKind::numeric ? numeric(step, i, text, out)
                                                  : categorical(step, i, text, out);
  }

  Problem numeric(ColumnStep& step, size_t i, std::string_view text, float* out) {
    const Problem problem = read_number(step, i, text, block_[step.block], out);
    if (problem != Problem::none) return problem;
    return scale_block(step, 1, out) ? Problem::none : Problem::too_far;
  }

  // A numeric cell's value (a fill for a missing one) into `value`, its missing indicator into
  // out[1]. A word where the training rows had numbers reads as missing where there is a fill
  // (counted, for a warning), as a data frame library would read it; without one, an error.
  Problem read_number(ColumnStep& step, size_t i, std::string_view text, internal::Quotient& value,
                      float* out) const {
    const ColumnInfo& column = *step.info;
    // A plain decimal needs none of parse_cell's other steps (a blank or a marker is not one):
    // the same value, with less work for the common cell.
    if (internal::parse_plain_decimal(text, text_end_, value)) {
      if (column.missing_indicator) out[1] = 0.0f;
      return Problem::none;
    }
    const internal::Cell cell = internal::parse_cell(text);
    value = {cell.value, 1};
    if (cell.kind == CellKind::text) {
      if (!step.fill) return Problem::not_a_number;
      if (step.stray++ == 0) step.first_stray = i;
    }
    const bool filled = cell.kind == CellKind::missing || cell.kind == CellKind::text;
    if (filled) {
      if (!step.fill) return Problem::missing;
      value = {*step.fill, 1};
    } else if (cell.kind == CellKind::non_finite) {
      return Problem::not_finite;
    }
    if (column.missing_indicator) out[1] = filled ? 1.0f : 0.0f;
    return Problem::none;
  }

  // The `count` values of a numeric column's block scaled into out[0], out[width_], ...; false
  // where one leaves float's range (standardised far from the training values: an error, not
  // infinity).
  bool scale_block(const ColumnStep& step, size_t count, float* out) const {
    const ColumnInfo& column = *step.info;
    const internal::Quotient* values = &block_[step.block];
    if (scaling_ == Scaling::robust) {
      RobustBlock{values, count, column.median, column.scale, out, width_}();
      return true;
    }
    for (size_t i = 0; i < count; ++i) {
      const double standard =
          (values[i].numerator / values[i].denominator - column.mean) / column.std;
      if (!(std::fabs(standard) <= std::numeric_limits<float>::max())) return false;
      out[i * width_] = static_cast<float>(standard);
    }
    return true;
  }

  // One-hot: a 1 at the category's output (none for an unseen one). Embedded: the category's
  // index, the missing category's (K) or the unseen one's (K + 1 with a missing category, else K).
  Problem categorical(ColumnStep& step, size_t i, std::string_view cell, float* out) const {
    const ColumnInfo& column = *step.info;
    const size_t missing = column.categories.size();
    const size_t unseen = missing + column.missing_category;
    if (internal::is_missing(cell)) {
      if (column.missing_category) {
        out[column.embedded ? 0 : missing] = column.embedded ? static_cast<float>(missing) : 1.0f;
        return Problem::none;
      }
      if (!column.fill) return Problem::missing;
      cell = *column.fill;
    }
    const auto it = step.lookup.find(cell);
    if (it == step.lookup.end()) {
      if (step.stray++ == 0) step.first_stray = i;
      if (column.embedded) out[0] = static_cast<float>(unseen);
      return Problem::none;
    }
    if (column.embedded)
      out[0] = static_cast<float>(it->second);
    else
      out[it->second] = 1.0f;
    return Problem::none;
  }

  [[noreturn]] void throw_problem(Problem problem, const ColumnStep& step, size_t row) const {
    const size_t col = step.col;
    switch (problem) {
      case Problem::missing:
        throw internal::missing_cell_error(table_, row, col);
      case Problem::not_a_number:
        throw internal::not_a_number_error(table_, row, col);
      case Problem::not_finite:
        throw internal::not_finite_error(table_, row, col);
      case Problem::too_far:
      case Problem::none:
        break;
    }
    internal::cell_error(table_, row, col, ": '", table_.cell(row, col),
                         "' is too far from the training values (mean ", step.info->mean, ", std ",
                         step.info->std, ") to standardise as a float32");
  }

  void warn(const ColumnStep& step, std::vector<std::string>* warnings) const {
    if (step.stray == 0 || !warnings) return;
    const size_t row = rows_[step.first_stray];
    const bool one = step.stray == 1;
    std::ostringstream text;
    text << internal::where(table_, row, step.col) << ": ";
    if (step.info->kind == ColumnKind::numeric) {
      text << "'" << table_.cell(row, step.col) << "' is not a number; " << step.stray
           << (one ? " cell of this numeric column that is not a number reads"
                   : " cells of this numeric column that are not numbers read")
           << " as missing (filled with " << *step.info->fill << ")";
    } else {
      text << "category '" << table_.cell(row, step.col) << "' was not in the training data; "
           << step.stray
           << (one ? " cell of this column with an unseen category is encoded as "
                   : " cells of this column with unseen categories are encoded as ")
           << (step.info->embedded ? "the unseen category (an embedding of zeros)" : "all zeros");
    }
    warnings->push_back(text.str());
  }

  Scaling scaling_;
  const Table& table_;
  const char* text_end_;
  std::span<const size_t> rows_;
  size_t width_;
  std::vector<ColumnStep> steps_;
  std::vector<internal::Quotient> block_;  // each numeric column's values of a block of rows
};

}  // namespace

Tensor Preprocessing::transform(const Table& table, std::span<const size_t> rows,
                                std::vector<std::string>* warnings) const {
  internal::check_rows(table, rows);
  const size_t width = output_features();
  Transform transform(columns_, scaling_, table, rows, width);
  const auto zeros = [&] {
    return Tensor::zeros({static_cast<int64_t>(rows.size()), static_cast<int64_t>(width)});
  };
  Tensor out = zeros();
  if (transform.by_rows(out.data())) {
    transform.warn(warnings);
    return out;
  }
  out = zeros();
  transform.by_columns(out.data(), warnings);
  return out;  // not reached: by_rows stopped at a cell that by_columns throws for
}

}  // namespace plexus::data
