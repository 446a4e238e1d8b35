// Member naming: which member a REST API is, and which scope a cluster view belongs to, from what one scrape got
// and what the member directory remembers. Pure apart from reading the directory; never throws.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "collectors/member_directory.h"
#include "collectors/patroni/cluster.h"
#include "collectors/url.h"

namespace patroni_exporter {

// The members of one cluster view by REST API, from its ListedMembers (api_urls parsed once a scrape): naming
// each of a thousand members by walking the view and parsing every api_url again cost a million URL parses.
class MemberNames {
 public:
  explicit MemberNames(const std::vector<ListedMember>& listed);
  // The first listed member whose api_url is `target` (same scheme, host and port: SameRestApi).
  std::optional<std::string> Find(const BaseUrl& target) const;

 private:
  static std::string Key(const BaseUrl& url);
  std::unordered_map<std::string, std::string> by_url_;  // Key -> name
};

// The `name` label of the member at `target`: patroni.name (Patroni 3.2+), else the member of this scrape's
// cluster view with that api_url (`names`, null without a view), else the name the directory remembers for it,
// else the target's HOST:PORT.
std::string ResolveMemberName(const std::optional<std::string>& own_name, const MemberNames* names,
                              const BaseUrl& target, const MemberDirectory& directory);

// The scope of a cluster view: its own `scope` (Patroni 3.2+), else a scope named by one of this scrape's
// /patroni answers of that cluster, else the scope the directory remembers for the speaker's REST API, else for
// any member seen through that cluster. Empty when none is known.
std::optional<std::string> ResolveScope(const ClusterView& view, const std::optional<std::string>& answered_scope,
                                        const BaseUrl& speaker, const std::string& cluster,
                                        const std::vector<DirectoryMember>& remembered,
                                        const MemberDirectory& directory);

// The directory's input from a cluster view: names, REST APIs, PostgreSQL addresses, the leader lock. Members
// whose api_url does not parse are listed without one.
std::vector<ListedMember> ListedMembers(const ClusterView& view);

}  // namespace patroni_exporter
