// PgSession: one libpq connection to one PostgreSQL server, kept across scrapes and rebuilt after a failure.
//
// Every step is bounded by the caller's deadline: connecting and querying use libpq's asynchronous API and
// poll(), and a query still running at the deadline is cancelled on the server and the connection dropped.
// Errors are libpq's messages, which name host and port but never the password. Not thread-safe: one scrape
// at a time uses a session (the owner serializes).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "collectors/postgres/pg_rows.h"

struct pg_conn;

namespace patroni_exporter {

class PgSession {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  explicit PgSession(std::string conninfo) : conninfo_(std::move(conninfo)) {}
  ~PgSession();
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;

  // Connects unless a healthy connection exists. False and *error on failure.
  bool Ensure(Deadline deadline, std::string* error);
  // server_version_num of the connected server (0 when not connected).
  int server_version() const;
  // Runs one statement and returns its rows (all values as text). On failure the connection is closed.
  std::optional<PgRows> Query(const std::string& sql, Deadline deadline, std::string* error);
  void Close();

 private:
  std::string conninfo_;
  pg_conn* conn_ = nullptr;
};

// Checks a libpq connection string without connecting: empty when fine, else the reason. A `password`
// keyword is refused (passwords come from PGPASSWORD or a passfile, never from flags).
std::string CheckConninfo(const std::string& conninfo);

// Whether a (valid) connection string chooses the server itself: a non-empty `host`, `hostaddr` or `port`
// keyword (PGHOST and friends in the environment do not count: the member's address from /cluster overrides
// them). False for a string libpq cannot parse.
bool ConninfoNamesServer(const std::string& conninfo);

}  // namespace patroni_exporter
