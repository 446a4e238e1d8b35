#include "collectors/postgres/pg_rows.h"

#include <charconv>
#include <cmath>
#include <string_view>

namespace patroni_exporter {

std::optional<std::string> PgText(const PgRow& row, const std::string& column) {
  const auto it = row.find(column);
  if (it == row.end()) return std::nullopt;
  return it->second;
}

std::optional<double> PgNumber(const PgRow& row, const std::string& column) {
  const std::optional<std::string> text = PgText(row, column);
  if (!text) return std::nullopt;
  // Checked character by character first: strtod and from_chars alone also take "0x1p3", "1e3", " 5", "inf" or
  // a locale's decimal comma, none of which PostgreSQL prints for numeric.
  const std::string_view all = *text;
  std::size_t pos = all.substr(0, 1) == "-" ? 1 : 0;
  const auto digits = [&] {
    const std::size_t from = pos;
    while (pos < all.size() && all[pos] >= '0' && all[pos] <= '9') ++pos;
    return pos > from;
  };
  if (!digits()) return std::nullopt;
  if (pos < all.size() && all[pos] == '.') {
    ++pos;
    if (!digits()) return std::nullopt;
  }
  if (pos != all.size()) return std::nullopt;
  double value = 0;
  const auto [end, error] = std::from_chars(all.data(), all.data() + all.size(), value);
  if (error != std::errc() || end != all.data() + all.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<bool> PgBool(const PgRow& row, const std::string& column) {
  const std::optional<std::string> text = PgText(row, column);
  if (!text) return std::nullopt;
  if (*text == "t" || *text == "true") return true;
  if (*text == "f" || *text == "false") return false;
  return std::nullopt;
}

}  // namespace patroni_exporter
