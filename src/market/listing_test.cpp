#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "market/listing.hpp"
#include "market/simulator.hpp"
#include "market/symbols.hpp"

#ifndef IK_SHARED_DATA_DIR
#error "IK_SHARED_DATA_DIR must name the shared data directory (set in src/market/CMakeLists.txt)"
#endif

namespace ik::market {
namespace {

const std::string kDataDir = IK_SHARED_DATA_DIR;

// A file in the temp directory holding the given bytes, removed when the test ends.
class TempFile final {
public:
    explicit TempFile(const std::string& content) {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        path_ = (std::filesystem::temp_directory_path() / ("ik_market_" + std::to_string(::getpid()) + "_" +
                                                           info->name() + "_" + std::to_string(counter_++) + ".csv"))
                    .string();
        std::ofstream out(path_, std::ios::binary);
        out << content;
    }
    ~TempFile() {
        std::error_code ec;
        std::filesystem::remove(path_, ec);
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    const std::string& path() const { return path_; }

private:
    static inline int counter_ = 0;
    std::string path_;
};

const StockInfo* FindCode(const std::vector<StockInfo>& stocks, std::string_view code) {
    for (const auto& s : stocks) {
        if (s.code == code) return &s;
    }
    return nullptr;
}

bool Contains(const std::vector<const StockInfo*>& hits, std::string_view code) {
    return std::any_of(hits.begin(), hits.end(), [&](const StockInfo* s) { return s->code == code; });
}

// Loads a listing from CSV text written to a temp file and expects a kDataLoss error that names the file and
// the given line.
void ExpectListingErrorAt(const std::string& csv, int line, std::string_view detail) {
    TempFile f(csv);
    auto r = LoadListing(f.path());
    ASSERT_FALSE(r.has_value()) << "loaded " << r->size() << " rows from:\n" << csv;
    EXPECT_EQ(r.error().code, ErrorCode::kDataLoss);
    EXPECT_NE(r.error().message.find(f.path() + ":" + std::to_string(line) + ":"), std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find(detail), std::string::npos) << r.error().message;
}

void ExpectDailyErrorAt(const std::string& csv, int line, std::string_view detail) {
    TempFile f(csv);
    auto r = LoadDailyCsv(f.path());
    ASSERT_FALSE(r.has_value()) << "loaded " << r->size() << " rows from:\n" << csv;
    EXPECT_EQ(r.error().code, ErrorCode::kDataLoss);
    EXPECT_NE(r.error().message.find(f.path() + ":" + std::to_string(line) + ":"), std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find(detail), std::string::npos) << r.error().message;
}

const std::string kHeader = "code,name_ko,name_en,market,sector\n";

// ---- The real stock master ----

TEST(ListingTest, SharedDataDirectoryIsPresent) {
    // Fails rather than skips: CI has ../shared, and a missing directory must not pass silently.
    ASSERT_TRUE(std::filesystem::is_directory(kDataDir)) << kDataDir << " is missing";
    ASSERT_TRUE(std::filesystem::is_regular_file(kDataDir + "/krx-listing.csv"));
}

TEST(ListingTest, LoadsTheRealListingOfAll2879Stocks) {
    auto r = LoadListing(kDataDir + "/krx-listing.csv");
    ASSERT_TRUE(r.has_value()) << r.error().message;
    const auto& stocks = *r;
    EXPECT_EQ(stocks.size(), 2'879u);

    const StockInfo* samsung = FindCode(stocks, "005930");
    ASSERT_NE(samsung, nullptr);
    EXPECT_EQ(samsung->name_ko, "삼성전자");
    EXPECT_EQ(samsung->name_en, "SAMSUNG ELECTRONICS CO,.LTD");  // quoted in the file: it holds a comma
    EXPECT_EQ(samsung->market, Exchange::kKospi);
    EXPECT_EQ(samsung->sector, "통신 및 방송 장비 제조업");
    EXPECT_EQ(samsung->previous_close, 0);

    const StockInfo* kakao = FindCode(stocks, "035720");
    ASSERT_NE(kakao, nullptr);
    EXPECT_EQ(kakao->sector, "자료처리, 호스팅, 포털 및 기타 인터넷 정보매개 서비스업");
    ASSERT_NE(FindCode(stocks, "000020"), nullptr);
    EXPECT_EQ(FindCode(stocks, "000020")->name_en, "DONGWHA PHARM.CO.,LTD");

    // Facts stated in shared/data/SOURCES.md.
    const auto count = [&](auto pred) { return std::count_if(stocks.begin(), stocks.end(), pred); };
    EXPECT_EQ(count([](const StockInfo& s) { return s.market == Exchange::kKonex; }), 110);
    EXPECT_EQ(count([](const StockInfo& s) { return s.name_en.empty(); }), 113);
    EXPECT_EQ(count([](const StockInfo& s) {
                  return std::any_of(s.code.begin(), s.code.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
              }),
              60);
    EXPECT_TRUE(std::is_sorted(stocks.begin(), stocks.end(),
                               [](const StockInfo& a, const StockInfo& b) { return a.code < b.code; }));
}

TEST(ListingTest, DefaultUniverseAgreesWithTheListing) {
    auto r = LoadListing(kDataDir + "/krx-listing.csv");
    ASSERT_TRUE(r.has_value()) << r.error().message;
    for (const auto& d : DefaultUniverse()) {
        const StockInfo* s = FindCode(*r, d.code);
        ASSERT_NE(s, nullptr) << d.code;
        EXPECT_EQ(s->name_ko, d.name_ko);
        EXPECT_EQ(s->sector, d.sector);
        EXPECT_EQ(s->market, d.market);
    }
}

TEST(SearchTest, FindsSamsungElectronicsByNameCodeAndEnglishName) {
    auto r = LoadListing(kDataDir + "/krx-listing.csv");
    ASSERT_TRUE(r.has_value()) << r.error().message;

    auto by_name = Search(*r, "삼성전자", 10);
    ASSERT_FALSE(by_name.empty());
    EXPECT_EQ(by_name[0]->code, "005930");  // the exact name before 삼성전자우
    EXPECT_TRUE(Contains(by_name, "005935"));

    auto by_code = Search(*r, "005930", 10);
    ASSERT_FALSE(by_code.empty());
    EXPECT_EQ(by_code[0]->code, "005930");

    auto by_english = Search(*r, "samsung", 50);
    EXPECT_TRUE(Contains(by_english, "005930"));
    EXPECT_EQ(by_english.size(), 21u);  // every English name containing "samsung", any case
    auto by_english_words = Search(*r, "  Samsung Electronics ", 10);
    ASSERT_FALSE(by_english_words.empty());
    EXPECT_EQ(by_english_words[0]->code, "005930");
}

TEST(SearchTest, RanksExactCodeFirstThenCodePrefixes) {
    auto r = LoadListing(kDataDir + "/krx-listing.csv");
    ASSERT_TRUE(r.has_value()) << r.error().message;
    auto hits = Search(*r, "0059", 10);
    ASSERT_GE(hits.size(), 2u);
    for (const auto* h : hits) EXPECT_TRUE(h->code.starts_with("0059")) << h->code;
    EXPECT_TRUE(Contains(hits, "005930"));
    EXPECT_TRUE(Contains(hits, "005935"));

    // Alphanumeric codes match whatever case is typed.
    auto alnum = Search(*r, "0126z0", 5);
    ASSERT_FALSE(alnum.empty());
    EXPECT_EQ(alnum[0]->code, "0126Z0");
}

TEST(SearchTest, RespectsTheLimitAndMatchesNothingForEmptyOrUnknownQueries) {
    const std::vector<StockInfo> stocks = DefaultUniverse();
    EXPECT_TRUE(Search(stocks, "", 10).empty());
    EXPECT_TRUE(Search(stocks, "   ", 10).empty());
    EXPECT_TRUE(Search(stocks, "없는종목", 10).empty());
    EXPECT_EQ(Search(stocks, "0", 2).size(), 2u);
    EXPECT_TRUE(Search(stocks, "0", 0).empty());
    // "sk" is in SK하이닉스 (Korean name, ASCII letters) and in "SK hynix": one hit, not two.
    auto sk = Search(stocks, "sk", 10);
    ASSERT_EQ(sk.size(), 1u);
    EXPECT_EQ(sk[0]->code, "000660");
    // A substring in the middle of an English name matches whatever the case: "motor" is in "Hyundai Motor".
    auto motor = Search(stocks, "MOTOR", 10);
    ASSERT_EQ(motor.size(), 1u);
    EXPECT_EQ(motor[0]->code, "005380");
    // Exact Korean name beats a code prefix.
    std::vector<StockInfo> tricky = stocks;
    tricky.push_back(StockInfo{"123456", "0", "", Exchange::kKosdaq, "", 0});
    auto zero = Search(tricky, "0", 10);
    ASSERT_FALSE(zero.empty());
    EXPECT_EQ(zero[0]->code, "123456");
}

// ---- Malformed stock masters ----

TEST(ListingTest, ParsesRfc4180QuotingCrlfAndABom) {
    const std::string csv =
        "\xEF\xBB\xBF"
        "code,name_ko,name_en,market,sector\r\n"
        "000001,가나,\"Say \"\"Hi\"\", Inc.\",KOSDAQ,\"a, b\"\r\n"
        "000002,다라,\"multi\nline\",KONEX,\r\n"
        "\r\n"
        "00000A,마바,,KOSPI,\"\"\r\n";
    TempFile f(csv);
    auto r = LoadListing(f.path());
    ASSERT_TRUE(r.has_value()) << r.error().message;
    ASSERT_EQ(r->size(), 3u);
    EXPECT_EQ((*r)[0].name_en, "Say \"Hi\", Inc.");
    EXPECT_EQ((*r)[0].sector, "a, b");
    EXPECT_EQ((*r)[0].market, Exchange::kKosdaq);
    EXPECT_EQ((*r)[1].market, Exchange::kKonex);
    EXPECT_EQ((*r)[2].code, "00000A");
    EXPECT_EQ((*r)[2].name_en, "");
}

TEST(ListingTest, WrongColumnCountNamesFileAndLine) {
    ExpectListingErrorAt(kHeader + "000001,가,A,KOSPI,x\n000002,나,B,KOSPI\n", 3, "expected 5 columns");
    ExpectListingErrorAt(kHeader + "000001,가,A,KOSPI,x,extra\n", 2, "got 6");
}

TEST(ListingTest, BrokenQuotingNamesTheLine) {
    ExpectListingErrorAt(kHeader + "000001,가,\"never closed,KOSPI,x\n000002,나,B,KOSPI,y\n", 2, "never closed");
    ExpectListingErrorAt(kHeader + "000001,가,A,KOSPI,x\n000002,나,B,KOSPI,y\n000003,다,C \"Q\",KOSPI,z\n", 4,
                         "quote inside an unquoted field");
    ExpectListingErrorAt(kHeader + "000001,가,\"A\"B,KOSPI,x\n", 2, "after a closing quote");
}

TEST(ListingTest, LineNumbersCountLineBreaksInsideQuotes) {
    // Record 1 spans lines 2–4; the bad record starts on line 5.
    ExpectListingErrorAt(kHeader + "000001,가,\"one\ntwo\nthree\",KOSPI,x\n12345,나,B,KOSPI,y\n", 5, "invalid code");
}

TEST(ListingTest, InvalidFieldsAreErrorsWithLineNumbers) {
    ExpectListingErrorAt(kHeader + "5930,삼성,S,KOSPI,x\n", 2, "invalid code '5930'");
    ExpectListingErrorAt(kHeader + "000001,가,A,KOSPI,x\n000002,나,B,NYSE,y\n", 3, "NYSE");
    ExpectListingErrorAt(kHeader + "000001,,A,KOSPI,x\n", 2, "empty Korean name");
    ExpectListingErrorAt(kHeader + "000001,가,A,KOSPI,x\n000002,나,B,KOSPI,y\n000001,다,C,KOSPI,z\n", 4,
                         "duplicate code 000001 (first on line 2)");
    ExpectListingErrorAt(kHeader + "000001,\xC0\xAF,A,KOSPI,x\n", 2, "UTF-8");
}

TEST(ListingTest, HeaderProblemsAreErrors) {
    ExpectListingErrorAt("", 1, "empty file");
    ExpectListingErrorAt("\n\n", 1, "empty file");
    ExpectListingErrorAt("code,name,market\n000001,가,KOSPI\n", 1, "expected header");
    ExpectListingErrorAt("000001,가,A,KOSPI,x\n", 1, "expected header");
}

TEST(ListingTest, BinaryGarbageIsAnErrorNotACrash) {
    std::string junk = kHeader;
    for (int i = 0; i < 4096; ++i) junk.push_back(static_cast<char>((i * 131 + 7) % 256));
    TempFile f(junk);
    auto r = LoadListing(f.path());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kDataLoss);
    EXPECT_NE(r.error().message.find(f.path() + ":"), std::string::npos);
}

TEST(ListingTest, MissingFileOrDirectoryIsAClearError) {
    auto missing = LoadListing("/nonexistent/krx-listing.csv");
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
    EXPECT_NE(missing.error().message.find("/nonexistent/krx-listing.csv"), std::string::npos);
    auto dir = LoadListing(std::filesystem::temp_directory_path().string());
    ASSERT_FALSE(dir.has_value());
    EXPECT_EQ(dir.error().code, ErrorCode::kInvalidArgument);
}

// ---- Daily history ----

const std::vector<std::string> kFiveCodes = {"000660", "005380", "005490", "005930", "035720"};

TEST(DailyTest, LoadsTheRealHistoryOfSamsungElectronics) {
    auto r = LoadDailyCsv(kDataDir + "/daily/005930.csv");
    ASSERT_TRUE(r.has_value()) << r.error().message;
    ASSERT_EQ(r->size(), 5'565u);
    EXPECT_EQ(r->front(), (DailyBar{{2004, 1, 2}, 9'020, 9'060, 8'930, 8'980, 18'944'900}));
    EXPECT_EQ(r->back(), (DailyBar{{2026, 7, 24}, 266'000, 266'500, 247'000, 249'500, 28'961'168}));
}

TEST(DailyTest, LastClosesMatchTheCompiledInDefaults) {
    for (const auto& d : DefaultUniverse()) {
        auto bars = LoadDailyCsv(kDataDir + "/daily/" + d.code + ".csv");
        ASSERT_TRUE(bars.has_value()) << bars.error().message;
        auto stats = ComputeHistoryStats(*bars);
        ASSERT_TRUE(stats.has_value()) << stats.error().message;
        EXPECT_EQ(stats->last_date, (Date{2026, 7, 24})) << d.code;
        EXPECT_EQ(stats->last_close, d.previous_close) << d.code;
        EXPECT_EQ(stats->days_used, kDefaultStatsWindow);
        // The simulator's compiled-in parameters were measured from this data; they must stay close to it.
        const SimSymbolParams p = DefaultSimParams(d.code);
        EXPECT_NEAR(p.daily_volatility, stats->daily_volatility, 0.001) << d.code;
        EXPECT_NEAR(static_cast<double>(p.mean_daily_volume), static_cast<double>(stats->mean_daily_volume),
                    0.01 * static_cast<double>(stats->mean_daily_volume))
            << d.code;
        // And they look like real stocks: 1–10 % a day, some trading.
        EXPECT_GT(stats->daily_volatility, 0.01);
        EXPECT_LT(stats->daily_volatility, 0.10);
        EXPECT_GT(stats->mean_daily_volume, 100'000);
    }
}

TEST(DailyTest, HistoryStatsMatchAHandComputation) {
    const std::vector<DailyBar> bars = {
        {{2026, 1, 2}, 50, 60, 40, 50, 999},  // outside the window of 3
        {{2026, 1, 5}, 100, 100, 100, 100, 10},
        {{2026, 1, 6}, 110, 110, 110, 110, 20},
        {{2026, 1, 7}, 99, 99, 99, 99, 33},
    };
    auto stats = ComputeHistoryStats(bars, 3);
    ASSERT_TRUE(stats.has_value()) << stats.error().message;
    // Returns ln(1.1) = 0.0953102 and ln(0.9) = -0.1053605; mean -0.0050252; sample sd = 0.1418951.
    EXPECT_NEAR(stats->daily_volatility, 0.1418951, 1e-6);
    EXPECT_EQ(stats->mean_daily_volume, 21);  // (10 + 20 + 33) / 3
    EXPECT_EQ(stats->last_close, 99);
    EXPECT_EQ(stats->days_used, 3u);
    EXPECT_FALSE(ComputeHistoryStats({bars[0], bars[1]}).has_value());
    EXPECT_FALSE(ComputeHistoryStats(bars, 2).has_value());
}

TEST(DailyTest, MalformedDailyRowsGiveErrorsWithLineNumbers) {
    const std::string h = "date,open,high,low,close,volume\n";
    const std::string ok = "2026-07-23,100,110,90,105,1000\n";
    ExpectDailyErrorAt(h + ok + "2026-07-24,100,1l0,90,105,1000\n", 3, "column high");
    ExpectDailyErrorAt(h + ok + "2026-07-24,100,110,90,105\n", 3, "expected 6 columns");
    ExpectDailyErrorAt(h + ok + "2026-07-23,100,110,90,105,1000\n", 3, "dates must increase");
    ExpectDailyErrorAt(h + ok + "2026-07-32,100,110,90,105,1000\n", 3, "YYYY-MM-DD");
    ExpectDailyErrorAt(h + ok + "2026-07-24,100,110,90,120,1000\n", 3, "inconsistent OHLC");
    ExpectDailyErrorAt(h + ok + "2026-07-24,100,110,90,105,-1\n", 3, "volume non-negative");
    ExpectDailyErrorAt(h + "2026-07-24,0,0,0,0,0\n", 2, "prices must be positive");
    ExpectDailyErrorAt(h + "2026-07-24,100,110,90,105,99999999999999999999\n", 2, "expected an integer");
    ExpectDailyErrorAt("date,open,high,low,close\n", 1, "expected header");
}

TEST(DailyTest, AllFiveHistoriesLoad) {
    for (const auto& code : kFiveCodes) {
        auto bars = LoadDailyCsv(kDataDir + "/daily/" + code + ".csv");
        ASSERT_TRUE(bars.has_value()) << bars.error().message;
        EXPECT_GT(bars->size(), 2'800u) << code;
    }
}

}  // namespace
}  // namespace ik::market
