#include "integration/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace ik::testing {

namespace {

std::vector<std::string> MergedEnv(const Env& extra) {
    std::map<std::string, std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
        std::string kv(*e);
        const auto eq = kv.find('=');
        if (eq == std::string::npos) continue;
        // Start from a clean configuration: the test decides every INVESTKING_ variable.
        if (kv.rfind("INVESTKING_", 0) == 0) continue;
        env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (const auto& [k, v] : extra) env[k] = v;
    std::vector<std::string> out;
    for (const auto& [k, v] : env) out.push_back(k + "=" + v);
    return out;
}

pid_t Spawn(const std::vector<std::string>& args, const Env& env, const std::string& out_path,
            const std::string& err_path) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    std::vector<std::string> full = {Binary()};
    full.insert(full.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : full) argv.push_back(a.data());
    argv.push_back(nullptr);
    auto env_strings = MergedEnv(env);
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("posix_spawn failed");
    return pid;
}

int DecodeStatus(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return -WTERMSIG(status);
    return -1000;
}

}  // namespace

std::string Binary() { return IK_BINARY; }

TempDir::TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ik-test-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string> ReadLines(const std::string& path) {
    std::vector<std::string> lines;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
}

RunResult RunCli(const std::vector<std::string>& args, const Env& env) {
    TempDir io;
    const pid_t pid = Spawn(args, env, io / "out", io / "err");
    int status = 0;
    waitpid(pid, &status, 0);
    return RunResult{DecodeStatus(status), ReadFile(io / "out"), ReadFile(io / "err")};
}

Child::Child(const std::vector<std::string>& args, const Env& env, const std::string& log_path) {
    pid_ = Spawn(args, env, log_path + ".out", log_path);
}

Child::~Child() {
    if (!reaped_ && pid_ > 0) Kill(SIGKILL);
}

bool Child::Running() {
    if (reaped_) return false;
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        reaped_ = true;
        exit_code_ = DecodeStatus(status);
        return false;
    }
    return true;
}

int Child::Kill(int signal) {
    if (reaped_) return exit_code_;
    ::kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    reaped_ = true;
    exit_code_ = DecodeStatus(status);
    return exit_code_;
}

bool WaitFor(const std::function<bool()>& ready, std::chrono::milliseconds deadline) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    for (;;) {
        if (ready()) return true;
        if (std::chrono::steady_clock::now() >= end) return ready();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // poll interval, bounded by the deadline
    }
}

}  // namespace ik::testing
