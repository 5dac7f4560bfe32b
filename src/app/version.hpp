#pragma once
#include <string>

namespace ik::app {
// "investking 0.1.0 (commit abc1234)"
std::string VersionString();
// The OpenAPI 3 document of both APIs (docs/openapi.json, compiled in).
const char* OpenApiDocument();
}  // namespace ik::app
