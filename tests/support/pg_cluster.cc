#include "support/pg_cluster.h"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "support/process.h"

namespace sqs2pg::testing {
namespace {

constexpr char kTempDir[] = "/tmp";
constexpr char kDirPrefix[] = "sqs2pg-pgcluster-";
constexpr char kOwnerFile[] = "owner.pid";

std::string Script() { return std::string(SQS2PG_SOURCE_DIR) + "/scripts/pg-throwaway.sh"; }

// Stops and removes the clusters of test processes that died without cleaning up (a crash, a
// SIGKILL from a test timeout), so that they do not pile up on a CI machine.
void ReapOrphans() {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(kTempDir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kDirPrefix, 0) != 0) continue;
    std::ifstream owner_file(entry.path() / kOwnerFile);
    pid_t owner = 0;
    if (!(owner_file >> owner) || owner <= 0) continue;   // being set up right now, or not ours
    if (kill(owner, 0) == 0 || errno == EPERM) continue;  // its test process is alive
    (void)RunProcess({Script(), "stop", (entry.path() / "data").string()}, {},
                     std::chrono::seconds(60));
    std::filesystem::remove_all(entry.path(), ec);
  }
}

}  // namespace

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

PgCluster::PgCluster() {
  ReapOrphans();
  std::string path = std::string(kTempDir) + "/" + kDirPrefix + "XXXXXX";
  if (mkdtemp(path.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed";
    return;
  }
  dir_ = path;
  std::ofstream(dir_ + "/" + kOwnerFile) << getpid() << "\n";
  // The script hands the data directory to the postgres OS user when run as root: its parents
  // must be traversable (/tmp is).
  chmod(dir_.c_str(), 0755);
  data_dir_ = dir_ + "/data";
  port_ = FreeLoopbackPort();
  url_ = "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres";
}

PgCluster::~PgCluster() {
  if (running_) (void)Stop();
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

::testing::AssertionResult PgCluster::Start() {
  if (dir_.empty() || port_ == 0) return ::testing::AssertionFailure() << "no directory or port";
  ProcessResult r = RunProcess({Script(), "start", data_dir_, std::to_string(port_), "--fast"}, {},
                               std::chrono::seconds(120));
  if (r.exit_code != 0) {
    return ::testing::AssertionFailure()
           << "pg-throwaway.sh start exited " << r.exit_code << ": " << r.output;
  }
  running_ = true;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult PgCluster::Stop() {
  ProcessResult r = RunProcess({Script(), "stop", data_dir_}, {}, std::chrono::seconds(120));
  if (r.exit_code != 0) {
    return ::testing::AssertionFailure()
           << "pg-throwaway.sh stop exited " << r.exit_code << ": " << r.output;
  }
  running_ = false;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult PgCluster::Exec(const std::string& sql) const {
  PGconn* conn = PQconnectdb(url_.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string error = PQerrorMessage(conn);
    PQfinish(conn);
    return ::testing::AssertionFailure() << "connecting to " << url_ << ": " << error;
  }
  PGresult* r = PQexec(conn, sql.c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  std::string error = PQerrorMessage(conn);
  PQclear(r);
  PQfinish(conn);
  if (!ok) return ::testing::AssertionFailure() << sql << ": " << error;
  return ::testing::AssertionSuccess();
}

int64_t PgCluster::Count(const std::string& sql) const {
  PGconn* conn = PQconnectdb(url_.c_str());
  int64_t value = -1;
  if (PQstatus(conn) != CONNECTION_OK) {
    ADD_FAILURE() << "connecting to " << url_ << ": " << PQerrorMessage(conn);
  } else {
    PGresult* r = PQexec(conn, sql.c_str());
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && PQnfields(r) >= 1) {
      value = std::atoll(PQgetvalue(r, 0, 0));
    } else {
      ADD_FAILURE() << sql << ": " << PQerrorMessage(conn);
    }
    PQclear(r);
  }
  PQfinish(conn);
  return value;
}

}  // namespace sqs2pg::testing
