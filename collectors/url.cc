#include "collectors/url.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace patroni_exporter {
namespace {

std::optional<std::string> Part(CURLU* url, CURLUPart part) {
  char* value = nullptr;
  if (curl_url_get(url, part, &value, 0) != CURLUE_OK || value == nullptr) return std::nullopt;
  std::string out(value);
  curl_free(value);
  return out;
}

}  // namespace

std::string BaseUrl::ToString() const {
  const bool v6 = host.find(':') != std::string::npos;
  return scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port) + path;
}

std::string BaseUrl::HostPort() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string BaseUrl::Join(const std::string& endpoint) const { return ToString() + endpoint; }

bool SameRestApi(const BaseUrl& a, const BaseUrl& b) {
  return a.scheme == b.scheme && a.host == b.host && a.port == b.port;
}

std::optional<BaseUrl> ParseBaseUrl(const std::string& text, std::string* error) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> url(curl_url(), curl_url_cleanup);
  if (!url) {
    *error = "out of memory";
    return std::nullopt;
  }
  // libcurl reads a C string: after a NUL it would parse a prefix of what was given (found by fuzzing,
  // tests/fuzz/regressions/base_url/). Other control bytes have no place in a URL either, and would reach logs.
  if (std::any_of(text.begin(), text.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
    *error = "URL has a control character (byte < 0x20, or 0x7f); write http://HOST:PORT or https://HOST:PORT";
    return std::nullopt;
  }
  if (text.find("://") == std::string::npos) {
    *error = "URL \"" + text + "\" has no scheme: write http://HOST:PORT or https://HOST:PORT";
    return std::nullopt;
  }
  if (curl_url_set(url.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    *error = "\"" + text + "\" is not a valid URL";
    return std::nullopt;
  }
  BaseUrl out;
  out.scheme = Part(url.get(), CURLUPART_SCHEME).value_or("");
  std::transform(out.scheme.begin(), out.scheme.end(), out.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (out.scheme != "http" && out.scheme != "https") {
    *error = "URL \"" + text + "\": scheme must be http or https";
    return std::nullopt;
  }
  if (Part(url.get(), CURLUPART_USER) || Part(url.get(), CURLUPART_PASSWORD)) {
    // Do not echo the URL: it holds a credential.
    *error = "a Patroni URL must not contain credentials (Patroni's GET endpoints need none)";
    return std::nullopt;
  }
  if (Part(url.get(), CURLUPART_QUERY) || Part(url.get(), CURLUPART_FRAGMENT)) {
    *error = "URL \"" + text + "\" must not have a query or fragment";
    return std::nullopt;
  }
  out.host = Part(url.get(), CURLUPART_HOST).value_or("");
  if (out.host.size() >= 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  std::transform(out.host.begin(), out.host.end(), out.host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (out.host.empty()) {
    *error = "URL \"" + text + "\" has no host";
    return std::nullopt;
  }
  // DNS names end at 253 characters (RFC 1035), IPv6 literals earlier. A longer host from a /probe request would
  // reach the --probe.allowed-target expressions, which std::regex matches recursively: a 16 KB host overflowed
  // the stack with a pattern like "(a|b)*" (a hand-made input of the probe_query fuzz target, kept in
  // tests/fuzz/regressions/probe_query/).
  if (out.host.size() > 253) {
    *error = "URL host longer than 253 characters";
    return std::nullopt;
  }
  char* port = nullptr;
  if (curl_url_get(url.get(), CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK && port != nullptr) {
    out.port = std::atoi(port);
    curl_free(port);
  }
  // libcurl takes ":0"; nothing listens there (found by fuzzing).
  if (out.port < 1 || out.port > 65535) {
    *error = "URL \"" + text + "\": port must be 1 to 65535";
    return std::nullopt;
  }
  std::string path = Part(url.get(), CURLUPART_PATH).value_or("");
  while (!path.empty() && path.back() == '/') path.pop_back();
  const std::string suffix = "/patroni";
  if (path.size() >= suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0) {
    path.resize(path.size() - suffix.size());
    // "/prefix//patroni" leaves "/prefix/": the prefix never ends with "/" (found by fuzzing).
    while (!path.empty() && path.back() == '/') path.pop_back();
  }
  out.path = path;
  return out;
}

}  // namespace patroni_exporter
