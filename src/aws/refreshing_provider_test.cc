#include "aws/refreshing_provider.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "aws/credential_test_support.h"

namespace sqs2pg::aws {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using testing::FakeClock;

// Answers with scripted results (the last one repeats), optionally blocking each fetch until
// released. Counts fetches.
class ScriptedSource final : public CredentialsProvider {
 public:
  Result<Credentials> GetCredentials() override {
    std::unique_lock<std::mutex> lock(mu_);
    ++fetches_;
    ++in_fetch_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !blocked_; });
    --in_fetch_;
    Result<Credentials> r =
        script_.empty() ? Result<Credentials>(InternalError("empty script")) : script_.front();
    if (script_.size() > 1) script_.pop_front();
    return r;
  }
  std::string_view Name() const override { return "scripted"; }

  void Push(Result<Credentials> r) {
    std::lock_guard<std::mutex> lock(mu_);
    script_.push_back(std::move(r));
  }
  void Block() {
    std::lock_guard<std::mutex> lock(mu_);
    blocked_ = true;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    blocked_ = false;
    cv_.notify_all();
  }
  void WaitUntilInFetch() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return in_fetch_ > 0; });
  }
  int fetches() {
    std::lock_guard<std::mutex> lock(mu_);
    return fetches_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Result<Credentials>> script_;
  bool blocked_ = false;
  int fetches_ = 0;
  int in_fetch_ = 0;
};

class RefreshingCredentialsTest : public ::testing::Test {
 protected:
  RefreshingCredentialsTest()
      : source_(std::make_shared<ScriptedSource>()),
        provider_(MakeRefreshingCredentialsProvider(source_, clock_)) {}

  Credentials Creds(std::string key_id, std::chrono::system_clock::duration valid_for) {
    return Credentials{std::move(key_id), "secret", "token", clock_.WallNow() + valid_for};
  }

  std::string KeyId() {
    Result<Credentials> c = provider_->GetCredentials();
    return c.ok() ? c->access_key_id : c.status().ToString();
  }

  FakeClock clock_;
  std::shared_ptr<ScriptedSource> source_;
  std::shared_ptr<CredentialsProvider> provider_;
};

TEST_F(RefreshingCredentialsTest, StaticCredentialsAreFetchedOnce) {
  source_->Push(Credentials{"AKIDSTATIC", "secret", "", std::nullopt});
  EXPECT_EQ(KeyId(), "AKIDSTATIC");
  clock_.Advance(std::chrono::hours(24 * 365));
  EXPECT_EQ(KeyId(), "AKIDSTATIC");
  EXPECT_EQ(source_->fetches(), 1);
  EXPECT_EQ(provider_->Name(), "scripted");
}

TEST_F(RefreshingCredentialsTest, RefreshesFiveMinutesBeforeExpiry) {
  source_->Push(Creds("AKID1", minutes(60)));
  source_->Push(Creds("AKID2", minutes(120)));
  EXPECT_EQ(KeyId(), "AKID1");
  clock_.Advance(minutes(54));
  EXPECT_EQ(KeyId(), "AKID1");
  EXPECT_EQ(source_->fetches(), 1);
  clock_.Advance(seconds(61));  // 4 min 59 s left
  EXPECT_EQ(KeyId(), "AKID2");
  EXPECT_EQ(source_->fetches(), 2);
  EXPECT_EQ(KeyId(), "AKID2");
  EXPECT_EQ(source_->fetches(), 2);
}

TEST_F(RefreshingCredentialsTest, ShortLivedCredentialsRefreshAtTwoThirds) {
  source_->Push(Creds("AKID1", seconds(60)));
  source_->Push(Creds("AKID2", seconds(60)));
  EXPECT_EQ(KeyId(), "AKID1");
  clock_.Advance(seconds(39));
  EXPECT_EQ(KeyId(), "AKID1");
  clock_.Advance(seconds(1));  // 20 s = a third of the lifetime left
  EXPECT_EQ(KeyId(), "AKID2");
  EXPECT_EQ(source_->fetches(), 2);
}

TEST_F(RefreshingCredentialsTest, FailedRefreshKeepsValidCredentialsAndRetriesLater) {
  source_->Push(Creds("AKID1", minutes(60)));
  source_->Push(UnavailableError("endpoint down"));
  EXPECT_EQ(KeyId(), "AKID1");
  clock_.Advance(minutes(56));  // 4 min left: refresh due
  EXPECT_EQ(KeyId(), "AKID1");  // the refresh failed; the caller did not see it
  EXPECT_EQ(source_->fetches(), 2);
  clock_.Advance(seconds(10));
  EXPECT_EQ(KeyId(), "AKID1");
  EXPECT_EQ(source_->fetches(), 2);  // not before the retry interval (15 s)
  clock_.Advance(seconds(5));
  EXPECT_EQ(KeyId(), "AKID1");
  EXPECT_EQ(source_->fetches(), 3);            // retried, failed again
  source_->Push(Creds("AKID2", minutes(60)));  // (the failure repeats until this one)
  clock_.Advance(seconds(15));
  EXPECT_EQ(KeyId(), "AKID1");  // consumed the last scripted failure
  clock_.Advance(seconds(15));
  EXPECT_EQ(KeyId(), "AKID2");
}

TEST_F(RefreshingCredentialsTest, ExpiredCredentialsMakeCallersWaitAndSeeErrors) {
  source_->Push(Creds("AKID1", minutes(60)));
  source_->Push(UnavailableError("endpoint down"));
  EXPECT_EQ(KeyId(), "AKID1");
  clock_.Advance(minutes(60) - seconds(10));  // within the 10 s expiry margin: expired
  Status s = provider_->GetCredentials().status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "endpoint down");
  // Expired credentials are never handed out again, and every call tries again.
  EXPECT_EQ(provider_->GetCredentials().status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(source_->fetches(), 3);
  source_->Push(Creds("AKID2", minutes(60)));
  EXPECT_EQ(KeyId(), "UNAVAILABLE: endpoint down");  // the scripted failure, consumed
  EXPECT_EQ(KeyId(), "AKID2");
}

TEST_F(RefreshingCredentialsTest, NeverFetchedErrorsPassThrough) {
  source_->Push(NotFoundError("not configured"));
  EXPECT_EQ(provider_->GetCredentials().status().code(), StatusCode::kNotFound);
  source_->Push(Creds("AKID1", minutes(60)));
  EXPECT_EQ(provider_->GetCredentials().status().code(), StatusCode::kNotFound);  // scripted
  EXPECT_EQ(KeyId(), "AKID1");
}

TEST_F(RefreshingCredentialsTest, AlreadyExpiredFetchIsUnavailable) {
  source_->Push(Credentials{"AKIDOLD", "secret", "token", clock_.WallNow() - seconds(1)});
  Status s = provider_->GetCredentials().status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("not in the future"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("secret"), std::string::npos);
  EXPECT_EQ(s.message().find("token"), std::string::npos);
}

TEST_F(RefreshingCredentialsTest, OnlyOneThreadRefreshesWhileOthersUseCachedCredentials) {
  source_->Push(Creds("AKID1", minutes(60)));
  source_->Push(Creds("AKID2", minutes(60)));
  EXPECT_EQ(KeyId(), "AKID1");
  clock_.Advance(minutes(56));
  source_->Block();
  std::thread refresher([&] { EXPECT_EQ(KeyId(), "AKID2"); });
  source_->WaitUntilInFetch();
  // While the refresh hangs, everybody else gets the cached credentials at once.
  std::vector<std::thread> others;
  std::atomic<int> cached{0};
  for (int i = 0; i < 8; ++i) {
    others.emplace_back([&] {
      if (KeyId() == "AKID1") ++cached;
    });
  }
  for (auto& t : others) t.join();
  EXPECT_EQ(cached.load(), 8);
  source_->Release();
  refresher.join();
  EXPECT_EQ(source_->fetches(), 2);
  EXPECT_EQ(KeyId(), "AKID2");
}

TEST_F(RefreshingCredentialsTest, WithoutCredentialsOneFetchServesAllWaiters) {
  source_->Push(Creds("AKID1", minutes(60)));
  source_->Block();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (KeyId() == "AKID1") ++ok;
    });
  }
  source_->WaitUntilInFetch();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the others queue up
  source_->Release();
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(source_->fetches(), 1);
}

TEST_F(RefreshingCredentialsTest, WaitersShareAFailedFetch) {
  source_->Push(UnavailableError("endpoint down"));
  source_->Block();
  std::vector<std::thread> threads;
  std::atomic<int> unavailable{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (provider_->GetCredentials().status().code() == StatusCode::kUnavailable) ++unavailable;
    });
  }
  source_->WaitUntilInFetch();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  source_->Release();
  for (auto& t : threads) t.join();
  EXPECT_EQ(unavailable.load(), 8);
  // Threads that arrived after the fetch ended may have fetched again; most shared it.
  EXPECT_LT(source_->fetches(), 8);
}

}  // namespace
}  // namespace sqs2pg::aws
