#include "collectors/postgres/pg_rows.h"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>

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
  // PostgreSQL's default IntervalStyle (postgres): "[N day[s] ]HH:MM:SS[.ffffff]"; lags are never negative.
  if ((*text)[0] == '-') return std::nullopt;
  std::string rest = *text;
  double days = 0;
  const std::size_t day = rest.find(" day");
  if (day != std::string::npos) {
    char* end = nullptr;
    days = std::strtod(rest.c_str(), &end);
    if (end != rest.c_str() + day) return std::nullopt;
    const std::size_t space = rest.find(' ', day + 1);
    rest = space == std::string::npos ? "00:00:00" : rest.substr(space + 1);
  }
  int hours = 0, minutes = 0;
  double seconds = 0;
  char tail = 0;
  if (std::sscanf(rest.c_str(), "%d:%d:%lf%c", &hours, &minutes, &seconds, &tail) != 3 || hours < 0 || minutes < 0 ||
      minutes > 59 || seconds < 0 || seconds >= 61) {
    return std::nullopt;
  }
  return days * 86400 + hours * 3600.0 + minutes * 60.0 + seconds;
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
