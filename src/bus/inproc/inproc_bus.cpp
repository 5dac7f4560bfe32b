#include "bus/inproc/inproc_bus.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "common/thread_name.hpp"

namespace ik::bus {

namespace {

using MemberId = std::uint64_t;

struct Topic {
    bool compacted = false;
    std::vector<std::vector<Message>> partitions;
};

struct Member {
    std::vector<std::string> topics;
};

struct Group {
    std::map<MemberId, Member> members;             // by join order (ids grow)
    std::map<TopicPartition, std::int64_t> committed;
    std::map<TopicPartition, MemberId> owner;        // who holds a partition now (absent: nobody)
};

}  // namespace

struct InProcBus::State {
    explicit State(const Clock& c) : clock(c) {}
    const Clock& clock;
    std::mutex mu;
    std::condition_variable changed;  // new messages, a partition let go, a member gone
    std::map<std::string, Topic, std::less<>> topics;
    std::map<std::string, Group, std::less<>> groups;
    MemberId next_member = 1;

    // The partitions `member` should own: the group's partitions (of every subscribed topic, sorted) dealt
    // round-robin to the members in join order.
    std::set<TopicPartition> TargetOf(const Group& g, MemberId member) const {
        std::set<std::string> names;
        for (const auto& [id, m] : g.members) names.insert(m.topics.begin(), m.topics.end());
        std::vector<TopicPartition> all;
        for (const auto& name : names) {
            auto t = topics.find(name);
            if (t == topics.end()) continue;
            for (std::int32_t p = 0; p < static_cast<std::int32_t>(t->second.partitions.size()); ++p) all.push_back({name, p});
        }
        std::set<TopicPartition> mine;
        std::size_t index = 0;
        for (const auto& [id, m] : g.members) {
            if (id == member) break;
            ++index;
        }
        for (std::size_t i = 0; i < all.size(); ++i) {
            if (i % g.members.size() == index) mine.insert(all[i]);
        }
        return mine;
    }
};

namespace {

class InProcProducer final : public Producer {
public:
    explicit InProcProducer(std::shared_ptr<InProcBus::State> s) : state_(std::move(s)) {
        worker_ = std::jthread([this](std::stop_token stop) { Run(stop); });
    }
    ~InProcProducer() override {
        worker_.request_stop();
        { std::lock_guard lock(mu_); }
        wake_.notify_all();
    }

    Result<Delivery> Send(std::string_view topic, std::string_view key, std::string_view value) override {
        auto& s = *state_;
        std::lock_guard lock(s.mu);
        auto t = s.topics.find(topic);
        if (t == s.topics.end()) return MakeError(ErrorCode::kNotFound, fmt::format("unknown topic '{}'", topic));
        const std::int32_t p = PartitionFor(key, static_cast<std::int32_t>(t->second.partitions.size()));
        auto& log = t->second.partitions[static_cast<std::size_t>(p)];
        Message m{{std::string(topic), p}, static_cast<std::int64_t>(log.size()), std::string(key), std::string(value),
                  s.clock.Now()};
        Delivery d{m.tp, m.offset};
        log.push_back(std::move(m));
        s.changed.notify_all();
        return d;
    }

    void SendAsync(std::string_view topic, std::string_view key, std::string_view value,
                   std::function<void(Result<Delivery>)> done) override {
        auto result = Send(topic, key, value);  // appended now, so order per key holds; reported on the worker
        std::lock_guard lock(mu_);
        pending_.emplace_back(std::move(result), std::move(done));
        wake_.notify_all();
    }

    Status Flush(std::chrono::milliseconds timeout) override {
        std::unique_lock lock(mu_);
        if (!idle_.wait_for(lock, timeout, [&] { return pending_.empty() && !running_; })) {
            return MakeError(ErrorCode::kUnavailable, "flush timed out");
        }
        return {};
    }

    Status Health() override { return {}; }

private:
    void Run(std::stop_token stop) {
        NameThisThread("ik-bus-producer");
        std::unique_lock lock(mu_);
        while (true) {
            wake_.wait(lock, [&] { return stop.stop_requested() || !pending_.empty(); });
            if (pending_.empty()) return;  // stopping with nothing left
            auto [result, done] = std::move(pending_.front());
            pending_.pop_front();
            running_ = true;
            lock.unlock();
            if (done) done(std::move(result));
            lock.lock();
            running_ = false;
            idle_.notify_all();
        }
    }

    std::shared_ptr<InProcBus::State> state_;
    std::mutex mu_;
    std::condition_variable wake_, idle_;
    std::deque<std::pair<Result<Delivery>, std::function<void(Result<Delivery>)>>> pending_;
    bool running_ = false;
    std::jthread worker_;
};

class InProcConsumer final : public Consumer {
public:
    InProcConsumer(std::shared_ptr<InProcBus::State> s, ConsumerOptions o, MemberId id)
        : state_(std::move(s)), options_(std::move(o)), id_(id) {}
    ~InProcConsumer() override { Close(); }

    Result<std::vector<Message>> Poll(std::chrono::milliseconds timeout, std::size_t max) override {
        auto& s = *state_;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::vector<Message> out;
        while (!closed_) {
            Rebalance();
            std::unique_lock lock(s.mu);
            for (auto& [tp, next] : positions_) {
                const auto& log = s.topics.at(tp.topic).partitions[static_cast<std::size_t>(tp.partition)];
                while (next < static_cast<std::int64_t>(log.size()) && out.size() < max) {
                    out.push_back(log[static_cast<std::size_t>(next++)]);
                }
            }
            if (!out.empty()) return out;
            if (s.changed.wait_until(lock, deadline) == std::cv_status::timeout) return out;
        }
        return out;
    }

    Status Commit(std::span<const TopicPartitionOffset> next) override {
        auto& s = *state_;
        std::lock_guard lock(s.mu);
        auto& g = s.groups[options_.group];
        for (const auto& c : next) {
            auto o = g.owner.find(c.tp);
            if (o == g.owner.end() || o->second != id_) {
                return MakeError(ErrorCode::kFailedPrecondition,
                                 fmt::format("{}[{}] is not assigned to this consumer", c.tp.topic, c.tp.partition));
            }
        }
        for (const auto& c : next) g.committed[c.tp] = c.offset;
        return {};
    }

    Result<std::optional<std::int64_t>> Committed(const TopicPartition& tp) override {
        auto& s = *state_;
        std::lock_guard lock(s.mu);
        const auto& g = s.groups[options_.group];
        auto c = g.committed.find(tp);
        if (c == g.committed.end()) return std::optional<std::int64_t>{};
        return std::optional<std::int64_t>{c->second};
    }

    std::vector<TopicPartition> Assignment() override {
        std::vector<TopicPartition> out;
        for (const auto& [tp, next] : positions_) out.push_back(tp);
        return out;
    }

    void Close() override {
        if (closed_) return;
        Release(Assignment());
        auto& s = *state_;
        std::lock_guard lock(s.mu);
        s.groups[options_.group].members.erase(id_);
        closed_ = true;
        s.changed.notify_all();
    }

private:
    // Lets go of the partitions that are no longer this member's and takes those that are and that nobody
    // holds any more (their former owner has let go).
    void Rebalance() {
        auto& s = *state_;
        std::set<TopicPartition> target;
        {
            std::lock_guard lock(s.mu);
            target = s.TargetOf(s.groups[options_.group], id_);
        }
        std::vector<TopicPartition> lost;
        for (const auto& [tp, next] : positions_) {
            if (!target.contains(tp)) lost.push_back(tp);
        }
        if (!lost.empty()) Release(lost);

        std::vector<TopicPartition> gained;
        {
            std::lock_guard lock(s.mu);
            auto& g = s.groups[options_.group];
            for (const auto& tp : target) {
                if (positions_.contains(tp)) continue;
                auto o = g.owner.find(tp);
                if (o != g.owner.end() && o->second != id_) continue;  // its owner has not let go yet
                g.owner[tp] = id_;
                gained.push_back(tp);
            }
        }
        if (gained.empty()) return;
        std::vector<TopicPartitionOffset> chosen;
        if (options_.on_assigned) chosen = options_.on_assigned(gained);
        std::lock_guard lock(s.mu);
        const auto& g = s.groups[options_.group];
        for (const auto& tp : gained) {
            auto pick = std::find_if(chosen.begin(), chosen.end(), [&](const auto& c) { return c.tp == tp; });
            std::int64_t start = 0;
            if (pick != chosen.end()) {
                start = pick->offset;
            } else if (auto c = g.committed.find(tp); c != g.committed.end()) {
                start = c->second;
            } else if (options_.start == ConsumerOptions::Start::kLatest) {
                start = static_cast<std::int64_t>(s.topics.at(tp.topic).partitions[static_cast<std::size_t>(tp.partition)].size());
            }
            positions_[tp] = start;
        }
    }

    void Release(const std::vector<TopicPartition>& lost) {
        if (lost.empty()) return;
        if (options_.on_revoked) options_.on_revoked(lost);
        auto& s = *state_;
        std::lock_guard lock(s.mu);
        auto& g = s.groups[options_.group];
        for (const auto& tp : lost) {
            positions_.erase(tp);
            if (auto o = g.owner.find(tp); o != g.owner.end() && o->second == id_) g.owner.erase(o);
        }
        s.changed.notify_all();
    }

    std::shared_ptr<InProcBus::State> state_;
    ConsumerOptions options_;
    MemberId id_;
    std::map<TopicPartition, std::int64_t> positions_;  // owned partitions → next offset to read
    bool closed_ = false;
};

}  // namespace

InProcBus::InProcBus(const Clock& clock) : state_(std::make_shared<State>(clock)) {}
InProcBus::~InProcBus() = default;

Status InProcBus::CreateTopic(const TopicSpec& spec) {
    if (spec.name.empty() || spec.partitions < 1) {
        return MakeError(ErrorCode::kInvalidArgument, "a topic needs a name and at least one partition");
    }
    std::lock_guard lock(state_->mu);
    if (state_->topics.contains(spec.name)) {
        return MakeError(ErrorCode::kAlreadyExists, fmt::format("topic '{}' exists", spec.name));
    }
    Topic t;
    t.compacted = spec.compacted;
    t.partitions.resize(static_cast<std::size_t>(spec.partitions));
    state_->topics.emplace(spec.name, std::move(t));
    state_->changed.notify_all();
    return {};
}

Result<std::int32_t> InProcBus::Partitions(std::string_view topic) {
    std::lock_guard lock(state_->mu);
    auto t = state_->topics.find(topic);
    if (t == state_->topics.end()) return MakeError(ErrorCode::kNotFound, fmt::format("unknown topic '{}'", topic));
    return static_cast<std::int32_t>(t->second.partitions.size());
}

Result<std::int64_t> InProcBus::EndOffset(const TopicPartition& tp) {
    std::lock_guard lock(state_->mu);
    auto t = state_->topics.find(tp.topic);
    if (t == state_->topics.end() || tp.partition < 0 ||
        tp.partition >= static_cast<std::int32_t>(t->second.partitions.size())) {
        return MakeError(ErrorCode::kNotFound, fmt::format("unknown partition {}[{}]", tp.topic, tp.partition));
    }
    const auto& log = t->second.partitions[static_cast<std::size_t>(tp.partition)];
    return log.empty() ? 0 : log.back().offset + 1;
}

Result<std::unique_ptr<Producer>> InProcBus::NewProducer() {
    return std::unique_ptr<Producer>(std::make_unique<InProcProducer>(state_));
}

Result<std::unique_ptr<Consumer>> InProcBus::NewConsumer(ConsumerOptions options) {
    if (options.group.empty() || options.topics.empty()) {
        return MakeError(ErrorCode::kInvalidArgument, "a consumer needs a group and at least one topic");
    }
    MemberId id = 0;
    {
        std::lock_guard lock(state_->mu);
        for (const auto& t : options.topics) {
            if (!state_->topics.contains(t)) return MakeError(ErrorCode::kNotFound, fmt::format("unknown topic '{}'", t));
        }
        id = state_->next_member++;
        state_->groups[options.group].members[id] = Member{options.topics};
        state_->changed.notify_all();
    }
    return std::unique_ptr<Consumer>(std::make_unique<InProcConsumer>(state_, std::move(options), id));
}

}  // namespace ik::bus
