#include "metrics_server.h"

#include <fmt/format.h>

#include "ip_address.h"

namespace cohort {

Result<MetricsAddress> ParseMetricsAddress(const std::string& text) {
  MetricsAddress a;
  a.text = text;
  std::string rest = text;
  if (rest.starts_with("public:")) {
    a.is_public = true;
    rest = rest.substr(7);
  }
  if (!rest.empty() && rest.find_first_not_of("0123456789") == std::string::npos) rest = "127.0.0.1:" + rest;
  if (rest.starts_with("localhost:")) rest = "127.0.0.1:" + rest.substr(10);
  Result<ListenSpec> spec = ParseListenAddress(rest);
  auto bad = [&](const std::string& why) {
    return Status::Error(fmt::format("--metrics {}: {}", text, why));
  };
  if (!spec.ok() || spec->kind != ListenSpec::Kind::kTcp || !spec->host) {
    return bad("expected PORT, 127.0.0.1:PORT, [::1]:PORT or public:HOST:PORT");
  }
  std::optional<IpAddress> ip = ParseIpAddress(*spec->host);
  Result<AddressSet> loopback = AddressSet::Parse("loopback");
  if (!a.is_public && (!ip || !loopback.ok() || !loopback->Contains(*ip))) {
    return bad(fmt::format("{} is not a loopback address; the metrics name your apps and processes to whoever "
                           "connects: write public:{} to serve them there anyway",
                           *spec->host, rest));
  }
  a.spec = *spec;
  return a;
}

Result<std::unique_ptr<MetricsServer>> MetricsServer::Open(uv_loop_t* loop, const MetricsAddress& address,
                                                           Render render, Millis request_timeout) {
  HttpServer::Options options;
  options.head_timeout = request_timeout;
  auto handler = [render = std::move(render)](const HttpRequest& request) {
    if (request.method != "GET" && request.method != "HEAD") {
      HttpResponse r = PlainResponse(405, "only GET /metrics\n");
      r.headers = {{"Allow", "GET, HEAD"}};
      return r;
    }
    if (request.path() != "/metrics") return PlainResponse(404, "not found: the metrics are at /metrics\n");
    HttpResponse r = PlainResponse(200, render());  // HttpServer answers 500 if it throws
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  };
  auto http = HttpServer::Listen(loop, address.spec, "--metrics " + address.text, std::move(handler), options);
  if (!http.ok()) return http.status();
  std::unique_ptr<MetricsServer> s(new MetricsServer());
  s->http_ = std::move(*http);
  s->text_ = address.text;
  return s;
}

}  // namespace cohort
