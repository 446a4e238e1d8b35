// Base URLs of Patroni REST APIs: validated and normalized once, at startup or discovery.
//
// Pure apart from libcurl's URL parser (no I/O); never throws.
#pragma once

#include <optional>
#include <string>

namespace patroni_exporter {

struct BaseUrl {
  std::string scheme;  // "http" or "https"
  std::string host;    // as written, lowercased; IPv6 without brackets
  int port = 0;        // explicit or the scheme's default
  std::string path;    // prefix without trailing "/", "" for the root

  // "http://127.0.0.1:8008" (the default port included, so the same API always reads the same).
  std::string ToString() const;
  // "127.0.0.1:8008": what identifies a member when its Patroni gives no name.
  std::string HostPort() const;
  // ToString() + `endpoint`, which starts with "/": "http://127.0.0.1:8008/patroni".
  std::string Join(const std::string& endpoint) const;

  // Every field equal, the path prefix included: the same URL.
  bool operator==(const BaseUrl& other) const = default;
};

// True when `a` and `b` reach the same Patroni REST API: scheme, host and port equal, whatever the path prefix.
// How a member's api_url ("http://10.0.1.11:8008/patroni", path "") is matched with a target or a directory
// entry; the host is compared as written (a name and its address are two APIs).
bool SameRestApi(const BaseUrl& a, const BaseUrl& b);

// Accepts "http(s)://host[:port][/prefix]", also with a trailing "/" or a trailing "/patroni" (Patroni's own
// api_url form). Refuses other schemes, credentials in the URL (secrets never travel in flags or labels), query
// strings, fragments, control characters (a NUL included: libcurl would parse only what precedes it), port 0 and
// hosts longer than 253 characters. On failure returns empty and sets *error.
std::optional<BaseUrl> ParseBaseUrl(const std::string& text, std::string* error);

}  // namespace patroni_exporter
