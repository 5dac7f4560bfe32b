#pragma once
// Serves the web app's built files (index.html, hashed assets) from one folder at `/`, as a single-page app:
// a path with no file extension that names no file (a client-side route such as /stocks/005930) gets
// index.html. Requests under the API prefixes never fall back to the app. Nothing outside the folder is
// reachable: "..", hidden names, backslashes and symbolic links leading out are refused with 404.
#include <filesystem>
#include <string>

#include "gateway/http_server.hpp"

namespace ik::gateway {

class StaticFiles final {
public:
    explicit StaticFiles(std::filesystem::path root);

    // The answer to a GET or HEAD that matched no route.
    HttpResponse Serve(const HttpRequest& req) const;

    // The Content-Type for a file name, by extension (application/octet-stream when unknown).
    static std::string ContentType(const std::filesystem::path& file);

private:
    HttpResponse File(const std::filesystem::path& file, bool immutable) const;

    std::filesystem::path root_;
};

}  // namespace ik::gateway
