#include "app/alert_evaluator.hpp"

#include "alerts/message.hpp"
#include "common/log.hpp"

namespace ik::app {

namespace {

std::int64_t DayOf(Timestamp ts) { return DaysFromCivil(ToKst(ts).date); }

// The rule an armed stored alert stands for; nullopt for any other status.
std::optional<alerts::Rule> ArmedRule(const storage::AlertRecord& a) {
    if (a.status != "armed") return std::nullopt;
    return a.rule;
}

}  // namespace

AlertEvaluator::AlertEvaluator(storage::AlertStore& store, const market::Universe& universe, const Clock& clock,
                               Published published, std::chrono::milliseconds mark_interval)
    : store_(store),
      universe_(universe),
      clock_(clock),
      published_(std::move(published)),
      mark_interval_(mark_interval) {}

AlertEvaluator::~AlertEvaluator() { Stop(); }

Status AlertEvaluator::Start(bool replay_stored_ticks) {
    auto log = GetLogger("alerts");
    auto marks = store_.LoadAlertMarks();
    if (!marks) return std::unexpected(marks.error());
    // Previous closes first (the change rules' levels need them), then the marked state over them.
    for (market::SymbolId id = 0; id < universe_.size(); ++id) {
        index_.SetPreviousClose(id, universe_.Get(id).previous_close);
    }
    for (const storage::AlertMark& m : *marks) {
        index_.Restore(m.symbol, alerts::AlertIndex::StockState{m.price, m.previous_close, m.day_volume});
        day_[m.symbol] = DayOf(m.ts);
        last_ts_[m.symbol] = m.ts;
    }
    auto armed = store_.LoadArmedAlerts();
    if (!armed) return std::unexpected(armed.error());
    for (const storage::AlertRecord& a : *armed) Apply(Change{0, ArmedRule(a), a.language});
    log->info("event=alerts_loaded rules={} marks={}", index_.size(), marks->size());
    if (replay_stored_ticks) {
        if (auto ok = Replay(); !ok) return ok;
    }
    rules_ = index_.size();
    thread_ = std::thread([this] { Run(); });
    return {};
}

Status AlertEvaluator::Replay() {
    auto marks = store_.LoadAlertMarks();
    if (!marks) return std::unexpected(marks.error());
    constexpr std::size_t kBatch = 10'000;
    std::uint64_t replayed = 0;
    std::uint64_t stored = 0;
    for (const storage::AlertMark& m : *marks) {
        Timestamp after = m.ts;
        for (;;) {
            auto ticks = store_.TicksAfter(m.symbol, after, kBatch);
            if (!ticks) return std::unexpected(ticks.error());
            if (ticks->empty()) break;
            std::vector<storage::FiringRecord> firings;
            Evaluate(*ticks, firings);
            std::vector<storage::AlertMark> mark;
            if (auto it = marks_.find(m.symbol); it != marks_.end()) mark.push_back(it->second);
            auto notes = store_.RecordFirings(firings, mark, clock_.Now());
            if (!notes) return std::unexpected(notes.error());
            marks_.clear();
            replayed += ticks->size();
            stored += notes->size();
            notifications_ += notes->size();
            if (!notes->empty() && published_) published_(*notes);
            after = ticks->back().ts;
            if (ticks->size() < kBatch) break;
        }
    }
    if (replayed > 0) {
        GetLogger("alerts")->warn("event=alerts_replayed ticks={} notifications={}", replayed, stored);
    }
    return {};
}

void AlertEvaluator::Stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    done_cv_.notify_all();
}

void AlertEvaluator::OnTicks(std::span<const market::Tick> ticks) {
    if (ticks.empty()) return;
    {
        std::lock_guard lock(mutex_);
        queue_.emplace_back(std::vector<market::Tick>(ticks.begin(), ticks.end()));
        ++submitted_;
    }
    cv_.notify_one();
}

void AlertEvaluator::Upsert(const storage::AlertRecord& alert) {
    {
        std::lock_guard lock(mutex_);
        queue_.emplace_back(Change{alert.rule.id, ArmedRule(alert), alert.language});
        ++submitted_;
    }
    cv_.notify_one();
}

void AlertEvaluator::Reconcile(std::vector<storage::AlertRecord> armed) {
    {
        std::lock_guard lock(mutex_);
        queue_.emplace_back(std::move(armed));
        ++submitted_;
    }
    cv_.notify_one();
}

void AlertEvaluator::Remove(alerts::AlertId id) {
    {
        std::lock_guard lock(mutex_);
        queue_.emplace_back(Change{id, std::nullopt, {}});
        ++submitted_;
    }
    cv_.notify_one();
}

bool AlertEvaluator::Flush(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    const std::uint64_t target = submitted_;
    return done_cv_.wait_for(lock, timeout, [&] { return done_ >= target || stopping_; }) && done_ >= target;
}

AlertEvaluatorStats AlertEvaluator::stats() const {
    return AlertEvaluatorStats{ticks_.load(), notifications_.load(), commits_.load(), rules_.load()};
}

void AlertEvaluator::Apply(const Change& change) {
    const alerts::AlertId id = change.rule ? change.rule->id : change.remove;
    index_.Remove(id);
    languages_.erase(id);
    versions_.erase(id);
    if (!change.rule) return;
    const market::SymbolId symbol = change.rule->symbol;
    if (index_.State(symbol).previous_close <= 0 && symbol < universe_.size()) {
        index_.SetPreviousClose(symbol, universe_.Get(symbol).previous_close);  // listed since the start
    }
    if (auto ok = index_.Add(*change.rule); !ok) {
        GetLogger("alerts")->warn("event=alert_not_indexed id={} error=\"{}\"", id, ok.error().message);
        return;
    }
    if (change.language == "en") languages_[id] = alerts::Language::kEnglish;
    versions_[id] = change.rule->version;
}

void AlertEvaluator::ApplyArmed(const std::vector<storage::AlertRecord>& armed) {
    std::unordered_map<alerts::AlertId, const storage::AlertRecord*> stored;
    for (const auto& a : armed) stored.emplace(a.rule.id, &a);
    std::vector<alerts::AlertId> gone;
    for (const auto& [id, version] : versions_) {
        if (!stored.contains(id)) gone.push_back(id);
    }
    for (alerts::AlertId id : gone) Apply(Change{id, std::nullopt, {}});
    std::size_t taken = 0;
    for (const auto& a : armed) {
        auto it = versions_.find(a.rule.id);
        if (it != versions_.end() && it->second == a.rule.version) continue;
        Apply(Change{0, ArmedRule(a), a.language});
        ++taken;
    }
    if (!gone.empty() || taken > 0) {
        GetLogger("alerts")->warn("event=alerts_reconciled dropped={} taken={}", gone.size(), taken);
    }
}

void AlertEvaluator::Evaluate(std::span<const market::Tick> ticks, std::vector<storage::FiringRecord>& firings) {
    for (const market::Tick& t : ticks) {
        if (t.symbol >= alerts::AlertIndex::kMaxStocks || t.price <= 0) continue;
        // A tick at or before the last one evaluated for its stock was evaluated already (a redelivery).
        auto [last, fresh] = last_ts_.try_emplace(t.symbol, t.ts);
        if (!fresh) {
            if (t.ts <= last->second) continue;
            last->second = t.ts;
        }
        const std::int64_t day = DayOf(t.ts);
        auto [it, first] = day_.try_emplace(t.symbol, day);
        if (!first && day > it->second) {
            index_.StartDay(t.symbol, index_.State(t.symbol).last);
            it->second = day;
        }
        fired_.clear();
        index_.OnTick(t, fired_);
        const alerts::AlertIndex::StockState state = index_.State(t.symbol);
        for (const alerts::Firing& f : fired_) {
            const auto lang = languages_.find(f.id);
            const alerts::Language language = lang != languages_.end() ? lang->second : alerts::Language::kKorean;
            std::string name;
            if (f.symbol < universe_.size()) {
                const market::StockInfo& info = universe_.Get(f.symbol);
                name = language == alerts::Language::kEnglish && !info.name_en.empty() ? info.name_en : info.name_ko;
            }
            firings.push_back(storage::FiringRecord{f, alerts::AlertMessage(f, name, state.previous_close, language)});
        }
        marks_[t.symbol] = storage::AlertMark{t.symbol, t.ts, state.last, state.day_volume, state.previous_close};
        ++ticks_;
    }
}

bool AlertEvaluator::Store(std::vector<storage::FiringRecord>& firings) {
    std::vector<storage::AlertMark> marks;
    marks.reserve(marks_.size());
    for (const auto& [_, m] : marks_) marks.push_back(m);
    auto backoff = std::chrono::milliseconds(100);
    for (;;) {
        auto notes = store_.RecordFirings(firings, marks, clock_.Now());
        if (notes) {
            marks_.clear();
            marks_stored_ = std::chrono::steady_clock::now();
            ++commits_;
            notifications_ += notes->size();
            if (!notes->empty() && published_) published_(*notes);
            return true;
        }
        GetLogger("alerts")->error("event=alerts_store_failed error=\"{}\" retry_ms={}", notes.error().message,
                                   backoff.count());
        std::unique_lock lock(mutex_);
        if (cv_.wait_for(lock, backoff, [&] { return stopping_; })) return false;
        backoff = std::min(backoff * 2, std::chrono::milliseconds(5'000));
    }
}

void AlertEvaluator::Run() {
    std::vector<storage::FiringRecord> firings;
    for (;;) {
        std::deque<std::variant<std::vector<market::Tick>, Change, Armed>> work;
        std::uint64_t upto = 0;
        {
            std::unique_lock lock(mutex_);
            cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) {  // stopping with nothing left: the marks not stored yet go now
                lock.unlock();
                if (!marks_.empty()) {
                    firings.clear();
                    (void)Store(firings);
                }
                return;
            }
            work.swap(queue_);
            upto = submitted_;
        }
        firings.clear();
        bool ticked = false;
        for (const auto& item : work) {
            if (const auto* ticks = std::get_if<std::vector<market::Tick>>(&item)) {
                Evaluate(*ticks, firings);
                ticked = true;
            } else if (const auto* change = std::get_if<Change>(&item)) {
                Apply(*change);
            } else {
                ApplyArmed(std::get<Armed>(item));
            }
        }
        rules_ = index_.size();
        const bool marks_due = ticked && (mark_interval_.count() == 0 ||
                                          std::chrono::steady_clock::now() - marks_stored_ >= mark_interval_);
        if ((marks_due || !firings.empty()) && !Store(firings)) return;
        {
            std::lock_guard lock(mutex_);
            done_ = upto;
        }
        done_cv_.notify_all();
    }
}

void PushInApp(storage::AlertStore& store, gateway::StreamHub& streams,
               const std::vector<storage::NotificationRecord>& notes) {
    std::vector<gateway::PushedNotification> pushed;
    std::unordered_map<std::int64_t, std::int64_t> unread;  // per user, counted once per commit
    for (const storage::NotificationRecord& n : notes) {
        if ((n.channels & alerts::kInApp) == 0) continue;
        auto [it, first] = unread.try_emplace(n.user_id, 0);
        if (first) {
            auto count = store.UnreadNotifications(n.user_id);
            it->second = count ? *count : 0;
        }
        pushed.push_back(gateway::PushedNotification{n, it->second});
    }
    if (!pushed.empty()) streams.PublishNotifications(pushed);
}

}  // namespace ik::app
