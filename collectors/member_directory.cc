#include "collectors/member_directory.h"

#include <set>

namespace patroni_exporter {

DirectoryMember& MemberDirectory::Upsert(const std::string& cluster, const std::string& scope,
                                         const std::string& name) {
  DirectoryMember& m = members_[{scope, name}];
  m.cluster = cluster;
  m.scope = scope;
  m.name = name;
  return m;
}

void MemberDirectory::ObserveCluster(const std::string& cluster, const std::string& scope,
                                     const std::vector<ListedMember>& members, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::set<std::string> listed;
  for (const ListedMember& l : members) {
    listed.insert(l.name);
    // A member first known by its REST API's HOST:PORT (no name yet) is the same member under its real name.
    if (l.api_url && l.api_url->HostPort() != l.name) {
      const auto alias = members_.find({scope, l.api_url->HostPort()});
      if (alias != members_.end() && alias->second.api_url && SameRestApi(*alias->second.api_url, *l.api_url))
        members_.erase(alias);
    }
    DirectoryMember& m = Upsert(cluster, scope, l.name);
    if (l.api_url) m.api_url = l.api_url;
    if (l.pg_host && l.pg_port) {
      m.pg_host = l.pg_host;
      m.pg_port = l.pg_port;
    }
    m.listed = true;
    m.holds_leader_lock = l.leader;
    m.last_seen = now;
  }
  for (auto& [key, m] : members_) {
    if (key.first != scope || listed.count(key.second)) continue;
    m.listed = false;
    m.holds_leader_lock = false;
  }
}

void MemberDirectory::ObservePatroniAnswer(const std::string& cluster, const BaseUrl& api_url, const std::string& scope,
                                           const std::string& name, bool holds_leader_lock, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  const bool known = members_.count({scope, name}) > 0;
  DirectoryMember& m = Upsert(cluster, scope, name);
  m.api_url = api_url;
  patroni_answered_[api_url.ToString()] = true;
  // /cluster is the authority on the lock while it lists the member; its own word counts only without it.
  if (!known || !m.listed) m.holds_leader_lock = holds_leader_lock;
  m.last_seen = now;
}

void MemberDirectory::ObservePatroniFailure(const BaseUrl& api_url) {
  std::lock_guard<std::mutex> lock(mutex_);
  patroni_answered_[api_url.ToString()] = false;
}

std::optional<bool> MemberDirectory::PatroniAnswered(const BaseUrl& api_url) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = patroni_answered_.find(api_url.ToString());
  if (it == patroni_answered_.end()) return std::nullopt;
  return it->second;
}

void MemberDirectory::BeginUpdate() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++begun_;
}

void MemberDirectory::MarkUpdated() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++updates_;
  }
  updated_.notify_all();
}

bool MemberDirectory::WaitForFirstUpdate(Clock::time_point until) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return updated_.wait_until(lock, until, [this] { return updates_ > 0; });
}

bool MemberDirectory::WaitForUpdatesBegun(Clock::time_point until) const {
  std::unique_lock<std::mutex> lock(mutex_);
  const unsigned long long begun = begun_;
  return updated_.wait_until(lock, until, [this, begun] { return updates_ >= begun; });
}

void MemberDirectory::Expire(Clock::time_point now) {
  for (auto it = members_.begin(); it != members_.end();) {
    it = now - it->second.last_seen > retention_ ? members_.erase(it) : std::next(it);
  }
  // Outcomes of REST APIs no member is known by any more (a seed never answered keeps its own).
  if (patroni_answered_.size() > 2 * members_.size() + 64) {
    std::set<std::string> keep;
    for (const auto& [key, m] : members_) {
      if (m.api_url) keep.insert(m.api_url->ToString());
    }
    for (auto it = patroni_answered_.begin(); it != patroni_answered_.end();) {
      it = keep.count(it->first) ? std::next(it) : patroni_answered_.erase(it);
    }
  }
}

std::vector<DirectoryMember> MemberDirectory::Snapshot(Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  Expire(now);
  std::vector<DirectoryMember> out;
  out.reserve(members_.size());
  for (const auto& [key, m] : members_) {
    out.push_back(m);
    if (m.api_url) {
      const auto it = patroni_answered_.find(m.api_url->ToString());
      if (it != patroni_answered_.end()) out.back().patroni_answered = it->second;
    }
  }
  return out;
}

std::optional<DirectoryMember> MemberDirectory::FindByApiUrl(const BaseUrl& api_url) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [key, m] : members_) {
    if (m.api_url && SameRestApi(*m.api_url, api_url)) return m;
  }
  return std::nullopt;
}

std::vector<std::string> MemberDirectory::ApiHostPorts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [key, m] : members_) {
    if (m.api_url) out.push_back(m.api_url->HostPort());
  }
  return out;
}

}  // namespace patroni_exporter
