#include "support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "support/sqs_test_env.h"

extern char** environ;

namespace sqs2pg::testing {

namespace {

// The current environment with `env` entries added or replaced.
std::vector<std::string> MergedEnvironment(const std::vector<std::string>& env) {
  std::map<std::string, std::string> merged;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv(*e);
    merged[kv.substr(0, kv.find('='))] = kv;
  }
  for (const std::string& kv : env) merged[kv.substr(0, kv.find('='))] = kv;
  std::vector<std::string> env_strings;
  for (auto& [name, kv] : merged) env_strings.push_back(kv);
  return env_strings;
}

// In the child: a test binary that dies (a ctest timeout, a crash) takes its children with it,
// so no stand-in server or sqs2pg outlives it and holds ports or queues.
void DieWithParent() { prctl(PR_SET_PDEATHSIG, SIGKILL); }

// In the child: points stdout and stderr at `fd` and execs; never returns.
[[noreturn]] void ExecWithOutput(int fd, const std::vector<std::string>& argv,
                                 const std::vector<std::string>& env_strings) {
  DieWithParent();
  dup2(fd, STDOUT_FILENO);
  dup2(fd, STDERR_FILENO);
  close(fd);
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  execve(args[0], args.data(), envp.data());
  _exit(127);
}

int ExitCodeOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

std::string Sqs2pgBinary() { return SQS2PG_BINARY; }

std::vector<std::string> Sqs2pgTestEnv() {
  return {"SQS2PG_MASK_KEY=" + std::string(kTestKeyHex), "AWS_ACCESS_KEY_ID=test",
          "AWS_SECRET_ACCESS_KEY=test", "AWS_ENDPOINT_URL=" + SqsTestEndpoint(),
          "AWS_REGION=us-east-1"};
}

ProcessResult RunProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                         std::chrono::seconds timeout) {
  const std::vector<std::string> env_strings = MergedEnvironment(env);
  int pipe_fds[2];
  ProcessResult result;
  if (pipe(pipe_fds) != 0) return result;
  pid_t pid = fork();
  if (pid == 0) {
    close(pipe_fds[0]);
    ExecWithOutput(pipe_fds[1], argv, env_strings);
  }
  close(pipe_fds[1]);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  bool timed_out = false;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    pollfd pfd{pipe_fds[0], POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000))) <= 0) continue;
    ssize_t n = read(pipe_fds[0], buf, sizeof(buf));
    if (n <= 0) break;
    result.output.append(buf, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = timed_out ? -1 : ExitCodeOf(status);
  return result;
}

RunningProcess::RunningProcess(const std::vector<std::string>& argv,
                               const std::vector<std::string>& env) {
  const std::vector<std::string> env_strings = MergedEnvironment(env);
  char path[] = "/tmp/sqs2pg-test-output-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return;
  output_path_ = path;
  pid_ = fork();
  if (pid_ == 0) ExecWithOutput(fd, argv, env_strings);
  close(fd);
}

RunningProcess::~RunningProcess() {
  if (pid_ > 0 && !reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (!output_path_.empty()) unlink(output_path_.c_str());
}

void RunningProcess::Signal(int signal_number) {
  if (pid_ > 0 && !reaped_) kill(pid_, signal_number);
}

bool RunningProcess::Running() {
  if (pid_ <= 0 || reaped_) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return true;
  reaped_ = true;
  exit_code_ = ExitCodeOf(status);
  return false;
}

ProcessResult RunningProcess::Wait(std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (Running()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      reaped_ = true;
      exit_code_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return ProcessResult{exit_code_, Output()};
}

std::string RunningProcess::Output() const {
  std::ifstream in(output_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace sqs2pg::testing

namespace sqs2pg::testing {

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe(fds) != 0) return;
  pid_ = fork();
  if (pid_ == 0) {
    DieWithParent();
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  stdout_fd_ = fds[0];
}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

std::string BackgroundProcess::ReadLine(std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || stdout_fd_ < 0) return "";
    pollfd pfd{stdout_fd_, POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    ssize_t n = read(stdout_fd_, buf, sizeof(buf));
    if (n <= 0) return "";
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

BoundedRun RunWithDeadline(const std::vector<std::string>& argv,
                           const std::vector<std::string>& env, std::chrono::seconds deadline,
                           std::chrono::seconds grace) {
  RunningProcess process(argv, env);
  const auto give_up_at = std::chrono::steady_clock::now() + deadline;
  while (process.Running() && std::chrono::steady_clock::now() < give_up_at) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  BoundedRun result;
  result.finished = !process.Running();
  if (!result.finished) process.Signal(SIGTERM);
  result.run = process.Wait(grace);
  return result;
}

}  // namespace sqs2pg::testing
