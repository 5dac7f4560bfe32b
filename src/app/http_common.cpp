#include "app/http_common.hpp"

#include <boost/json.hpp>

#include "app/version.hpp"
#include "common/log.hpp"
#include "gateway/static_files.hpp"

namespace ik::app {

std::unique_ptr<gateway::HttpServer> BuildHttpServer(const config::HttpConfig& config, gateway::Api& api,
                                                     gateway::StreamHub& streams, gateway::Metrics& metrics,
                                                     std::function<bool()> ready) {
    gateway::HttpServerOptions options;
    options.host = config.listen.host;
    options.port = config.listen.port;
    options.threads = config.threads;
    auto server = std::make_unique<gateway::HttpServer>(options);
    gateway::HttpServer& http = *server;
    if (!config.web_root.empty()) {
        // The web app at `/` (client-side routes get index.html); API paths never fall back to it.
        auto files = std::make_shared<gateway::StaticFiles>(config.web_root);
        http.SetFallback([files](const gateway::HttpRequest& req) { return files->Serve(req); });
    }
    api.Register(http);
    streams.Register(http);
    const bool access_log = config.access_log;
    http.Route("GET", "/healthz", [](const gateway::HttpRequest&) {
        return gateway::HttpResponse{200, "application/json", R"({"status":"ok"})", {}};
    });
    http.Route("GET", "/readyz", [ready](const gateway::HttpRequest&) {
        if (!ready()) return gateway::JsonError(503, 50300000, "not ready");
        return gateway::HttpResponse{200, "application/json", R"({"status":"ready"})", {}};
    });
    http.Route("GET", "/api/v1/openapi.json", [](const gateway::HttpRequest&) {
        return gateway::HttpResponse{200, "application/json", OpenApiDocument(), {}};
    });
    http.Route("GET", "/metrics", [&metrics](const gateway::HttpRequest&) {
        return gateway::HttpResponse{200, "text/plain; version=0.0.4", metrics.Render(), {}};
    });
    http.Route("GET", "/api/v1/admin/routes", [&http, &api](const gateway::HttpRequest& req) {
        auto who = api.Authenticate(req);
        if (!who) return gateway::JsonError(401, 40110000, who.error().message);
        if (who->role != "admin") return gateway::JsonError(403, 40310000, "admin role required");
        boost::json::array routes;
        for (const auto& [method, path] : http.Routes()) {
            routes.push_back(boost::json::object{{"method", method == "WEBSOCKET" ? "GET" : method}, {"path", path}});
        }
        return gateway::HttpResponse{200, "application/json", boost::json::serialize(routes), {}};
    });
    metrics.AddGauge("investking_ready", "1 when the server accepts traffic.", [ready] { return ready() ? 1.0 : 0.0; });
    auto access = GetBufferedLogger("access");
    http.SetObserver([&metrics, access, access_log](const gateway::RequestRecord& r) {
        metrics.ObserveRequest(r);
        if (!access_log) return;
        access->info("method={} route={} status={} bytes_in={} bytes_out={} duration_us={} remote={}", r.method,
                     r.route, r.status, r.bytes_in, r.bytes_out,
                     std::chrono::duration_cast<std::chrono::microseconds>(r.duration).count(), r.remote);
    });
    return server;
}

}  // namespace ik::app
