#include "collectors/patroni/member_naming.h"

namespace patroni_exporter {

MemberNames::MemberNames(const std::vector<ListedMember>& listed) {
  by_url_.reserve(listed.size());
  for (const ListedMember& member : listed) {
    if (member.api_url) by_url_.try_emplace(Key(*member.api_url), member.name);  // the first listed wins
  }
}

std::optional<std::string> MemberNames::Find(const BaseUrl& target) const {
  const auto it = by_url_.find(Key(target));
  if (it == by_url_.end()) return std::nullopt;
  return it->second;
}

// What SameRestApi compares, joined by newlines, which no parsed URL contains (ParseBaseUrl refuses control bytes).
std::string MemberNames::Key(const BaseUrl& url) {
  return url.scheme + "\n" + url.host + "\n" + std::to_string(url.port);
}

std::string ResolveMemberName(const std::optional<std::string>& own_name, const MemberNames* names,
                              const BaseUrl& target, const MemberDirectory& directory) {
  if (own_name) return *own_name;
  if (names != nullptr) {
    if (std::optional<std::string> name = names->Find(target)) return *name;
  }
  if (std::optional<DirectoryMember> known = directory.FindByApiUrl(target)) return known->name;
  return target.HostPort();
}

std::optional<std::string> ResolveScope(const ClusterView& view, const std::optional<std::string>& answered_scope,
                                        const BaseUrl& speaker, const std::string& cluster,
                                        const std::vector<DirectoryMember>& remembered,
                                        const MemberDirectory& directory) {
  if (view.scope) return view.scope;
  if (answered_scope) return answered_scope;
  if (std::optional<DirectoryMember> known = directory.FindByApiUrl(speaker)) return known->scope;
  for (const DirectoryMember& m : remembered) {
    if (m.cluster == cluster) return m.scope;
  }
  return std::nullopt;
}

std::vector<ListedMember> ListedMembers(const ClusterView& view) {
  std::vector<ListedMember> listed;
  listed.reserve(view.members.size());
  for (const ClusterMember& m : view.members) {
    ListedMember l;
    l.name = m.name;
    std::string error;
    if (m.api_url) l.api_url = ParseBaseUrl(*m.api_url, &error);
    if (m.host && m.port && *m.port >= 1 && *m.port <= 65535) {  // a port PostgreSQL can have
      l.pg_host = m.host;
      l.pg_port = static_cast<int>(*m.port);
    }
    l.leader = m.role == "leader" || m.role == "standby_leader";
    listed.push_back(std::move(l));
  }
  return listed;
}

}  // namespace patroni_exporter
