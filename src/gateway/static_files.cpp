#include "gateway/static_files.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <string_view>
#include <system_error>
#include <utility>

namespace ik::gateway {

namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t kMaxFileBytes = 64ULL << 20;

// Paths that belong to the APIs and the operational endpoints: a miss there is an API 404, never the app.
constexpr std::array<std::string_view, 6> kApiPrefixes = {"/api/", "/v2/", "/stream", "/metrics", "/healthz",
                                                          "/readyz"};

bool UnderApi(std::string_view path) {
    return std::any_of(kApiPrefixes.begin(), kApiPrefixes.end(), [&](std::string_view p) {
        return path.substr(0, p.size()) == p || (p.back() == '/' && path == p.substr(0, p.size() - 1));
    });
}

HttpResponse NotFound(const std::string& path) { return JsonError(404, 40410000, "endpoint not found: " + path); }

// Each segment must be an ordinary name: no "..", no hidden files, nothing a file system could read as a
// separator or a drive.
bool SafeSegments(std::string_view path, std::string& relative) {
    relative.clear();
    std::size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '/') {
            ++i;
            continue;
        }
        const std::size_t j = std::min(path.find('/', i), path.size());
        const std::string_view seg = path.substr(i, j - i);
        if (seg.front() == '.' || seg.find('\\') != std::string_view::npos || seg.find('\0') != std::string_view::npos ||
            seg.find(':') != std::string_view::npos) {
            return false;
        }
        if (!relative.empty()) relative += '/';
        relative += seg;
        i = j;
    }
    return true;
}

}  // namespace

StaticFiles::StaticFiles(fs::path root) : root_(std::move(root)) {}

std::string StaticFiles::ContentType(const fs::path& file) {
    static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".map", "application/json"},
        {".webmanifest", "application/manifest+json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},
        {".webp", "image/webp"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".woff", "font/woff"},
        {".txt", "text/plain; charset=utf-8"},
    };
    std::string ext = file.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto& [e, type] : kTypes) {
        if (ext == e) return std::string(type);
    }
    return "application/octet-stream";
}

HttpResponse StaticFiles::Serve(const HttpRequest& req) const {
    if (UnderApi(req.path)) return NotFound(req.path);
    std::string relative;
    if (!SafeSegments(req.path, relative)) return NotFound(req.path);
    std::error_code ec;
    const fs::path root = fs::canonical(root_, ec);
    if (ec || !fs::is_directory(root, ec)) {
        return JsonError(404, 40410000,
                         "no web app at " + root_.string() + " (http.web_root); build it with `make web`");
    }
    const bool is_index = relative.empty();
    fs::path file = is_index ? root / "index.html" : root / relative;
    bool immutable = !is_index && relative.rfind("assets/", 0) == 0;  // Vite's hashed file names
    if (!fs::is_regular_file(file, ec)) {
        // A client-side route (no extension) gets the app; a missing file is a 404.
        if (!is_index && fs::path(relative).has_extension()) return NotFound(req.path);
        file = root / "index.html";
        immutable = false;
        if (!fs::is_regular_file(file, ec)) return NotFound(req.path);
    }
    // A symbolic link inside the folder must not lead out of it.
    const fs::path real = fs::canonical(file, ec);
    if (ec) return NotFound(req.path);
    const auto [end, _] = std::mismatch(root.begin(), root.end(), real.begin(), real.end());
    if (end != root.end()) return NotFound(req.path);
    return File(real, immutable);
}

HttpResponse StaticFiles::File(const fs::path& file, bool immutable) const {
    std::error_code ec;
    const auto size = fs::file_size(file, ec);
    if (ec || size > kMaxFileBytes) return JsonError(404, 40410000, "file not served");
    std::ifstream in(file, std::ios::binary);
    std::string body;
    body.reserve(static_cast<std::size_t>(size));
    body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) return JsonError(500, 50000000, "cannot read a file of the web app");
    HttpResponse res{200, ContentType(file), std::move(body), {}};
    res.headers.emplace_back("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
    res.headers.emplace_back("X-Content-Type-Options", "nosniff");
    return res;
}

}  // namespace ik::gateway
