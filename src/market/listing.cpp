#include "market/listing.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <system_error>
#include <unordered_map>
#include <utility>

namespace ik::market {

namespace {

// The data files are a few hundred kilobytes; the cap turns a wrong path (a disk image, /dev/zero) into an
// error instead of an allocation failure.
constexpr std::uintmax_t kMaxFileBytes = 64ULL << 20;

Result<std::string> ReadWholeFile(const std::string& path) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status)) {
        return MakeError(ErrorCode::kNotFound, path + ": no such file");
    }
    if (!std::filesystem::is_regular_file(status)) {
        return MakeError(ErrorCode::kInvalidArgument, path + ": not a regular file");
    }
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return MakeError(ErrorCode::kUnavailable, path + ": cannot read size: " + ec.message());
    if (size > kMaxFileBytes) {
        return MakeError(ErrorCode::kInvalidArgument,
                         path + ": " + std::to_string(size) + " bytes is too large for a market data file");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return MakeError(ErrorCode::kUnavailable, path + ": cannot open for reading");
    std::string text(static_cast<std::size_t>(size), '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.gcount() != static_cast<std::streamsize>(text.size())) {
        return MakeError(ErrorCode::kUnavailable, path + ": short read");
    }
    return text;
}

std::string Located(std::string_view source, int line, std::string_view message) {
    return std::string(source) + ":" + std::to_string(line) + ": " + std::string(message);
}

// RFC 4180 records from text held in memory: fields separated by commas, records by LF or CRLF, fields
// optionally quoted with "" as an escaped quote and line breaks allowed inside quotes. Blank lines are
// skipped. Malformed quoting is an error naming the line, never a guess.
class CsvReader final {
public:
    CsvReader(std::string_view text, std::string_view source) : text_(text), source_(source) {
        if (text_.starts_with("\xEF\xBB\xBF")) text_.remove_prefix(3);  // UTF-8 BOM written by spreadsheets
    }

    // Reads the next record into `fields`; false at the end of the text.
    Result<bool> Next(std::vector<std::string>& fields) {
        fields.clear();
        while (pos_ < text_.size() && (text_[pos_] == '\n' || text_[pos_] == '\r')) ConsumeLineBreak();
        if (pos_ >= text_.size()) return false;
        record_line_ = line_;
        std::string field;
        while (true) {
            field.clear();
            if (pos_ < text_.size() && text_[pos_] == '"') {
                const int quote_line = line_;
                ++pos_;
                while (true) {
                    if (pos_ >= text_.size()) {
                        return MakeError(ErrorCode::kDataLoss,
                                         Located(source_, quote_line, "quoted field is never closed"));
                    }
                    const char c = text_[pos_];
                    if (c == '"') {
                        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
                            field.push_back('"');
                            pos_ += 2;
                            continue;
                        }
                        ++pos_;
                        break;
                    }
                    if (c == '\n') ++line_;
                    field.push_back(c);
                    ++pos_;
                }
                if (pos_ < text_.size() && !IsDelimiter(text_[pos_])) {
                    return MakeError(ErrorCode::kDataLoss,
                                     Located(source_, line_, "unexpected character after a closing quote"));
                }
            } else {
                while (pos_ < text_.size() && !IsDelimiter(text_[pos_])) {
                    if (text_[pos_] == '"') {
                        return MakeError(ErrorCode::kDataLoss,
                                         Located(source_, line_, "quote inside an unquoted field"));
                    }
                    field.push_back(text_[pos_]);
                    ++pos_;
                }
            }
            fields.push_back(field);
            if (pos_ >= text_.size()) return true;
            if (text_[pos_] == ',') {
                ++pos_;
                continue;
            }
            ConsumeLineBreak();
            return true;
        }
    }

    int record_line() const { return record_line_; }
    std::string At(std::string_view message) const { return Located(source_, record_line_, message); }

private:
    static bool IsDelimiter(char c) { return c == ',' || c == '\n' || c == '\r'; }

    void ConsumeLineBreak() {
        if (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
        ++pos_;
        ++line_;
    }

    std::string_view text_;
    std::string_view source_;
    std::size_t pos_ = 0;
    int line_ = 1;
    int record_line_ = 0;
};

bool IsValidUtf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            // Control characters other than tab and line breaks (legal inside quotes) mean a binary or broken file.
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
            ++i;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > s.size()) return false;
        for (std::size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        const bool overlong = (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
        if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += len;
    }
    return true;
}

std::string Join(const std::vector<std::string>& fields) {
    std::string out;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) out.push_back(',');
        out += fields[i];
    }
    return out;
}

Status ExpectHeader(CsvReader& reader, std::string_view source, const std::vector<std::string>& expected) {
    std::vector<std::string> fields;
    auto more = reader.Next(fields);
    if (!more) return std::unexpected(more.error());
    if (!*more) {
        return MakeError(ErrorCode::kDataLoss, Located(source, 1, "empty file, expected header " + Join(expected)));
    }
    if (fields != expected) {
        std::string got = Join(fields);
        if (got.size() > 80) got = got.substr(0, 80) + "…";
        return MakeError(ErrorCode::kDataLoss, reader.At("expected header " + Join(expected) + ", got '" + got + "'"));
    }
    return {};
}

std::optional<std::int64_t> ParseInt64(std::string_view s) {
    if (s.empty()) return std::nullopt;
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return v;
}

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
char AsciiUpper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

// Case-insensitive for ASCII only; bytes of multi-byte UTF-8 sequences compare exactly, which is right for
// Hangul (it has no case).
std::size_t IFind(std::string_view haystack, std::string_view needle) {
    if (needle.size() > haystack.size()) return std::string_view::npos;
    for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
        std::size_t k = 0;
        while (k < needle.size() && AsciiLower(haystack[i + k]) == AsciiLower(needle[k])) ++k;
        if (k == needle.size()) return i;
    }
    return std::string_view::npos;
}

bool IEquals(std::string_view a, std::string_view b) { return a.size() == b.size() && IFind(a, b) == 0; }

std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

Result<std::vector<StockInfo>> ParseListing(std::string_view text, std::string_view source) {
    static const std::vector<std::string> kHeader = {"code", "name_ko", "name_en", "market", "sector"};
    CsvReader reader(text, source);
    if (auto ok = ExpectHeader(reader, source, kHeader); !ok) return std::unexpected(ok.error());

    std::vector<StockInfo> stocks;
    std::unordered_map<std::string, int> line_of_code;
    std::vector<std::string> f;
    while (true) {
        auto more = reader.Next(f);
        if (!more) return std::unexpected(more.error());
        if (!*more) break;
        if (f.size() != kHeader.size()) {
            return MakeError(
                ErrorCode::kDataLoss,
                reader.At("expected 5 columns (code,name_ko,name_en,market,sector), got " + std::to_string(f.size())));
        }
        for (const auto& field : f) {
            if (!IsValidUtf8(field)) {
                return MakeError(ErrorCode::kDataLoss,
                                 reader.At("text is not valid UTF-8 or holds control characters"));
            }
        }
        if (!IsValidCode(f[0])) {
            return MakeError(ErrorCode::kDataLoss,
                             reader.At("invalid code '" + f[0] + "' (expected 6 characters of 0-9 and A-Z)"));
        }
        if (f[1].empty()) return MakeError(ErrorCode::kDataLoss, reader.At("empty Korean name for code " + f[0]));
        auto market = ParseExchange(f[3]);
        if (!market) return MakeError(ErrorCode::kDataLoss, reader.At(market.error().message));
        if (auto [it, inserted] = line_of_code.emplace(f[0], reader.record_line()); !inserted) {
            return MakeError(ErrorCode::kDataLoss, reader.At("duplicate code " + f[0] + " (first on line " +
                                                             std::to_string(it->second) + ")"));
        }
        stocks.push_back(StockInfo{std::move(f[0]), std::move(f[1]), std::move(f[2]), *market, std::move(f[4]), 0});
    }
    return stocks;
}

Result<std::vector<StockInfo>> LoadListing(const std::string& path) {
    auto text = ReadWholeFile(path);
    if (!text) return std::unexpected(text.error());
    return ParseListing(*text, path);
}

Result<std::vector<DailyBar>> ParseDailyCsv(std::string_view text, std::string_view source) {
    static const std::vector<std::string> kHeader = {"date", "open", "high", "low", "close", "volume"};
    CsvReader reader(text, source);
    if (auto ok = ExpectHeader(reader, source, kHeader); !ok) return std::unexpected(ok.error());

    std::vector<DailyBar> bars;
    std::vector<std::string> f;
    while (true) {
        auto more = reader.Next(f);
        if (!more) return std::unexpected(more.error());
        if (!*more) break;
        if (f.size() != kHeader.size()) {
            return MakeError(
                ErrorCode::kDataLoss,
                reader.At("expected 6 columns (date,open,high,low,close,volume), got " + std::to_string(f.size())));
        }
        DailyBar bar;
        auto date = ParseDate(f[0]);
        if (!date) return MakeError(ErrorCode::kDataLoss, reader.At(date.error().message));
        bar.date = *date;
        std::int64_t values[5] = {};
        for (int i = 0; i < 5; ++i) {
            auto v = ParseInt64(f[static_cast<std::size_t>(i) + 1]);
            if (!v) {
                return MakeError(ErrorCode::kDataLoss,
                                 reader.At("column " + kHeader[static_cast<std::size_t>(i) + 1] +
                                           ": expected an integer, got '" + f[static_cast<std::size_t>(i) + 1] + "'"));
            }
            values[i] = *v;
        }
        bar.open = values[0];
        bar.high = values[1];
        bar.low = values[2];
        bar.close = values[3];
        bar.volume = values[4];
        if (bar.open <= 0 || bar.high <= 0 || bar.low <= 0 || bar.close <= 0 || bar.volume < 0) {
            return MakeError(ErrorCode::kDataLoss, reader.At("prices must be positive and volume non-negative"));
        }
        if (bar.low > std::min(bar.open, bar.close) || bar.high < std::max(bar.open, bar.close)) {
            return MakeError(ErrorCode::kDataLoss, reader.At("inconsistent OHLC: need low <= open, close <= high"));
        }
        if (!bars.empty() && bar.date <= bars.back().date) {
            return MakeError(ErrorCode::kDataLoss, reader.At("date " + f[0] + " does not follow " +
                                                             FormatDate(bars.back().date) + " (dates must increase)"));
        }
        bars.push_back(bar);
    }
    return bars;
}

Result<std::vector<DailyBar>> LoadDailyCsv(const std::string& path) {
    auto text = ReadWholeFile(path);
    if (!text) return std::unexpected(text.error());
    return ParseDailyCsv(*text, path);
}

Result<HistoryStats> ComputeHistoryStats(const std::vector<DailyBar>& bars, std::size_t window) {
    const std::size_t n = std::min(window, bars.size());
    if (n < 3) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "history statistics need at least 3 daily bars in the window, got " + std::to_string(n));
    }
    const std::size_t first = bars.size() - n;
    // Two passes (mean, then squared deviations) keep the variance accurate without a running formula.
    std::vector<double> returns;
    returns.reserve(n - 1);
    for (std::size_t i = first + 1; i < bars.size(); ++i) {
        returns.push_back(std::log(static_cast<double>(bars[i].close) / static_cast<double>(bars[i - 1].close)));
    }
    double mean = 0.0;
    for (double r : returns) mean += r;
    mean /= static_cast<double>(returns.size());
    double ss = 0.0;
    for (double r : returns) ss += (r - mean) * (r - mean);

    // Sum of quotients plus the mean of remainders: exact, and cannot overflow whatever the volumes.
    const auto count = static_cast<Qty>(n);
    Qty quotient_sum = 0;
    Qty remainder_sum = 0;
    for (std::size_t i = first; i < bars.size(); ++i) {
        quotient_sum += bars[i].volume / count;
        remainder_sum += bars[i].volume % count;
    }

    HistoryStats stats;
    stats.last_date = bars.back().date;
    stats.last_close = bars.back().close;
    stats.daily_volatility = std::sqrt(ss / static_cast<double>(returns.size() - 1));
    stats.mean_daily_volume = quotient_sum + remainder_sum / count;
    stats.days_used = n;
    return stats;
}

std::vector<const StockInfo*> Search(const std::vector<StockInfo>& stocks, std::string_view q, std::size_t limit) {
    q = Trim(q);
    if (q.empty() || limit == 0) return {};
    std::string code_q(q);
    std::transform(code_q.begin(), code_q.end(), code_q.begin(), AsciiUpper);

    enum Rank : int { kExactCode, kExactName, kCodePrefix, kNamePrefix, kNameSubstring };
    std::vector<std::pair<int, const StockInfo*>> hits;
    for (const auto& s : stocks) {
        int rank;
        if (s.code == code_q) {
            rank = kExactCode;
        } else if (IEquals(s.name_ko, q) || IEquals(s.name_en, q)) {
            rank = kExactName;
        } else if (s.code.starts_with(code_q)) {
            rank = kCodePrefix;
        } else {
            const std::size_t ko = IFind(s.name_ko, q);
            const std::size_t en = IFind(s.name_en, q);
            if (ko == 0 || en == 0) {
                rank = kNamePrefix;
            } else if (ko != std::string_view::npos || en != std::string_view::npos) {
                rank = kNameSubstring;
            } else {
                continue;
            }
        }
        hits.emplace_back(rank, &s);
    }
    std::stable_sort(hits.begin(), hits.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<const StockInfo*> out;
    out.reserve(std::min(limit, hits.size()));
    for (std::size_t i = 0; i < hits.size() && i < limit; ++i) out.push_back(hits[i].second);
    return out;
}

}  // namespace ik::market
