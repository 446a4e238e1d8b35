// Structured log lines (logfmt or JSON) on stderr, through spdlog.
//
// Every component logs through Log(): a message plus key/value fields, so that a line names its collector and
// target. ConfigureLogging() is called once by main before any thread starts; until then lines go out at info
// level in logfmt. Thread-safe. Never logs secrets: callers pass URLs without credentials (config validation
// refuses credentials in URLs).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace patroni_exporter {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class LogFormat { kLogfmt, kJson };

using LogFields = std::vector<std::pair<std::string_view, std::string_view>>;

void ConfigureLogging(LogLevel level, LogFormat format);
bool LogEnabled(LogLevel level);
void Log(LogLevel level, std::string_view message, const LogFields& fields = {});

// Pure formatting, for tests: `ts=2024-01-02T03:04:05.678Z level=warn msg="..." key=value`, or one JSON object.
std::string FormatLogLine(std::chrono::system_clock::time_point time, LogLevel level, std::string_view message,
                          const LogFields& fields, LogFormat format);

std::string_view LogLevelName(LogLevel level);

// `text` on one line: bytes below 0x20 and 0x7f written as \n, \r, \t or \xNN. For error messages that quote
// their input or a library's words (yaml-cpp's "unknown escape character: " ends with the character itself).
std::string OneLine(std::string_view text);

}  // namespace patroni_exporter
