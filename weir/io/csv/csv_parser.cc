#include "weir/io/csv/csv_parser.h"

#include <fcntl.h>
#include <immintrin.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>

#include "absl/strings/cord.h"
#include "fast_float/fast_float.h"
#include "weir/base/bytes.h"
#include "weir/base/status.h"
#include "weir/base/strings.h"
#include "weir/base/utf8.h"

namespace weir::io {
namespace fs = std::filesystem;
using data::DataType;

namespace {

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Python's int() and float() ignore surrounding whitespace; so does TFX's type inference.
std::string_view TrimAsciiSpace(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool ParseInt64Slow(std::string_view text, int64_t* value) {
  text = TrimAsciiSpace(text);
  if (text.empty()) return false;
  bool negative = false;
  if (text.front() == '+' || text.front() == '-') {
    negative = text.front() == '-';
    text.remove_prefix(1);
    if (text.empty()) return false;
  }
  uint64_t magnitude = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (magnitude > (std::numeric_limits<uint64_t>::max() - digit) / 10) return false;
    magnitude = magnitude * 10 + digit;
  }
  constexpr uint64_t kMaxPositive = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (negative) {
    if (magnitude > kMaxPositive + 1) return false;
    *value = static_cast<int64_t>(0 - magnitude);
  } else {
    if (magnitude > kMaxPositive) return false;
    *value = static_cast<int64_t>(magnitude);
  }
  return true;
}

// ParseCsvInt64, inlined into the record loop (it runs for every int64 cell).
[[gnu::always_inline]] inline bool ParseInt64Cell(std::string_view text, int64_t* value) {
  // Nearly every cell is an unpadded [-]digits of at most 18 digits, which cannot overflow: parse
  // it without the per-digit checks, and leave everything else to the general parser.
  const size_t size = text.size();
  if (size == 0 || size > 18) return ParseInt64Slow(text, value);
  const bool negative = text[0] == '-';
  size_t i = negative ? 1 : 0;
  if (i == size) return false;
  uint64_t magnitude = 0;
  for (; i < size; ++i) {
    const unsigned digit = static_cast<unsigned char>(text[i]) - unsigned{'0'};
    if (digit > 9) return ParseInt64Slow(text, value);
    magnitude = magnitude * 10 + digit;
  }
  *value = negative ? -static_cast<int64_t>(magnitude) : static_cast<int64_t>(magnitude);
  return true;
}

bool ParseDoubleSlow(std::string_view text, double* value) {
  text = TrimAsciiSpace(text);
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
    if (!text.empty() && (text.front() == '+' || text.front() == '-')) return false;
  }
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto result = fast_float::from_chars(text.data(), end, *value);
  return result.ec == std::errc() && result.ptr == end;
}

// Clinger's fast path applies to the usual plain decimal ([-]digits[.digits]) when its digits,
// read as an integer, are at most 2^53 and there are at most 22 after the point: both the
// integer and the power of ten are exact doubles, so one correctly rounded division gives the
// correctly rounded result, the same bits as the general parser.
constexpr double kPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
constexpr double kInversePowersOfTen[] = {1e0,   1e-1,  1e-2,  1e-3,  1e-4,  1e-5,  1e-6,  1e-7,
                                          1e-8,  1e-9,  1e-10, 1e-11, 1e-12, 1e-13, 1e-14, 1e-15,
                                          1e-16, 1e-17, 1e-18, 1e-19, 1e-20, 1e-21, 1e-22};

struct PlainDecimal {
  uint64_t digits = 0;         // All digits as one integer, at most 2^53.
  size_t fraction_digits = 0;  // How many of them follow the point, at most 22.
  bool negative = false;
};

// `text` as a plain decimal within the fast path's bounds, or nullopt. Inlined into both parsers,
// which call it for every number cell.
[[gnu::always_inline]] inline std::optional<PlainDecimal> ReadPlainDecimal(std::string_view text) {
  constexpr size_t kMaxDigits = 19;  // Any 19 digits fit in uint64_t.
  constexpr uint64_t kMaxExactInteger = uint64_t{1} << 53;
  const char* p = text.data();
  const char* const end = p + text.size();
  if (p == end) return std::nullopt;
  PlainDecimal decimal;
  decimal.negative = *p == '-';
  if (decimal.negative) ++p;
  const char* const int_start = p;
  uint64_t mantissa = 0;
  while (p < end && static_cast<unsigned>(*p - '0') <= 9) mantissa = mantissa * 10 + (*p++ - '0');
  size_t digits = static_cast<size_t>(p - int_start);
  if (digits > 0 && p < end && *p == '.') {
    const char* const fraction_start = ++p;
    while (p < end && static_cast<unsigned>(*p - '0') <= 9) {
      mantissa = mantissa * 10 + (*p++ - '0');
    }
    decimal.fraction_digits = static_cast<size_t>(p - fraction_start);
    if (decimal.fraction_digits == 0) return std::nullopt;
    digits += decimal.fraction_digits;
  }
  if (p != end || digits == 0 || digits > kMaxDigits || mantissa > kMaxExactInteger) {
    return std::nullopt;
  }
  decimal.digits = mantissa;
  return decimal;
}

double ExactValue(const PlainDecimal& decimal) {
  double result = static_cast<double>(decimal.digits);
  if (decimal.fraction_digits > 0) result /= kPowersOfTen[decimal.fraction_digits];
  return decimal.negative ? -result : result;
}

}  // namespace

bool ParseCsvInt64(std::string_view text, int64_t* value) { return ParseInt64Cell(text, value); }

bool ParseCsvDouble(std::string_view text, double* value) {
  const std::optional<PlainDecimal> decimal = ReadPlainDecimal(text);
  if (!decimal) return ParseDoubleSlow(text, value);
  *value = ExactValue(*decimal);
  return true;
}

namespace {

// ParseCsvFloat, inlined into the record loop (it runs for every float cell).
[[gnu::always_inline]] inline bool ParseFloatCell(std::string_view text, float* value) {
  const std::optional<PlainDecimal> decimal = ReadPlainDecimal(text);
  if (!decimal) {
    double exact;
    if (!ParseDoubleSlow(text, &exact)) return false;
    *value = static_cast<float>(exact);
    return true;
  }
  // Multiplying by the (rounded) reciprocal instead of dividing: a division's latency was a
  // tenth of parsing a CSV. The product is within 3 units in the last place of the correctly
  // rounded double, so it rounds to the same float unless it lies that close to a midpoint
  // between two floats (the low 29 of the double's 52 fraction bits are 2^28 there). Then the
  // division decides.
  const double product =
      static_cast<double>(decimal->digits) * kInversePowersOfTen[decimal->fraction_digits];
  const uint64_t low_bits = std::bit_cast<uint64_t>(product) & ((uint64_t{1} << 29) - 1);
  constexpr uint64_t kMidpoint = uint64_t{1} << 28;
  constexpr uint64_t kMargin = 8;
  if (low_bits - (kMidpoint - kMargin) <= 2 * kMargin) {
    *value = static_cast<float>(ExactValue(*decimal));
    return true;
  }
  const float rounded = static_cast<float>(product);
  *value = decimal->negative ? -rounded : rounded;
  return true;
}

}  // namespace

bool ParseCsvFloat(std::string_view text, float* value) { return ParseFloatCell(text, value); }

namespace {

absl::Status QuotingError(const std::string& file, uint64_t line, std::string_view what) {
  return absl::InvalidArgumentError(weir::StrCat(file, ":", line, ": ", what));
}

// Bit i of the result is set when p[i] (i < 64) is the delimiter, a newline or a quote.
using StructuralMaskFn = uint64_t (*)(const char* p, char delimiter);

uint64_t StructuralMaskScalar(const char* p, char delimiter) {
  uint64_t mask = 0;
  for (int i = 0; i < 64; ++i) {
    const char c = p[i];
    mask |= static_cast<uint64_t>(c == delimiter || c == '\n' || c == '"') << i;
  }
  return mask;
}

__attribute__((target("avx2"))) uint64_t StructuralMask32Avx2(const char* p, __m256i delimiters) {
  const __m256i bytes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i hits =
      _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(bytes, delimiters),
                                      _mm256_cmpeq_epi8(bytes, _mm256_set1_epi8('\n'))),
                      _mm256_cmpeq_epi8(bytes, _mm256_set1_epi8('"')));
  return static_cast<uint32_t>(_mm256_movemask_epi8(hits));
}

__attribute__((target("avx2"))) uint64_t StructuralMaskAvx2(const char* p, char delimiter) {
  const __m256i delimiters = _mm256_set1_epi8(delimiter);
  return StructuralMask32Avx2(p, delimiters) | (StructuralMask32Avx2(p + 32, delimiters) << 32);
}

StructuralMaskFn ChooseStructuralMask() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") ? StructuralMaskAvx2 : StructuralMaskScalar;
}

const StructuralMaskFn kStructuralMask = ChooseStructuralMask();

// Walks the delimiters, newlines and quotes of the data in order, from a 64-byte mask at a time:
// fields are short (a few bytes in typical data), so testing them byte by byte costs a branch per
// byte. Taking the lowest set bit keeps one field's end from waiting on the previous one's.
class StructuralCursor {
 public:
  StructuralCursor(const char* begin, const char* end, char delimiter)
      : end_(end), delimiter_(delimiter) {
    Seek(begin);
  }

  // Next() continues from p. Bytes before p may change (quoted fields are unescaped in place);
  // later bytes must not.
  void Seek(const char* p) { Load(p); }

  // The next delimiter, newline or quote, or the end of the data.
  const char* Next() {
    while (bits_ == 0) {
      if (end_ - block_ <= 64) return end_;
      Load(block_ + 64);
    }
    const char* at = block_ + __builtin_ctzll(bits_);
    bits_ &= bits_ - 1;
    return at;
  }

 private:
  void Load(const char* p) {
    block_ = p;
    const ptrdiff_t left = end_ - p;
    if (left >= 64) {
      bits_ = kStructuralMask(p, delimiter_);
      return;
    }
    char padded[64] = {};
    std::memcpy(padded, p, static_cast<size_t>(left));
    bits_ = kStructuralMask(padded, delimiter_) & ((uint64_t{1} << left) - 1);
  }

  const char* const end_;
  const char delimiter_;
  const char* block_ = nullptr;
  uint64_t bits_ = 0;
};

// Splits `data` into records. For each record that is not a blank line: on_field(index, text)
// for each of its fields in order, then on_record(num_fields, line), whose error ends the walk.
// Quoted fields are unescaped in place, so the views point into `data`. Fields are handed over
// as they are found, so that a consumer converts a field while its bytes are in the cache.
template <typename OnField, typename OnRecord>
absl::Status ForEachRecord(std::string& data, char delimiter, const std::string& file,
                           uint64_t first_line, OnField on_field, OnRecord on_record) {
  char* p = data.data();
  char* const end = p + data.size();
  uint64_t line = first_line;
  StructuralCursor cursor(p, end, delimiter);
  while (p < end) {
    const uint64_t record_line = line;
    size_t field = 0;
    while (true) {  // One field per pass; p is where it starts.
      char* at = const_cast<char*>(cursor.Next());
      if (at < end && *at == '"') {
        if (at != p) {
          return QuotingError(file, line,
                              "quote inside an unquoted field; quote the whole field and write a "
                              "quote inside it as \"\"");
        }
        char* start = ++p;
        char* out = p;
        bool closed = false;
        while (p < end) {
          char* quote = static_cast<char*>(std::memchr(p, '"', static_cast<size_t>(end - p)));
          if (quote == nullptr) break;
          line += static_cast<uint64_t>(std::count(p, quote, '\n'));
          if (out != p) std::memmove(out, p, static_cast<size_t>(quote - p));
          out += quote - p;
          if (quote + 1 < end && quote[1] == '"') {  // A doubled quote stands for one quote.
            *out++ = '"';
            p = quote + 2;
            continue;
          }
          p = quote + 1;
          closed = true;
          break;
        }
        if (!closed) {
          return QuotingError(file, record_line,
                              "unterminated quoted field: a field that starts with \" must end "
                              "with \" (write a quote inside it as \"\")");
        }
        on_field(field++, std::string_view(start, static_cast<size_t>(out - start)));
        if (p == end) break;
        if (*p == delimiter) {
          cursor.Seek(++p);
          continue;
        }
        if (*p == '\n' || (*p == '\r' && (p + 1 == end || p[1] == '\n'))) {
          p += *p == '\n' ? 1 : (p + 1 == end ? 1 : 2);
          if (p[-1] == '\n') ++line;
          cursor.Seek(p);
          break;
        }
        return QuotingError(file, line,
                            "unexpected character after the closing quote of a field; quote the "
                            "whole field and write a quote inside it as \"\"");
      }
      if (at < end && *at == delimiter) {
        on_field(field++, std::string_view(p, static_cast<size_t>(at - p)));
        p = at + 1;
        continue;
      }
      // The record ends at a newline or at the end of the data; a CR before it is not data.
      char* field_end = at;
      if (field_end > p && field_end[-1] == '\r') --field_end;
      const bool blank_line = field == 0 && field_end == p;
      if (!blank_line) on_field(field++, std::string_view(p, static_cast<size_t>(field_end - p)));
      if (at < end) ++line;
      p = at < end ? at + 1 : end;
      break;
    }
    if (field > 0) RETURN_IF_ERROR(on_record(field, record_line));
  }
  return absl::OkStatus();
}

// Whether a record is well-formed, fed its fields one at a time: the header's number of fields,
// and with check_utf8 every field valid UTF-8.
class RecordShape {
 public:
  RecordShape(size_t num_columns, bool check_utf8)
      : num_columns_(num_columns), check_utf8_(check_utf8) {}

  void Field(size_t index, std::string_view text) {
    if (!check_utf8_ || bad_field_ != kNone) return;
    if (size_t bad = base::FindInvalidUtf8(text); bad != std::string_view::npos) {
      bad_field_ = index;
      bad_byte_ = bad;
    }
  }

  // An error message for a bad record, or "" for a good one; then ready for the next record.
  std::string Finish(size_t num_fields, const std::string& file, uint64_t line) {
    const size_t bad_field = std::exchange(bad_field_, kNone);
    if (num_fields != num_columns_) {
      return weir::StrCat(file, ":", line, ": expected ", num_columns_,
                          " fields (as in the header), found ", num_fields);
    }
    if (bad_field != kNone) {
      return weir::StrCat(file, ":", line, ": field ", bad_field + 1, " is not valid UTF-8 (byte ",
                          bad_byte_ + 1, " of the field); save the file as UTF-8");
    }
    return "";
  }

 private:
  static constexpr size_t kNone = ~size_t{0};
  const size_t num_columns_;
  const bool check_utf8_;
  size_t bad_field_ = kNone;
  size_t bad_byte_ = 0;
};

}  // namespace

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The common case without converting: an unpadded decimal number
// ([+-] digits [. digits] [e [+-] digits]). Returns kInt64 for at most 18 digits and no point or
// exponent (always within int64), kFloat for other such numbers (a subset of what ParseCsvDouble
// accepts), and kNull when the cell needs the exact check.
DataType ClassifyPlainNumber(std::string_view cell) {
  const char* p = cell.data();
  const char* const end = p + cell.size();
  if (*p == '+' || *p == '-') ++p;
  const char* int_start = p;
  while (p < end && IsDigit(*p)) ++p;
  size_t int_digits = static_cast<size_t>(p - int_start);
  if (p == end) return int_digits > 0 && int_digits <= 18 ? DataType::kInt64 : DataType::kNull;
  size_t fraction_digits = 0;
  if (*p == '.') {
    const char* fraction_start = ++p;
    while (p < end && IsDigit(*p)) ++p;
    fraction_digits = static_cast<size_t>(p - fraction_start);
  }
  if (int_digits + fraction_digits == 0) return DataType::kNull;
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p < end && (*p == '+' || *p == '-')) ++p;
    const char* exponent_start = p;
    while (p < end && IsDigit(*p)) ++p;
    if (p == exponent_start) return DataType::kNull;
  }
  return p == end ? DataType::kFloat : DataType::kNull;
}

constexpr char kTypeMismatchPayload[] = "weir.csv.TypeMismatch";

absl::Status TypeMismatch(const std::string& file, uint64_t line, std::string_view column,
                          DataType type, std::string_view cell) {
  absl::Status status = absl::FailedPreconditionError(
      weir::StrCat(file, ":", line, ": column '", column, "': '", cell,
                   "' does not fit the column's type (", data::DataTypeName(type), ")"));
  status.SetPayload(kTypeMismatchPayload, absl::Cord("1"));
  return status;
}

}  // namespace

bool IsTypeMismatch(const absl::Status& status) {
  return status.GetPayload(kTypeMismatchPayload).has_value();
}

DataType ClassifyCell(std::string_view cell) {
  if (cell.empty()) return DataType::kNull;
  if (DataType quick = ClassifyPlainNumber(cell); quick != DataType::kNull) return quick;
  int64_t int_value;
  if (ParseCsvInt64(cell, &int_value)) return DataType::kInt64;
  double double_value;
  if (ParseCsvDouble(cell, &double_value)) return DataType::kFloat;
  return DataType::kBytes;
}

void CsvBadRows::Add(std::string message) {
  ++count;
  if (messages.size() < kMaxMessages) messages.push_back(std::move(message));
}

void CsvBadRows::Merge(const CsvBadRows& other) {
  count += other.count;
  for (const std::string& message : other.messages) {
    if (messages.size() < kMaxMessages) messages.push_back(message);
  }
}

absl::StatusOr<std::unique_ptr<CsvChunker>> CsvChunker::Open(std::vector<fs::path> files,
                                                             const CsvOptions& options) {
  if (files.empty()) return absl::InvalidArgumentError("no CSV files to read");
  std::unique_ptr<CsvChunker> chunker(new CsvChunker(std::move(files), options));
  RETURN_IF_ERROR(chunker->OpenNextFile());
  return chunker;
}

CsvChunker::~CsvChunker() {
  if (fd_ >= 0) ::close(fd_);
}

absl::StatusOr<size_t> CsvChunker::ReadMore(size_t bytes) {
  size_t old_size = pending_.size();
  pending_.resize(old_size + bytes);
  size_t filled = 0;
  while (filled < bytes) {
    ssize_t n = ::read(fd_, pending_.data() + old_size + filled, bytes - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      pending_.resize(old_size);
      return absl::InternalError(
          weir::StrCat("cannot read ", *file_name_, ": ", std::strerror(errno)));
    }
    if (n == 0) {
      eof_ = true;
      break;
    }
    filled += static_cast<size_t>(n);
  }
  pending_.resize(old_size + filled);
  bytes_read_ += filled;
  return filled;
}

absl::Status CsvChunker::OpenNextFile() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  const fs::path& path = files_[next_file_++];
  file_name_ = std::make_shared<const std::string>(path.string());
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    std::string message = weir::StrCat("cannot open ", path.string(), ": ", std::strerror(errno));
    return errno == ENOENT ? absl::NotFoundError(message) : absl::InternalError(message);
  }
  ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  pending_.clear();
  eof_ = false;
  file_has_rows_ = false;
  // Read until the header record is complete: the first newline outside quotes.
  size_t header_end = std::string::npos;
  size_t scanned = 0;
  bool in_quotes = false;
  while (header_end == std::string::npos) {
    if (!eof_) RETURN_IF_ERROR(ReadMore(64 << 10).status());
    for (; scanned < pending_.size(); ++scanned) {
      char c = pending_[scanned];
      if (c == '"') in_quotes = !in_quotes;
      if (c == '\n' && !in_quotes) {
        header_end = scanned + 1;
        break;
      }
    }
    if (header_end == std::string::npos && eof_) header_end = pending_.size();
  }
  // A UTF-8 byte-order mark (spreadsheets write one) is not part of the first column's name, as
  // Python's utf-8-sig codec reads it.
  constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
  if (std::string_view(pending_).substr(0, header_end).starts_with(kByteOrderMark)) {
    pending_.erase(0, kByteOrderMark.size());
    header_end -= kByteOrderMark.size();
  }
  if (header_end == 0 || TrimAsciiSpace(std::string_view(pending_).substr(0, header_end)).empty()) {
    return absl::InvalidArgumentError(weir::StrCat(
        *file_name_, ":1: the file is empty; a CSV file needs a header row and data rows"));
  }
  std::string header_text = pending_.substr(0, header_end);
  pending_.erase(0, header_end);
  std::vector<std::string> names;
  RETURN_IF_ERROR(ForEachRecord(
      header_text, options_.delimiter, *file_name_, 1,
      [&](size_t, std::string_view name) { names.emplace_back(name); },
      [](size_t, uint64_t) { return absl::OkStatus(); }));
  pending_line_ =
      1 + static_cast<uint64_t>(std::count(header_text.begin(), header_text.end(), '\n'));
  if (header_.empty()) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i].empty()) {
        return absl::InvalidArgumentError(
            weir::StrCat(*file_name_, ":1: column ", i + 1, " of the header has no name"));
      }
      for (size_t j = 0; j < i; ++j) {
        if (names[j] == names[i]) {
          return absl::InvalidArgumentError(
              weir::StrCat(*file_name_, ":1: the header names column '", names[i],
                           "' twice (columns ", j + 1, " and ", i + 1, ")"));
        }
      }
    }
    header_ = std::move(names);
  } else if (names != header_) {
    return absl::InvalidArgumentError(
        weir::StrCat(*file_name_, ":1: the header differs from that of ", files_.front().string(),
                     "; every input file must have the same columns in the same order"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<CsvChunk>> CsvChunker::Next() {
  while (true) {
    size_t target = options_.chunk_bytes;
    while (!eof_ && pending_.size() < target) {
      RETURN_IF_ERROR(ReadMore(target - pending_.size()).status());
    }
    // Cut after the last newline that is outside quotes. pending_ starts at a record boundary,
    // so a newline is outside quotes when an even number of quotes precede it.
    size_t cut = std::string::npos;
    if (eof_) {
      cut = pending_.size();
    } else {
      size_t quotes = base::CountByte(pending_, '"');
      for (size_t i = pending_.size(); i-- > 0;) {
        char c = pending_[i];
        if (c == '"') {
          --quotes;
        } else if (c == '\n' && quotes % 2 == 0) {
          cut = i + 1;
          break;
        }
      }
      if (cut == std::string::npos) {
        // One record is longer than the chunk: read more before cutting.
        options_.chunk_bytes *= 2;
        continue;
      }
    }
    if (cut > 0 && TrimAsciiSpace(std::string_view(pending_).substr(0, cut)).size() > 0) {
      file_has_rows_ = true;
    }
    if (cut == 0 || (eof_ && TrimAsciiSpace(pending_).empty())) {
      if (!file_has_rows_) {
        return absl::InvalidArgumentError(weir::StrCat(*file_name_, ":", pending_line_,
                                                       ": the file has a header but no data rows"));
      }
      if (next_file_ == files_.size()) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
        return std::optional<CsvChunk>();
      }
      RETURN_IF_ERROR(OpenNextFile());
      continue;
    }
    CsvChunk chunk;
    chunk.file = file_name_;
    chunk.first_line = pending_line_;
    // The chunk takes the buffer; only the partial record after the cut is copied back.
    chunk.data = std::move(pending_);
    pending_.assign(chunk.data, cut, std::string::npos);
    chunk.data.resize(cut);
    pending_line_ += base::CountByte(chunk.data, '\n');
    return std::optional<CsvChunk>(std::move(chunk));
  }
}

namespace {

// ForEachRecord over a chunk's records of the right shape (RecordShape): a bad one is an error,
// or with skip_bad_rows is counted in `bad_rows` and passed over. on_field(index, text) sees the
// fields of every record, bad ones too (index 0 starts a record; the index may reach past the
// columns); on_record(line) follows for good records only.
template <typename OnField, typename OnRecord>
absl::Status ForEachGoodRecord(CsvChunk& chunk, size_t num_columns, const CsvOptions& options,
                               CsvBadRows* bad_rows, OnField on_field, OnRecord on_record) {
  RecordShape shape(num_columns, base::HasNonAscii(chunk.data));
  return ForEachRecord(
      chunk.data, options.delimiter, *chunk.file, chunk.first_line,
      [&](size_t index, std::string_view text) {
        shape.Field(index, text);
        on_field(index, text);
      },
      [&](size_t num_fields, uint64_t line) -> absl::Status {
        std::string bad = shape.Finish(num_fields, *chunk.file, line);
        if (bad.empty()) return on_record(line);
        if (!options.skip_bad_rows) return absl::InvalidArgumentError(bad);
        bad_rows->Add(std::move(bad));
        return absl::OkStatus();
      });
}

}  // namespace

absl::StatusOr<CsvChunkTypes> InferChunkTypes(CsvChunk chunk, size_t num_columns,
                                              const CsvOptions& options) {
  CsvChunkTypes result;
  result.types.assign(num_columns, DataType::kNull);
  std::vector<DataType> record_types(num_columns);  // Merged only if the record is good.
  RETURN_IF_ERROR(ForEachGoodRecord(
      chunk, num_columns, options, &result.bad_rows,
      [&](size_t c, std::string_view text) {
        if (c >= num_columns) return;
        record_types[c] =
            result.types[c] == DataType::kBytes ? DataType::kBytes : ClassifyCell(text);
      },
      [&](uint64_t) -> absl::Status {
        ++result.rows;
        for (size_t c = 0; c < num_columns; ++c) {
          result.types[c] = std::max(result.types[c], record_types[c]);
        }
        return absl::OkStatus();
      }));
  return result;
}

namespace {

// The loop under ParseTypedRecords and ParseChunk: a template, so that ParseChunk's consumer is
// inlined into it. Each cell is typed as soon as the splitter finds it, into a block of rows that
// stays in the L1 cache and is handed over when full.
template <typename OnRows>
absl::Status ForEachTypedRecord(CsvChunk& chunk, const CsvSchema& schema, const CsvOptions& options,
                                CsvBadRows* bad_rows, OnRows on_rows) {
  constexpr size_t kRowsPerBlock = 32;
  constexpr size_t kNone = ~size_t{0};
  const size_t num_columns = schema.names.size();
  std::vector<CsvCell> cells(num_columns * kRowsPerBlock);
  size_t rows = 0;
  CsvCell* row = cells.data();  // Where the record being split goes.
  // The record's first cell that does not fit its column: an error only if the record is
  // well-formed (a bad row is reported, or skipped, as such).
  size_t mismatch = kNone;
  std::string_view mismatch_text;
  auto flush = [&] {
    if (rows == 0) return;
    on_rows(CsvCellRows{.cells = std::span<const CsvCell>(cells.data(), rows * num_columns),
                        .num_rows = rows,
                        .num_columns = num_columns});
    rows = 0;
    row = cells.data();
  };
  RETURN_IF_ERROR(ForEachGoodRecord(
      chunk, num_columns, options, bad_rows,
      [&](size_t c, std::string_view text) {
        if (c == 0) mismatch = kNone;
        if (c >= num_columns) return;
        CsvCell& cell = row[c];
        cell.empty = text.empty();
        if (cell.empty) return;
        bool fits = true;
        switch (schema.types[c]) {
          case DataType::kNull:
            fits = false;
            break;
          case DataType::kInt64:
            fits = ParseInt64Cell(text, &cell.int64_value);
            break;
          case DataType::kFloat:
            fits = ParseFloatCell(text, &cell.float_value);
            break;
          case DataType::kBytes:
            cell.bytes_value = text;
            break;
        }
        if (!fits && mismatch == kNone) {
          mismatch = c;
          mismatch_text = text;
        }
      },
      [&](uint64_t line) -> absl::Status {
        if (mismatch != kNone) {
          return TypeMismatch(*chunk.file, line, schema.names[mismatch], schema.types[mismatch],
                              mismatch_text);
        }
        row += num_columns;
        if (++rows == kRowsPerBlock) flush();
        return absl::OkStatus();
      }));
  flush();
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseTypedRecords(CsvChunk& chunk, const CsvSchema& schema, const CsvOptions& options,
                               CsvBadRows* bad_rows,
                               absl::FunctionRef<void(const CsvCellRows&)> on_rows) {
  return ForEachTypedRecord(chunk, schema, options, bad_rows, on_rows);
}

absl::StatusOr<CsvParsedChunk> ParseChunk(CsvChunk chunk, const CsvSchema& schema,
                                          const CsvOptions& options) {
  const size_t num_columns = schema.names.size();
  std::vector<data::Column> columns;
  columns.reserve(num_columns);
  size_t estimated_rows = base::CountByte(chunk.data, '\n') + 1;
  for (size_t c = 0; c < num_columns; ++c) {
    columns.emplace_back(schema.names[c], schema.types[c]);
    columns.back().Reserve(estimated_rows, estimated_rows);
  }
  CsvParsedChunk result;
  RETURN_IF_ERROR(
      ForEachTypedRecord(chunk, schema, options, &result.bad_rows, [&](const CsvCellRows& block) {
        for (size_t c = 0; c < num_columns; ++c) {
          data::Column& column = columns[c];
          for (size_t r = 0; r < block.num_rows; ++r) {
            const CsvCell& cell = block.at(r, c);
            switch (column.type()) {
              case DataType::kNull:
                column.AppendMissing(data::Presence::kNoKind);
                continue;
              case DataType::kInt64:
                if (!cell.empty) column.AddInt64(cell.int64_value);
                break;
              case DataType::kFloat:
                if (!cell.empty) column.AddFloat(cell.float_value);
                break;
              case DataType::kBytes:
                if (!cell.empty) column.AddBytes(cell.bytes_value);
                break;
            }
            column.FinishRow(data::Presence::kPresent);
          }
        }
      }));
  result.batch = data::RecordBatch(std::move(columns));
  return result;
}

}  // namespace weir::io
