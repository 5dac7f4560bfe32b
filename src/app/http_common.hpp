#pragma once
// The routes every HTTP front of the binary serves besides the API (`serve` and the distributed `gateway`):
// GET /healthz, /readyz, /metrics, /api/v1/openapi.json, the admin's route list, and the access log.
#include <functional>

#include "gateway/api.hpp"
#include "gateway/http_server.hpp"
#include "gateway/metrics.hpp"

namespace ik::app {

// `ready`: whether the process takes traffic (readyz 200, else 503). Register before the server starts.
void RegisterCommonRoutes(gateway::HttpServer& http, gateway::Api& api, gateway::Metrics& metrics,
                          std::function<bool()> ready, bool access_log);

}  // namespace ik::app
