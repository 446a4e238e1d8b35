#include "collectors/postgres/pg_rows.h"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace patroni_exporter {
namespace {

std::optional<std::uint64_t> ParseLsnInteger(const std::string& text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == text.size() || slash > 8 ||
      text.size() - slash - 1 > 8) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == slash) continue;
    const char c = text[i];
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  const std::uint64_t high = std::strtoull(text.substr(0, slash).c_str(), nullptr, 16);
  const std::uint64_t low = std::strtoull(text.substr(slash + 1).c_str(), nullptr, 16);
  value = (high << 32) | low;
  return value;
}

}  // namespace

std::optional<std::string> PgText(const PgRow& row, const std::string& column) {
  const auto it = row.find(column);
  if (it == row.end()) return std::nullopt;
  return it->second;
}

std::optional<double> PgNumber(const PgRow& row, const std::string& column) {
  const std::optional<std::string> text = PgText(row, column);
  if (!text || text->empty()) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(text->c_str(), &end);
  if (*end != '\0' || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<bool> PgBool(const PgRow& row, const std::string& column) {
  const std::optional<std::string> text = PgText(row, column);
  if (!text) return std::nullopt;
  if (*text == "t" || *text == "true") return true;
  if (*text == "f" || *text == "false") return false;
  return std::nullopt;
}

std::optional<double> PgLsn(const PgRow& row, const std::string& column) {
  const std::optional<std::string> text = PgText(row, column);
  if (!text) return std::nullopt;
  const std::optional<std::uint64_t> value = ParseLsnInteger(*text);
  if (!value) return std::nullopt;
  return static_cast<double>(*value);
}

std::optional<double> PgIntervalSeconds(const PgRow& row, const std::string& column) {
  const std::optional<std::string> text = PgText(row, column);
  if (!text || text->empty()) return std::nullopt;
  // PostgreSQL's default IntervalStyle (postgres): "[N day[s] ]HH:MM:SS[.ffffff]", or "N day[s]" alone; lags are
  // never negative. Read strictly, digit by digit: strtod and sscanf("%d:%d:%lf") also took "nan day",
  // "00:00:nan", " -1 day" and out-of-range ints (found by fuzzing, tests/fuzz/regressions/pg_values/).
  const std::string_view all = *text;
  std::size_t pos = 0;
  // `min` to `max` decimal digits at `pos` and no more (at most 9: exact in a double, far beyond any lag).
  const auto digits = [&](std::size_t min, std::size_t max) -> std::optional<double> {
    const std::size_t from = pos;
    double value = 0;
    while (pos < all.size() && pos - from < max && all[pos] >= '0' && all[pos] <= '9') {
      value = value * 10 + (all[pos++] - '0');
    }
    if (pos - from < min || (pos < all.size() && all[pos] >= '0' && all[pos] <= '9')) return std::nullopt;
    return value;
  };
  double days = 0;
  if (all.find(" day") != std::string_view::npos) {
    const std::optional<double> d = digits(1, 9);
    if (!d) return std::nullopt;
    days = *d;
    if (all.substr(pos, 4) != " day") return std::nullopt;
    pos += 4;
    if (pos < all.size() && all[pos] == 's') ++pos;
    if (pos == all.size()) return days * 86400;
    if (all[pos++] != ' ') return std::nullopt;
  }
  const std::optional<double> hours = digits(1, 9);
  if (!hours || pos >= all.size() || all[pos++] != ':') return std::nullopt;
  const std::optional<double> minutes = digits(2, 2);
  if (!minutes || *minutes > 59 || pos >= all.size() || all[pos++] != ':') return std::nullopt;
  const std::optional<double> whole = digits(2, 2);
  if (!whole) return std::nullopt;
  double seconds = *whole;
  if (pos < all.size() && all[pos] == '.') {
    const std::size_t from = ++pos;
    const std::optional<double> fraction = digits(1, 9);
    if (!fraction) return std::nullopt;
    seconds += *fraction / std::pow(10.0, static_cast<double>(pos - from));
  }
  if (pos != all.size() || seconds >= 61) return std::nullopt;
  return days * 86400 + *hours * 3600 + *minutes * 60 + seconds;
}

std::optional<double> LsnDiff(const std::optional<std::string>& to, const std::optional<std::string>& from) {
  if (!to || !from) return std::nullopt;
  const std::optional<std::uint64_t> a = ParseLsnInteger(*to);
  const std::optional<std::uint64_t> b = ParseLsnInteger(*from);
  if (!a || !b) return std::nullopt;
  // A standby can be ahead of what a lagging position says for an instant; negative lag is reported as such.
  return *a >= *b ? static_cast<double>(*a - *b) : -static_cast<double>(*b - *a);
}

}  // namespace patroni_exporter
