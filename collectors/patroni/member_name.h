// FindMemberName: which member of a `GET /cluster` body a REST API URL belongs to.
//
// Patroni before 3.2.0 does not put the member's name in `GET /patroni`; its `/cluster` lists every member
// with its `api_url`. The member whose api_url has the same scheme, host and port as `target` is the one.
// Pure; never throws. Empty when the body is not a cluster or no member matches (for example when Patroni
// advertises another address than the one the exporter uses).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "collectors/url.h"

namespace patroni_exporter {

std::optional<std::string> FindMemberName(std::string_view cluster_body, const BaseUrl& target);

}  // namespace patroni_exporter
