// Member naming: which member a REST API is, and which scope a cluster view belongs to, from what one scrape got
// and what the member directory remembers. Pure apart from reading the directory; never throws.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "collectors/member_directory.h"
#include "collectors/patroni/cluster.h"
#include "collectors/url.h"

namespace patroni_exporter {

// The member of `view` whose api_url is `target` (same scheme, host and port).
std::optional<std::string> MemberNameFor(const ClusterView& view, const BaseUrl& target);

// The `name` label of the member at `target`: patroni.name (Patroni 3.2+), else the member of this scrape's
// cluster view with that api_url, else the name the directory remembers for it, else the target's HOST:PORT.
std::string ResolveMemberName(const std::optional<std::string>& own_name, const ClusterView* view,
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
