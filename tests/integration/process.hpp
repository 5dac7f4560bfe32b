#pragma once
// Runs the investking binary as a child process for integration tests: synchronously (exit code and
// output) or in the background (pid, output in a file), with extra environment variables.
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace ik::testing {

struct RunResult {
    int exit_code = -1;  // -signal when killed by a signal
    std::string out;
    std::string err;
};

using Env = std::map<std::string, std::string>;

// A fresh temporary directory, removed with its contents on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

RunResult RunCli(const std::vector<std::string>& args, const Env& env = {});

class Child {
public:
    Child(const std::vector<std::string>& args, const Env& env, const std::string& log_path);
    ~Child();
    pid_t pid() const { return pid_; }
    bool Running();                      // false once it exited (reaps it)
    int Kill(int signal);                // sends the signal and waits; returns the exit status as in RunResult
    int exit_code() const { return exit_code_; }

private:
    pid_t pid_ = -1;
    int exit_code_ = -1;
    bool reaped_ = false;
};

// Polls `ready` until it returns true or the deadline passes; returns its last answer.
bool WaitFor(const std::function<bool()>& ready, std::chrono::milliseconds deadline);

std::string ReadFile(const std::string& path);
std::vector<std::string> ReadLines(const std::string& path);
std::string Binary();

}  // namespace ik::testing
