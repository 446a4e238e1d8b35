#define MG_EXPERIMENTAL_INTERFACES  // mg_start2: the only way to learn why CivetWeb failed to start
#include "exporter/http_server.h"

#include <civetweb.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string_view>

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

// Status line, headers and body in one buffer, one write.
int Respond(mg_connection* conn, int status, std::string_view content_type, std::string_view body, bool head,
            std::string_view extra_headers = "") {
  std::string response;
  response.reserve(200 + (head ? 0 : body.size()));
  response.append("HTTP/1.1 ").append(std::to_string(status)).append(" ").append(Reason(status)).append("\r\n");
  response.append("Content-Type: ").append(content_type).append("\r\n");
  response.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  response.append("Cache-Control: no-store\r\nConnection: close\r\n");
  response.append(extra_headers);
  response.append("\r\n");
  if (!head) response.append(body);
  mg_write(conn, response.data(), response.size());
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

HttpServer::HttpServer(HttpServerOptions options, Scraper* scraper, Prober* prober)
    : options_(std::move(options)), scraper_(scraper), prober_(prober) {
  if (!options_.web.users.empty()) auth_ = std::make_unique<BasicAuth>(options_.web.users);
  for (const auto& [name, value] : options_.web.headers) common_headers_ += name + ": " + value + "\r\n";
}

int HttpServer::InitSsl(void* ssl_ctx, void* self) {
  auto* server = static_cast<HttpServer*>(self);
  // 1: the context is fully set up here; CivetWeb then adds nothing of its own (docs/security.md).
  server->tls_error_ = ConfigureServerContext(static_cast<ssl_ctx_st*>(ssl_ctx), *server->options_.web.tls);
  return server->tls_error_.empty() ? 1 : -1;
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
  // CivetWeb marks an HTTPS port with an "s" suffix.
  if (tls) server->options_.listening_ports += "s";
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
    const std::size_t colon = options.listening_ports.rfind(':');
    const std::string host = colon == std::string::npos || options.listening_ports.substr(0, colon) == "0.0.0.0"
                                 ? "127.0.0.1"
                                 : options.listening_ports.substr(0, colon);
    const std::string problem = SelfTestTls(host, server->port());
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

int HttpServer::Reply(mg_connection* conn, int status, std::string_view content_type, std::string_view body, bool head,
                      std::string_view extra_headers) {
  if (common_headers_.empty()) return Respond(conn, status, content_type, body, head, extra_headers);
  return Respond(conn, status, content_type, body, head, common_headers_ + std::string(extra_headers));
}

int HttpServer::Handle(mg_connection* conn) {
  const mg_request_info* request = mg_get_request_info(conn);
  const std::string_view method = request->request_method != nullptr ? request->request_method : "";
  const std::string_view path = request->local_uri != nullptr ? request->local_uri : "";
  const bool head = method == "HEAD";
  if (method != "GET" && !head) {
    return Reply(conn, 405, "text/plain; charset=utf-8", "method not allowed\n", false, "Allow: GET, HEAD\r\n");
  }
  // Liveness stays open: it answers "OK" and calls nothing upstream, and probes seldom carry credentials.
  if (auth_ != nullptr && path != "/-/healthy") {
    std::string user;
    if (!auth_->Check(mg_get_header(conn, "Authorization"), &user)) {
      Log(LogLevel::kDebug, "authentication failed",
          {{"user", user}, {"remote", request->remote_addr}, {"path", std::string(path)}});
      return Reply(conn, 401, "text/plain; charset=utf-8", "Unauthorized\n", head,
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
      return Reply(conn, probe.status, probe.content_type, probe.body, head);
    }
    const std::shared_ptr<const std::string> text = scraper_->Scrape(context);
    return Reply(conn, 200, kMetricsContentType, *text, head);
  }
  if (path == "/-/healthy") return Reply(conn, 200, "text/plain; charset=utf-8", "OK\n", head);
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
    return Reply(conn, 200, "text/html; charset=utf-8", page, head);
  }
  return Reply(conn, 404, "text/plain; charset=utf-8", "not found\n", head);
}

}  // namespace patroni_exporter
