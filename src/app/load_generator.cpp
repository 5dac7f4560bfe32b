#include "app/load_generator.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "common/log.hpp"
#include "market/rules.hpp"

namespace ik::app {

LoadGenerator::LoadGenerator(Pipeline& pipeline, std::vector<trading::AccountId> accounts,
                             std::vector<LoadTarget> targets, LoadOptions options)
    : pipeline_(pipeline),
      accounts_(std::move(accounts)),
      targets_(std::move(targets)),
      options_(std::move(options)),
      rng_(options_.seed * 0x9E3779B97F4A7C15ULL + 1) {}

LoadGenerator::~LoadGenerator() {
    Stop();
    if (ack_fd_ >= 0) ::close(ack_fd_);
}

Status LoadGenerator::Start() {
    if (options_.rate <= 0 || accounts_.empty() || targets_.empty()) return {};
    if (!options_.ack_log.empty()) {
        ack_fd_ = ::open(options_.ack_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (ack_fd_ < 0) {
            return MakeError(ErrorCode::kInvalidArgument,
                             "cannot open ack log " + options_.ack_log + ": " + std::strerror(errno));
        }
    }
    thread_ = std::thread([this] { Run(); });
    return {};
}

void LoadGenerator::Stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void LoadGenerator::Log(const std::string& line) {
    if (ack_fd_ < 0) return;
    // One write() per line with O_APPEND: a SIGKILL can lose only lines not yet written, never tear one.
    const ssize_t n = ::write(ack_fd_, line.data(), line.size());
    (void)n;
}

trading::Command LoadGenerator::NextCommand(Timestamp now) {
    auto next = [&] {
        rng_ ^= rng_ << 13;
        rng_ ^= rng_ >> 7;
        rng_ ^= rng_ << 17;
        return rng_;
    };
    const trading::AccountId account = accounts_[next() % accounts_.size()];
    const LoadTarget& target = targets_[next() % targets_.size()];
    const int roll = static_cast<int>(next() % 100);
    if (roll < 12) {
        std::lock_guard lock(mutex_);
        if (!open_ids_.empty()) {
            const std::size_t i = next() % open_ids_.size();
            const auto [owner, id] = open_ids_[i];
            open_ids_[i] = open_ids_.back();
            open_ids_.pop_back();
            return trading::CancelOrder{owner, id, now};
        }
    }
    trading::PlaceOrder p;
    p.account = account;
    p.symbol = target.symbol;
    p.side = roll < 60 ? trading::Side::kBuy : trading::Side::kSell;
    p.qty = 1 + static_cast<Qty>(next() % 5);
    p.ts = now;
    if (roll % 3 == 0) {
        p.type = trading::OrderType::kLimit;
        p.tif = trading::TimeInForce::kGtc;
        // Within ±3 % of the previous close, on the tick grid.
        const Won offset = static_cast<Won>(next() % 61) - 30;
        p.limit_price = market::FloorToTick(target.previous_close + target.previous_close * offset / 1000);
    } else {
        p.type = trading::OrderType::kMarket;
        p.tif = trading::TimeInForce::kDay;
    }
    return p;
}

void LoadGenerator::Run() {
    auto log = GetLogger("load");
    log->info("event=load_started rate={} accounts={} symbols={}", options_.rate, accounts_.size(), targets_.size());
    const auto start = std::chrono::steady_clock::now();
    std::uint64_t sent = 0;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            // Pace to the target rate; the wait is the generator's clock, not a readiness wait.
            cv_.wait_for(lock, std::chrono::milliseconds(5), [&] { return stopping_; });
            if (stopping_) break;
        }
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const auto due = static_cast<std::uint64_t>(elapsed * options_.rate);
        while (sent < due && in_flight_.load() < static_cast<std::int64_t>(options_.max_in_flight)) {
            ++sent;
            const Timestamp now = SystemClock{}.Now();
            trading::Command command = NextCommand(now);
            const bool is_cancel = std::holds_alternative<trading::CancelOrder>(command);
            const trading::OrderId cancel_id = is_cancel ? std::get<trading::CancelOrder>(command).order : 0;
            in_flight_.fetch_add(1);
            pipeline_.Submit(std::move(command), [this, is_cancel, cancel_id](const trading::CommandResult& r,
                                                                              const std::vector<trading::Event>& events) {
                in_flight_.fetch_sub(1);
                if (!r.ok()) {
                    refused_.fetch_add(1);
                    return;
                }
                acked_.fetch_add(1);
                if (is_cancel) {
                    Log("cancel " + std::to_string(cancel_id) + "\n");
                    return;
                }
                Log("order " + std::to_string(r.order) + "\n");
                bool open = false;
                trading::AccountId owner = 0;
                for (const auto& e : events) {
                    if (e.has_order && e.order.id == r.order) {
                        open = trading::IsOpen(e.order.status);
                        owner = e.order.account;
                    }
                }
                if (open) {
                    std::lock_guard lock(mutex_);
                    if (open_ids_.size() < 100'000) open_ids_.emplace_back(owner, r.order);
                }
            });
        }
        if (sent < due) sent = due;  // drop what could not be sent while saturated rather than bursting later
    }
    log->info("event=load_stopped sent={} acknowledged={} refused={}", sent, acked_.load(), refused_.load());
}

}  // namespace ik::app
