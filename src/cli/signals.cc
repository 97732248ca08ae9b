#include "cli/signals.h"

#include <signal.h>
#include <unistd.h>

namespace sqs2pg::cli {
namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "signal handlers need a lock-free flag");

void OnStopSignal(int /*signo*/) {
  if (g_stop.exchange(true)) _exit(130);
  static const char kMessage[] =
      "sqs2pg: stopping after the batch in hand (signal again to exit at once)\n";
  ssize_t ignored = write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
  (void)ignored;
}

}  // namespace

void InstallStopSignalHandlers() {
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  // A closed connection must surface as an error on the socket, not kill the process.
  signal(SIGPIPE, SIG_IGN);
}

const std::atomic<bool>& StopRequested() { return g_stop; }

}  // namespace sqs2pg::cli
