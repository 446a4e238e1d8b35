#define MG_EXPERIMENTAL_INTERFACES  // mg_start2: the only way to learn why CivetWeb failed to start
#include "exporter/http_server.h"

#include <civetweb.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string_view>
#include <vector>

#include "collectors/log.h"
#include "exporter/build_info.h"
#include "exporter/tls_support.h"

namespace patroni_exporter {
namespace {

constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// ScrapeDeadline's numbers (the header states the rule). A header above an hour is taken as an hour: no scrape
// waits longer, and the arithmetic below stays far from overflowing a steady_clock duration.
constexpr double kMaxScrapeTimeoutSeconds = 3600;
// Time kept for serializing and sending the answer: this share of the timeout, within [min, max] seconds.
constexpr double kSendMarginShare = 0.1;
constexpr double kMinSendMarginSeconds = 0.1;
constexpr double kMaxSendMarginSeconds = 0.5;

std::string_view Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 500:
      return "Internal Server Error";
    default:
      return "";
  }
}

// Bodies up to this size are copied behind the headers and sent in one write; larger ones are sent from where they
// are, after the headers: copying a fan-out's text (2.7 MB at 500 members) would hold it twice at the end of the
// scrape, while one more write is nothing beside sending that much.
constexpr std::size_t kMaxBodyCopied = 64 * 1024;

// Status line, headers and body in one buffer, one write (two for a large body: kMaxBodyCopied).
int Respond(mg_connection* conn, int status, std::string_view content_type, std::string_view body, bool head,
            std::string_view extra_headers = "") {
  const bool copy_body = !head && body.size() <= kMaxBodyCopied;
  std::string response;
  response.reserve(200 + extra_headers.size() + (copy_body ? body.size() : 0));
  response.append("HTTP/1.1 ").append(std::to_string(status)).append(" ").append(Reason(status)).append("\r\n");
  response.append("Content-Type: ").append(content_type).append("\r\n");
  response.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  response.append("Cache-Control: no-store\r\nConnection: close\r\n");
  response.append(extra_headers);
  response.append("\r\n");
  if (copy_body) response.append(body);
  // mg_write sends all it is given or fails (client gone, send timeout); a failed header write sends no body.
  if (mg_write(conn, response.data(), response.size()) > 0 && !head && !copy_body) {
    mg_write(conn, body.data(), body.size());
  }
  return status;
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::chrono::steady_clock::time_point ScrapeDeadline(std::chrono::steady_clock::time_point now, const char* header,
                                                     std::chrono::milliseconds default_timeout) {
  double seconds = std::chrono::duration<double>(default_timeout).count();
  if (header != nullptr) {
    char* end = nullptr;
    const double value = std::strtod(header, &end);
    if (end != header && std::isfinite(value) && value > 0) seconds = std::min(value, kMaxScrapeTimeoutSeconds);
  }
  const double margin = std::clamp(seconds * kSendMarginShare, kMinSendMarginSeconds, kMaxSendMarginSeconds);
  const double budget = std::max(seconds - margin, seconds / 2);
  return now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(budget));
}

struct HttpServer::WebState {
  WebConfig web;
  std::unique_ptr<BasicAuth> auth;                       // null: no authentication
  std::string headers;                                   // "Name: value\r\n" lines from the web config
  std::shared_ptr<const ServerCertificate> certificate;  // with TLS: what each handshake presents
  std::string stamp;                                     // FilesStamp() of the files it was read from
};

namespace {

// The identity of the web config file and the certificate and key files it names: a change to any of them (an
// edit, a rename over it, a deletion) changes the stamp. "" without a file to watch.
std::string FilesStamp(const std::string& web_config_file, const WebConfig& web) {
  if (web_config_file.empty()) return "";
  std::string stamp;
  std::vector<const std::string*> files = {&web_config_file};
  if (web.tls) files.insert(files.end(), {&web.tls->cert_file, &web.tls->key_file});
  for (const std::string* file : files) {
    struct stat st {};
    if (stat(file->c_str(), &st) != 0) {
      stamp += "missing;";
      continue;
    }
    stamp += std::to_string(st.st_dev) + ':' + std::to_string(st.st_ino) + ':' + std::to_string(st.st_size) + ':' +
             std::to_string(st.st_mtim.tv_sec) + '.' + std::to_string(st.st_mtim.tv_nsec) + ';';
  }
  return stamp;
}

// The TLS settings that CivetWeb's context holds from the start (all but the key pair).
bool SameTlsPolicy(const WebTlsConfig& a, const WebTlsConfig& b) {
  return a.client_auth == b.client_auth && a.client_ca_file == b.client_ca_file && a.min_version == b.min_version &&
         a.max_version == b.max_version && a.cipher_suites == b.cipher_suites && a.groups == b.groups &&
         a.prefer_server_cipher_suites == b.prefer_server_cipher_suites;
}

std::shared_ptr<const HttpServer::WebState> MakeWebState(WebConfig web, const std::string& file,
                                                         std::shared_ptr<const ServerCertificate> certificate) {
  auto state = std::make_shared<HttpServer::WebState>();
  state->stamp = FilesStamp(file, web);
  if (!web.users.empty()) state->auth = std::make_unique<BasicAuth>(web.users);
  for (const auto& [name, value] : web.headers) state->headers += name + ": " + value + "\r\n";
  state->web = std::move(web);
  state->certificate = std::move(certificate);
  return state;
}

}  // namespace

HttpServer::HttpServer(HttpServerOptions options, Scraper* scraper, Prober* prober)
    : options_(std::move(options)), scraper_(scraper), prober_(prober) {}

int HttpServer::InitSsl(void* ssl_ctx, void* self) {
  auto* server = static_cast<HttpServer*>(self);
  auto* ctx = static_cast<ssl_ctx_st*>(ssl_ctx);
  // 1: the context is fully set up here; CivetWeb then adds nothing of its own (docs/security.md).
  server->tls_error_ = ConfigureServerContext(ctx, *server->options_.web.tls);
  if (!server->tls_error_.empty()) return -1;
  SetCertificateCallback(ctx, &HttpServer::OnHandshake, server);
  return 1;
}

int HttpServer::OnHandshake(ssl_st* ssl, void* self) {
  const std::shared_ptr<const WebState> web = static_cast<HttpServer*>(self)->Web();
  if (web->certificate == nullptr) return 1;
  const std::string error = web->certificate->UseFor(ssl);
  // The context's key pair from the start stays in place then: the handshake goes on with it.
  if (!error.empty()) Log(LogLevel::kError, "cannot present the reloaded certificate", {{"err", error}});
  return 1;
}

std::shared_ptr<const HttpServer::WebState> HttpServer::Web(bool force) {
  std::shared_ptr<const WebState> current;
  {
    std::lock_guard<std::mutex> lock(web_mutex_);
    current = web_;
  }
  if (options_.web_config_file.empty()) return current;
  if (!force && FilesStamp(options_.web_config_file, current->web) == current->stamp) return current;
  return Reload(current, force);
}

std::shared_ptr<const HttpServer::WebState> HttpServer::Reload(const std::shared_ptr<const WebState>& current,
                                                               bool force) {
  std::lock_guard<std::mutex> reloading(reload_mutex_);
  const std::string stamp = FilesStamp(options_.web_config_file, current->web);
  {
    std::lock_guard<std::mutex> lock(web_mutex_);
    if (web_ != current) return web_;  // another request reloaded meanwhile
    if (!force && stamp == failed_stamp_) return current;
  }
  auto keep = [&](const std::string& error) {
    Log(LogLevel::kError, "cannot reload the web config, keeping the previous one",
        {{"file", options_.web_config_file}, {"err", error}});
    std::lock_guard<std::mutex> lock(web_mutex_);
    failed_stamp_ = stamp;
    return current;
  };
  WebConfig fresh;
  std::string error;
  if (!LoadWebConfig(options_.web_config_file, &fresh, &error)) return keep(error);
  std::shared_ptr<const ServerCertificate> certificate = current->certificate;
  if (fresh.tls.has_value() != current->web.tls.has_value()) {
    Log(LogLevel::kWarn, "turning TLS on or off takes effect after a restart", {{"file", options_.web_config_file}});
    fresh.tls = current->web.tls;
  } else if (fresh.tls) {
    if (!SameTlsPolicy(*fresh.tls, *current->web.tls)) {
      Log(LogLevel::kWarn, "TLS settings other than cert_file and key_file take effect after a restart",
          {{"file", options_.web_config_file}});
    }
    certificate = ServerCertificate::Load(fresh.tls->cert_file, fresh.tls->key_file, &error);
    if (certificate == nullptr) return keep(error);
  }
  const std::size_t users = fresh.users.size();
  std::shared_ptr<const WebState> next = MakeWebState(std::move(fresh), options_.web_config_file, certificate);
  Log(LogLevel::kInfo, "web config reloaded",
      {{"file", options_.web_config_file}, {"basic_auth_users", std::to_string(users)}});
  std::lock_guard<std::mutex> lock(web_mutex_);
  web_ = next;
  failed_stamp_.clear();
  return next;
}

void HttpServer::ReloadWebConfig() {
  if (options_.web_config_file.empty()) {
    Log(LogLevel::kInfo, "reload asked, but there is no --web.config.file");
    return;
  }
  Web(/*force=*/true);
}

std::unique_ptr<HttpServer> HttpServer::Start(const HttpServerOptions& options, Scraper* scraper, Prober* prober,
                                              std::string* error) {
  const bool tls = options.web.tls.has_value();
  if (tls) {
    // Before CivetWeb loads OpenSSL its own way: refuse here, with the reason, what would crash later.
    const std::string problem = CheckCivetwebTls();
    if (!problem.empty()) {
      *error = problem;
      return nullptr;
    }
  }
  std::unique_ptr<HttpServer> server(new HttpServer(options, scraper, prober));
  std::shared_ptr<const ServerCertificate> certificate;
  if (tls) {
    std::string problem;
    certificate = ServerCertificate::Load(options.web.tls->cert_file, options.web.tls->key_file, &problem);
    if (certificate == nullptr) {
      *error = "cannot set up TLS: " + problem;
      return nullptr;
    }
    // CivetWeb marks an HTTPS port with an "s" suffix, each of a comma-separated list.
    std::string ports;
    for (std::size_t start = 0; start <= options.listening_ports.size();) {
      std::size_t comma = options.listening_ports.find(',', start);
      if (comma == std::string::npos) comma = options.listening_ports.size();
      // Appended piece by piece: GCC 12 at -O3 reports a bogus -Wrestrict for `"," + std::string` (main.cc).
      if (!ports.empty()) ports += ',';
      ports.append(options.listening_ports, start, comma - start).append("s");
      start = comma + 1;
    }
    server->options_.listening_ports = ports;
  }
  server->web_ = MakeWebState(options.web, options.web_config_file, certificate);
  const std::string threads = std::to_string(options.threads);
  const std::string timeout = std::to_string(options.request_timeout_ms);
  const std::string max_request = std::to_string(options.max_request_size);
  const char* civet_options[] = {"listening_ports",
                                 server->options_.listening_ports.c_str(),
                                 "num_threads",
                                 threads.c_str(),
                                 "request_timeout_ms",
                                 timeout.c_str(),
                                 "max_request_size",
                                 max_request.c_str(),
                                 "enable_keep_alive",
                                 "no",
                                 nullptr};
  mg_callbacks callbacks;
  std::memset(&callbacks, 0, sizeof callbacks);
  // CivetWeb would print its own errors to stderr in its own format; ours go through Log().
  callbacks.log_message = [](const mg_connection*, const char* message) {
    Log(LogLevel::kDebug, "civetweb", {{"detail", message}});
    return 1;
  };
  if (tls) callbacks.init_ssl = &HttpServer::InitSsl;
  mg_init_data init;
  init.callbacks = &callbacks;
  init.user_data = server.get();
  init.configuration_options = civet_options;
  char error_text[256] = {0};
  unsigned error_code = 0;
  mg_error_data error_data;
  error_data.code = &error_code;
  error_data.text = error_text;
  error_data.text_buffer_size = sizeof error_text;
  server->context_ = mg_start2(&init, &error_data);
  if (server->context_ == nullptr) {
    if (!server->tls_error_.empty()) {
      *error = "cannot set up TLS: " + server->tls_error_;
    } else {
      *error = "cannot listen on " + options.listening_ports + ": " +
               (error_text[0] != '\0' ? std::string(error_text) : std::string("CivetWeb failed to start"));
    }
    return nullptr;
  }
  mg_set_request_handler(server->context_, "/", &HttpServer::HandleRequest, server.get());
  const ClientAuth client_auth = tls ? options.web.tls->client_auth : ClientAuth::kNoClientCert;
  if (tls && client_auth != ClientAuth::kRequireAnyClientCert &&
      client_auth != ClientAuth::kRequireAndVerifyClientCert) {
    // One real HTTPS request through CivetWeb's own code path, so a TLS library that cannot serve fails now.
    const std::string problem = SelfTestTls(server->local_host(), server->port());
    if (!problem.empty()) {
      *error = "TLS self-test failed: " + problem;
      return nullptr;
    }
  }
  return server;
}

HttpServer::~HttpServer() {
  if (context_ != nullptr) mg_stop(context_);
}

int HttpServer::port() const {
  mg_server_port ports[4];
  const int n = mg_get_server_ports(context_, 4, ports);
  return n > 0 ? ports[0].port : 0;
}

std::string HttpServer::local_host() const {
  const std::string& ports = options_.listening_ports;
  const std::string first = ports.substr(0, ports.find(','));
  const std::size_t colon = first.rfind(':');
  if (colon == std::string::npos || first.substr(0, colon) == "0.0.0.0") return "127.0.0.1";
  return first.substr(0, colon);
}

int HttpServer::HandleRequest(mg_connection* conn, void* self) {
  try {
    return static_cast<HttpServer*>(self)->Handle(conn);
  } catch (const std::exception& e) {
    Log(LogLevel::kError, "request failed", {{"err", e.what()}});
  } catch (...) {
    Log(LogLevel::kError, "request failed", {{"err", "unknown exception"}});
  }
  return Respond(conn, 500, "text/plain; charset=utf-8", "internal error\n", false);
}

int HttpServer::Reply(const WebState& web, mg_connection* conn, int status, std::string_view content_type,
                      std::string_view body, bool head, std::string_view extra_headers) {
  if (web.headers.empty()) return Respond(conn, status, content_type, body, head, extra_headers);
  return Respond(conn, status, content_type, body, head, web.headers + std::string(extra_headers));
}

int HttpServer::Handle(mg_connection* conn) {
  const mg_request_info* request = mg_get_request_info(conn);
  const std::string_view method = request->request_method != nullptr ? request->request_method : "";
  const std::string_view path = request->local_uri != nullptr ? request->local_uri : "";
  const bool head = method == "HEAD";
  const std::shared_ptr<const WebState> web = Web();
  if (method != "GET" && !head) {
    return Reply(*web, conn, 405, "text/plain; charset=utf-8", "method not allowed\n", false, "Allow: GET, HEAD\r\n");
  }
  // Liveness stays open: it answers "OK" and calls nothing upstream, and probes seldom carry credentials.
  if (web->auth != nullptr && path != "/-/healthy") {
    std::string user;
    if (!web->auth->Check(mg_get_header(conn, "Authorization"), &user)) {
      Log(LogLevel::kDebug, "authentication failed",
          {{"user", user}, {"remote", request->remote_addr}, {"path", std::string(path)}});
      return Reply(*web, conn, 401, "text/plain; charset=utf-8", "Unauthorized\n", head,
                   "WWW-Authenticate: Basic realm=\"patroni_exporter\", charset=\"UTF-8\"\r\n");
    }
  }
  if (path == options_.telemetry_path || (path == "/probe" && prober_ != nullptr)) {
    ScrapeContext context;
    context.deadline =
        ScrapeDeadline(std::chrono::steady_clock::now(), mg_get_header(conn, "X-Prometheus-Scrape-Timeout-Seconds"),
                       options_.default_scrape_timeout);
    if (path == "/probe") {
      const ProbeResponse probe = prober_->Probe(request->query_string ? request->query_string : "", context);
      return Reply(*web, conn, probe.status, probe.content_type, probe.body, head);
    }
    const std::shared_ptr<const std::string> text = scraper_->Scrape(context);
    return Reply(*web, conn, 200, kMetricsContentType, *text, head);
  }
  if (path == "/-/healthy") return Reply(*web, conn, 200, "text/plain; charset=utf-8", "OK\n", head);
  if (path == "/") {
    const std::string link = HtmlEscape(options_.telemetry_path);
    const std::string page =
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>patroni_exporter</title></head>\n"
        "<body><h1>patroni_exporter</h1>\n<p>Prometheus exporter for PostgreSQL clusters run by Patroni.</p>\n"
        "<ul><li><a href=\"" +
        link + "\">" + link +
        "</a>: metrics</li>\n"
        "<li>/probe?target=http://HOST:PORT: one cluster, for multi-target scraping</li>\n"
        "<li><a href=\"/-/healthy\">/-/healthy</a>: liveness</li></ul>\n"
        "<p>version " +
        HtmlEscape(kVersion) + ", revision " + HtmlEscape(kRevision) + "</p>\n</body></html>\n";
    return Reply(*web, conn, 200, "text/html; charset=utf-8", page, head);
  }
  return Reply(*web, conn, 404, "text/plain; charset=utf-8", "not found\n", head);
}

}  // namespace patroni_exporter
