// MemberDirectory: every Patroni member the exporter has seen, and what it last knew of each, shared by the
// patroni collector (which writes it), the postgres collector and /probe (which read it).
//
// Why it exists: the exporter sees the cluster through Patroni, and Patroni forgets a member whose Patroni died
// (its key expires from the DCS, so GET /cluster stops listing it) even when that member's PostgreSQL still runs
// and accepts writes. The directory keeps each member (scope, name, REST API, PostgreSQL address) for a retention
// time after it was last listed by /cluster or answered /patroni, so that:
//   - its PostgreSQL is still queried (the postgres collector reads its targets here), which is how an orphaned
//     writable primary is seen (patroni_pg_orphaned_primary);
//   - its Patroni is still tried, and it serves as a fallback seed when every configured seed is gone;
//   - /probe allows it as a target.
// A member removed on purpose (scale-in) leaves after the retention time.
//
// Identity is (scope, name). A member whose name is not known (Patroni < 3.2 without a /cluster listing it) is
// named by its REST API's HOST:PORT, as in the node families.
//
// Pure bookkeeping: no I/O, no clock of its own (callers pass `now`). Thread-safe (one mutex); never throws
// short of std::bad_alloc.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "collectors/url.h"

namespace patroni_exporter {

struct DirectoryMember {
  std::string cluster;  // the ClusterTarget (configuration) it was seen through
  std::string scope;
  std::string name;
  std::optional<BaseUrl> api_url;
  std::optional<std::string> pg_host;  // PostgreSQL address from /cluster
  std::optional<int> pg_port;
  bool listed = false;  // the latest valid /cluster of its scope lists it
  // The leader lock: whether the latest valid /cluster of its scope names it leader (or standby_leader); without
  // any /cluster, its own latest /patroni role (master, primary or standby_leader).
  bool holds_leader_lock = false;
  // Whether the latest GET /patroni of its api_url gave a valid status; empty until it was asked.
  std::optional<bool> patroni_answered;
  std::chrono::steady_clock::time_point last_seen;  // listed by /cluster, or answered /patroni
};

// One member as GET /cluster lists it (the directory's input; the parse layer's ClusterMember has more).
struct ListedMember {
  std::string name;
  std::optional<BaseUrl> api_url;
  std::optional<std::string> pg_host;
  std::optional<int> pg_port;
  bool leader = false;  // role leader or standby_leader
};

class MemberDirectory {
 public:
  using Clock = std::chrono::steady_clock;

  // `retention`: how long a member stays after it was last seen (--patroni.member-retention).
  explicit MemberDirectory(Clock::duration retention) : retention_(retention) {}

  // A valid GET /cluster of `scope`, read through `cluster`: every member listed is (re)recorded as listed, with
  // the lock as the view says; members of that scope it does not list stay, unlisted and without the lock.
  void ObserveCluster(const std::string& cluster, const std::string& scope, const std::vector<ListedMember>& members,
                      Clock::time_point now);

  // GET /patroni of `api_url` answered with a valid status naming (scope, name), the role it reported.
  void ObservePatroniAnswer(const std::string& cluster, const BaseUrl& api_url, const std::string& scope,
                            const std::string& name, bool holds_leader_lock, Clock::time_point now);
  // GET /patroni of `api_url` gave no valid status (remembered also for a REST API no member is known by).
  void ObservePatroniFailure(const BaseUrl& api_url);
  // The latest GET /patroni outcome of `api_url`; empty if never asked.
  std::optional<bool> PatroniAnswered(const BaseUrl& api_url) const;

  // Counts the scrapes that updated the directory: the patroni collector calls BeginUpdate when it starts and
  // MarkUpdated when it is done, always in pairs. WaitForFirstUpdate blocks until one was done, or `until`: the
  // postgres collector runs beside the patroni collector and waits only while nothing is known at all.
  void BeginUpdate();
  void MarkUpdated();
  bool WaitForFirstUpdate(Clock::time_point until) const;
  // Blocks until every update begun before the call is done, or `until`; returns at once when none is under way.
  // The postgres collector asks it before it calls a writable member an orphan: the lock a newly promoted leader
  // took after the view it started with is in the view of the answers under way (postgres_collector.h).
  bool WaitForUpdatesBegun(Clock::time_point until) const;

  // Members seen within the retention time (older ones are dropped first), ordered by (scope, name).
  std::vector<DirectoryMember> Snapshot(Clock::time_point now);
  // The member whose REST API is `api_url` (same scheme, host and port), if remembered.
  std::optional<DirectoryMember> FindByApiUrl(const BaseUrl& api_url) const;
  // HOST:PORT of every remembered member's REST API (for /probe's allow-list).
  std::vector<std::string> ApiHostPorts() const;

  Clock::duration retention() const { return retention_; }

 private:
  using Key = std::pair<std::string, std::string>;  // scope, name
  DirectoryMember& Upsert(const std::string& cluster, const std::string& scope, const std::string& name);
  void Expire(Clock::time_point now);

  const Clock::duration retention_;
  mutable std::mutex mutex_;
  mutable std::condition_variable updated_;
  std::map<Key, DirectoryMember> members_;
  std::map<std::string, bool> patroni_answered_;  // api_url (ToString) -> latest GET /patroni gave a valid status
  unsigned long long begun_ = 0;
  unsigned long long updates_ = 0;  // done
};

}  // namespace patroni_exporter
