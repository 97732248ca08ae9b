// RunProcess: runs a program to completion and captures its output, for tests that exercise the
// sqs2pg binary end to end.
//
// Contract: `argv[0]` is a path; `env` entries ("NAME=value") are added to (or replace in) the
// current environment; stdout and stderr are captured together. If the process outlives
// `timeout` it is killed with SIGKILL and exit_code is -1. Thread-compatible.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace sqs2pg::testing {

struct ProcessResult {
  int exit_code = -1;  // the exit status, or 128+signal if killed by a signal, -1 on timeout
  std::string output;
};

ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const std::vector<std::string>& env = {},
                         std::chrono::seconds timeout = std::chrono::seconds(120));

// The sqs2pg binary built alongside the tests.
std::string Sqs2pgBinary();

// The environment every test run of the binary needs: the fixed test mask key (kTestKeyHex), the
// emulator's endpoint and its dummy credentials. Fails the calling test if the emulator is unset.
inline constexpr char kTestKeyHex[] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
std::vector<std::string> Sqs2pgTestEnv();

// A program running in the background with its stdout and stderr going to a temporary file, for
// tests that signal or kill it mid-run. Destroying a still-running one kills it with SIGKILL.
class RunningProcess {
 public:
  RunningProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});
  ~RunningProcess();
  RunningProcess(const RunningProcess&) = delete;
  RunningProcess& operator=(const RunningProcess&) = delete;

  void Signal(int signal_number);
  // Waits for the exit (SIGKILL after `timeout`, exit_code -1) and returns the output so far.
  ProcessResult Wait(std::chrono::seconds timeout = std::chrono::seconds(120));
  // True while the process has not exited (reaps it if it has).
  bool Running();
  // The output written so far.
  std::string Output() const;
  int pid() const { return pid_; }

 private:
  int pid_ = -1;
  int exit_code_ = -1;
  bool reaped_ = false;
  std::string output_path_;
};

// Runs `argv` in the background until it exits or `deadline` passes; one still running then gets
// SIGTERM (so that, for sqs2pg, its summary shows what it was doing) and up to `grace` to exit
// before SIGKILL. `finished`: it exited on its own within the deadline.
struct BoundedRun {
  ProcessResult run;
  bool finished = false;
};
BoundedRun RunWithDeadline(const std::vector<std::string>& argv,
                           const std::vector<std::string>& env, std::chrono::seconds deadline,
                           std::chrono::seconds grace = std::chrono::seconds(30));

}  // namespace sqs2pg::testing

namespace sqs2pg::testing {

// A child process running in the background (a stand-in server); killed when destroyed.
class BackgroundProcess {
 public:
  explicit BackgroundProcess(const std::vector<std::string>& argv);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  // Reads one line of the child's stdout (without the newline); empty on EOF or timeout.
  std::string ReadLine(std::chrono::seconds timeout = std::chrono::seconds(20));
  int pid() const { return pid_; }

 private:
  int pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
};

}  // namespace sqs2pg::testing
