#pragma once
// The HTTP server of every front of the binary (`serve` and the distributed `gateway`): the API and the streams,
// the web app at `/` (http.web_root), GET /healthz, /readyz, /metrics, /api/v1/openapi.json, the admin's route
// list, and the access log.
#include <functional>
#include <memory>

#include "config/config.hpp"
#include "gateway/api.hpp"
#include "gateway/http_server.hpp"
#include "gateway/metrics.hpp"
#include "gateway/streams.hpp"

namespace ik::app {

// A server with every route registered, not started. `ready`: whether the process takes traffic (readyz 200,
// else 503). The references must outlive the server.
std::unique_ptr<gateway::HttpServer> BuildHttpServer(const config::HttpConfig& config, gateway::Api& api,
                                                     gateway::StreamHub& streams, gateway::Metrics& metrics,
                                                     std::function<bool()> ready);

}  // namespace ik::app
