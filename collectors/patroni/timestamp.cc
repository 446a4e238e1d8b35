#include "collectors/patroni/timestamp.h"

#include <array>
#include <cctype>
#include <cstdint>
#include <string>

namespace patroni_exporter {
namespace {

// Abbreviations PostgreSQL prints for common zones whose offset they determine unambiguously. Ambiguous ones
// (IST, CST in China vs. America, BST, ...) are deliberately missing: better no sample than a wrong one.
struct ZoneAbbreviation {
  std::string_view name;
  int offset_minutes;
};
constexpr std::array<ZoneAbbreviation, 24> kZones = {{
    {"UTC", 0},    {"GMT", 0},     {"Z", 0},       {"WET", 0},    {"WEST", 60},  {"CET", 60},
    {"CEST", 120}, {"MET", 60},    {"MEST", 120},  {"EET", 120},  {"EEST", 180}, {"MSK", 180},
    {"EST", -300}, {"EDT", -240},  {"CDT", -300},  {"MST", -420}, {"MDT", -360}, {"PST", -480},
    {"PDT", -420}, {"AKST", -540}, {"AKDT", -480}, {"HST", -600}, {"JST", 540},  {"KST", 540},
}};

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool Digits(std::size_t n, int* out) {
    if (pos_ + n > s_.size()) return false;
    int value = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const char c = s_[pos_ + i];
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
      value = value * 10 + (c - '0');
    }
    pos_ += n;
    *out = value;
    return true;
  }
  bool Char(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  std::string_view Rest() const { return s_.substr(pos_); }
  bool AtEnd() const { return pos_ == s_.size(); }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

std::optional<int> ParseOffsetMinutes(std::string_view zone) {
  if (zone.empty()) return std::nullopt;
  if (zone[0] == '+' || zone[0] == '-') {
    const int sign = zone[0] == '-' ? -1 : 1;
    std::string digits;
    for (char c : zone.substr(1)) {
      if (c == ':') continue;
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
      digits.push_back(c);
    }
    if (digits.size() != 2 && digits.size() != 4) return std::nullopt;
    const int hours = std::stoi(digits.substr(0, 2));
    const int minutes = digits.size() == 4 ? std::stoi(digits.substr(2, 2)) : 0;
    if (hours > 15 || minutes > 59) return std::nullopt;
    return sign * (hours * 60 + minutes);
  }
  for (const auto& z : kZones) {
    if (z.name == zone) return z.offset_minutes;
  }
  return std::nullopt;
}

}  // namespace

std::optional<double> ParsePatroniTimestamp(std::string_view text) {
  Cursor c(text);
  int year, month, day, hour, minute, second;
  if (!c.Digits(4, &year) || !c.Char('-') || !c.Digits(2, &month) || !c.Char('-') || !c.Digits(2, &day)) {
    return std::nullopt;
  }
  if (!c.Char(' ') && !c.Char('T')) return std::nullopt;
  if (!c.Digits(2, &hour) || !c.Char(':') || !c.Digits(2, &minute) || !c.Char(':') || !c.Digits(2, &second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  // Microseconds as an integer, divided once at the end: the same double Python's total_seconds() gives for
  // the native metrics (a sum of digit * 0.1^k would drift in the last bit).
  std::int64_t micros = 0;
  if (c.Char('.')) {
    // The loop's condition is the read itself, so a digit is used only when Digits() stored it.
    int digit = 0;
    int count = 0;
    while (c.Digits(1, &digit)) {
      if (count < 6) micros = micros * 10 + digit;  // beyond microseconds: truncated, as Python does
      ++count;
    }
    if (count == 0) return std::nullopt;
    for (; count < 6; ++count) micros *= 10;
  }
  c.Char(' ');  // PostgreSQL's text puts a space before an abbreviation; Python's str() does not
  const std::optional<int> offset = ParseOffsetMinutes(c.Rest());
  if (!offset) return std::nullopt;
  const std::int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - *offset * 60;
  return static_cast<double>(seconds * 1000000 + micros) / 1e6;
}

}  // namespace patroni_exporter
