#include "collectors/postgres/pg_session.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <set>

namespace patroni_exporter {
namespace {

// The longest single wait on the socket. poll() takes an int of milliseconds, and a deadline may be far away
// (none set: time_point::max()); a scrape's deadline is seconds away, so this never cuts a real one short.
constexpr std::chrono::milliseconds kMaxSocketWait{60000};

// Waits until the connection's socket is ready for `events` or the deadline passes.
bool WaitSocket(PGconn* conn, short events, PgSession::Deadline deadline) {
  const int fd = PQsocket(conn);
  if (fd < 0) return false;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd pfd{fd, events, 0};
  const int timeout = static_cast<int>(std::min(left, kMaxSocketWait).count());
  return poll(&pfd, 1, timeout) > 0;
}

std::string Trimmed(const char* message) {
  std::string text = message != nullptr ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  return text.empty() ? "unknown libpq error" : text;
}

}  // namespace

PgSession::~PgSession() { Close(); }

void PgSession::Close() {
  if (conn_ != nullptr) PQfinish(conn_);
  conn_ = nullptr;
}

int PgSession::server_version() const { return conn_ != nullptr ? PQserverVersion(conn_) : 0; }

bool PgSession::Ensure(Deadline deadline, std::string* error) {
  if (conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK) return true;
  Close();
  conn_ = PQconnectStart(conninfo_.c_str());
  if (conn_ == nullptr) {
    *error = "out of memory";
    return false;
  }
  if (PQstatus(conn_) == CONNECTION_BAD) {
    *error = Trimmed(PQerrorMessage(conn_));
    Close();
    return false;
  }
  PostgresPollingStatusType state = PGRES_POLLING_WRITING;
  while (state != PGRES_POLLING_OK) {
    if (state == PGRES_POLLING_FAILED) {
      *error = Trimmed(PQerrorMessage(conn_));
      Close();
      return false;
    }
    if (!WaitSocket(conn_, state == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline)) {
      *error = "connection not established before the scrape deadline";
      Close();
      return false;
    }
    state = PQconnectPoll(conn_);
  }
  return true;
}

std::optional<PgRows> PgSession::Query(const std::string& sql, Deadline deadline, std::string* error) {
  if (conn_ == nullptr) {
    *error = "not connected";
    return std::nullopt;
  }
  if (PQsendQuery(conn_, sql.c_str()) == 0) {
    *error = Trimmed(PQerrorMessage(conn_));
    Close();
    return std::nullopt;
  }
  while (PQisBusy(conn_)) {
    if (!WaitSocket(conn_, POLLIN, deadline)) {
      // Stop the server from working for nobody, then drop the connection: its state is unknown.
      if (PGcancel* cancel = PQgetCancel(conn_)) {
        char buffer[256];
        PQcancel(cancel, buffer, sizeof buffer);
        PQfreeCancel(cancel);
      }
      *error = "query cancelled at the scrape deadline";
      Close();
      return std::nullopt;
    }
    if (PQconsumeInput(conn_) == 0) {
      *error = Trimmed(PQerrorMessage(conn_));
      Close();
      return std::nullopt;
    }
  }
  PgRows rows;
  bool failed = false;
  while (PGresult* result = PQgetResult(conn_)) {
    const ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_TUPLES_OK) {
      const int n_rows = PQntuples(result);
      const int n_cols = PQnfields(result);
      for (int r = 0; r < n_rows; ++r) {
        PgRow row;
        for (int c = 0; c < n_cols; ++c) {
          if (PQgetisnull(result, r, c)) {
            row[PQfname(result, c)] = std::nullopt;
          } else {
            row[PQfname(result, c)] = std::string(PQgetvalue(result, r, c), PQgetlength(result, r, c));
          }
        }
        rows.push_back(std::move(row));
      }
    } else if (status != PGRES_COMMAND_OK) {
      *error = Trimmed(PQresultErrorMessage(result));
      failed = true;
    }
    PQclear(result);
  }
  if (failed) {
    // A failed statement leaves a healthy connection (no transaction is open): keep it.
    return std::nullopt;
  }
  return rows;
}

namespace {

// libpq's parse errors quote the piece of the string they stumbled on: a bare word (`missing "=" after "..."`),
// an unknown keyword, a whole URI with a bad escape. That piece may be a password typed in the wrong place, so
// whatever is quoted and is not a libpq keyword (or "=") is withheld.
std::string WithoutQuotedInput(const std::string& message) {
  std::set<std::string> keywords = {"="};
  if (PQconninfoOption* defaults = PQconndefaults()) {
    for (PQconninfoOption* o = defaults; o->keyword != nullptr; ++o) keywords.insert(o->keyword);
    PQconninfoFree(defaults);
  }
  std::string out;
  std::size_t pos = 0;
  while (pos < message.size()) {
    const std::size_t open = message.find('"', pos);
    const std::size_t close = open == std::string::npos ? open : message.find('"', open + 1);
    if (close == std::string::npos) {
      out += message.substr(pos, open == std::string::npos ? open : open - pos);
      if (open != std::string::npos) out += "\"<withheld>";
      break;
    }
    const std::string quoted = message.substr(open + 1, close - open - 1);
    out += message.substr(pos, open - pos) + "\"" + (keywords.count(quoted) ? quoted : "<withheld>") + "\"";
    pos = close + 1;
  }
  return out;
}

}  // namespace

std::string CheckConninfo(const std::string& conninfo) {
  char* message = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &message);
  if (options == nullptr) {
    std::string reason = message != nullptr ? WithoutQuotedInput(Trimmed(message)) : "invalid connection string";
    PQfreemem(message);
    return reason;
  }
  std::string reason;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (std::string(o->keyword) == "password" && o->val != nullptr) {
      reason = "must not contain a password: use PGPASSWORD or a passfile";
    }
  }
  PQconninfoFree(options);
  return reason;
}

bool ConninfoNamesServer(const std::string& conninfo) {
  char* message = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &message);
  if (options == nullptr) {
    PQfreemem(message);
    return false;
  }
  bool names = false;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    const std::string keyword = o->keyword;
    if ((keyword == "host" || keyword == "hostaddr" || keyword == "port") && o->val != nullptr && o->val[0] != '\0') {
      names = true;
    }
  }
  PQconninfoFree(options);
  return names;
}

}  // namespace patroni_exporter
