// PgCluster: a private, throwaway PostgreSQL cluster (scripts/pg-throwaway.sh) that one test owns
// and may stop and start again on the same port, e.g. to simulate a database outage, without
// touching the shared server of SQS2PG_TEST_DATABASE_URL that the other tests use.
//
// Contract:
//  - The constructor only makes a fresh 0755 directory /tmp/sqs2pg-pgcluster-* (so that the
//    postgres OS user can reach the cluster in its data/ when the tests run as root), records the
//    test process's pid there and picks a free loopback port; Start() creates the cluster on first
//    use (durability off: --fast) and starts it.
//  - It first stops and removes the clusters of test processes that are gone (crashed, killed by
//    a timeout) without running their destructors.
//  - Stop() is a fast shutdown: open sessions are terminated, committed data survives.
//  - The destructor stops the server if it runs and removes the directory.
//  - Exec()/Count() open a fresh libpq connection per call, so they work across restarts.
//  - Thread-compatible: use one PgCluster from one thread.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace sqs2pg::testing {

class PgCluster {
 public:
  PgCluster();
  ~PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  ::testing::AssertionResult Start();
  ::testing::AssertionResult Stop();

  // libpq URI of the cluster's "postgres" database as user postgres (trust auth).
  const std::string& url() const { return url_; }
  int port() const { return port_; }

  // Runs SQL on a fresh connection.
  ::testing::AssertionResult Exec(const std::string& sql) const;
  // The first column of the first row as an integer; -1 (and a test failure) on error.
  int64_t Count(const std::string& sql) const;

 private:
  std::string dir_;       // ours: owner.pid and data/
  std::string data_dir_;  // the cluster (the postgres OS user's when run as root)
  int port_ = 0;
  std::string url_;
  bool running_ = false;
};

// A free TCP port on 127.0.0.1 (bound to port 0, then released).
int FreeLoopbackPort();

}  // namespace sqs2pg::testing
