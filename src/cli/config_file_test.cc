#include "cli/config_file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>

#include "cli/settings.h"

namespace sqs2pg::cli {
namespace {

class ConfigFileTest : public ::testing::Test {
 protected:
  ConfigFileTest() {
    AddCommonOptions(app_, settings_);
    app_.add_option("--config", config_path_);
  }
  ~ConfigFileTest() override { std::remove(path_.c_str()); }

  std::string Write(const std::string& text) {
    std::ofstream(path_) << text;
    return path_;
  }
  aws::EnvGetter Env() const {
    return [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
  }

  CLI::App app_;
  Settings settings_;
  std::string config_path_;
  std::map<std::string, std::string> env_;
  const std::string path_ =
      ::testing::TempDir() + "sqs2pg-config-" + std::to_string(::getpid()) + ".toml";
};

TEST_F(ConfigFileTest, FindsThePathInFlagsOrEnvironment) {
  EXPECT_EQ(ConfigFilePath({"drain", "--config", "/a.toml"}, Env()), "/a.toml");
  EXPECT_EQ(ConfigFilePath({"--config=/b.toml", "run"}, Env()), "/b.toml");
  EXPECT_EQ(ConfigFilePath({"run"}, Env()), "");
  env_["SQS2PG_CONFIG"] = "/c.toml";
  EXPECT_EQ(ConfigFilePath({"run"}, Env()), "/c.toml");
  EXPECT_EQ(ConfigFilePath({"run", "--config", "/a.toml"}, Env()), "/a.toml");
}

TEST_F(ConfigFileTest, FlagsAndEnvironmentWinOverTheFile) {
  const std::string path = Write(
      "# comment\n"
      "queue-url = \"http://q/000000000000/from-file\"\n"
      "receivers = 8\n"
      "batch_size = 100\n"
      "table = 'public.logins'\n");
  env_["SQS2PG_RECEIVERS"] = "3";
  Result<std::vector<std::string>> args =
      ConfigFileArgs(path, app_, {"drain", "--batch-size", "50"}, Env());
  ASSERT_TRUE(args.ok()) << args.status().ToString();
  EXPECT_EQ(*args, (std::vector<std::string>{"--queue-url=http://q/000000000000/from-file",
                                             "--table=public.logins"}));
}

TEST_F(ConfigFileTest, MistakesAreErrorsThatNeverQuoteValues) {
  Result<std::vector<std::string>> unknown =
      ConfigFileArgs(Write("databse-url = \"postgresql://u:hunter2@h/db\"\n"), app_, {}, Env());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("unknown key 'databse-url'"), std::string::npos);
  EXPECT_EQ(unknown.status().message().find("hunter2"), std::string::npos);

  EXPECT_FALSE(ConfigFileArgs(Write("[sqs]\nregion = \"eu-west-1\"\n"), app_, {}, Env()).ok());
  EXPECT_FALSE(ConfigFileArgs(Write("region = \"a\"\nregion = \"b\"\n"), app_, {}, Env()).ok());
  EXPECT_FALSE(ConfigFileArgs(Write("config = \"/other\"\n"), app_, {}, Env()).ok());
  Result<std::vector<std::string>> missing =
      ConfigFileArgs("/nonexistent/sqs2pg.toml", app_, {}, Env());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/sqs2pg.toml"), std::string::npos);
}

// Issue 19 item 10: `database-url: postgresql://u:S3cret@...` (a colon for '=') came back whole as
// the "unknown key".
TEST_F(ConfigFileTest, AMalformedLineIsNamedByNumberWithoutItsValue) {
  Result<std::vector<std::string>> colon = ConfigFileArgs(
      Write("# settings\nregion = \"eu-west-1\"\ndatabase-url: postgresql://u:S3cret@h/db\n"), app_,
      {}, Env());
  ASSERT_FALSE(colon.ok());
  EXPECT_EQ(colon.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(colon.status().message().find("S3cret"), std::string::npos);
  EXPECT_EQ(colon.status().message().find("postgresql"), std::string::npos);
  EXPECT_NE(colon.status().message().find("line 3"), std::string::npos);
  EXPECT_NE(colon.status().message().find("'database-url'"), std::string::npos);

  for (const char* line : {"database-url postgresql://u:S3cret@h/db\n",
                           "  \"database url\" = \"postgresql://u:S3cret@h/db\"\n", "S3cret\n",
                           "=S3cret\n", "database-url:S3cret = x\n"}) {
    Result<std::vector<std::string>> bad = ConfigFileArgs(Write(line), app_, {}, Env());
    ASSERT_FALSE(bad.ok()) << "accepted line no. " << std::string(line).size();
    const std::string& message = bad.status().message();
    EXPECT_NE(message.find("line 1"), std::string::npos);
    if (std::string(line) == "S3cret\n") continue;  // a lone word is all key as far as we know
    EXPECT_EQ(message.find("S3cret"), std::string::npos)
        << "echoes the value of line no. " << std::string(line).size();
  }
  // Other mistakes name their line too.
  Result<std::vector<std::string>> twice =
      ConfigFileArgs(Write("region = \"a\"\n\n; c\nregion = \"b\"\n"), app_, {}, Env());
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("line 4: key 'region' appears twice"), std::string::npos)
      << twice.status().message();
}

TEST_F(ConfigFileTest, EffectiveConfigSaysWhereEachValueCameFromAndRedacts) {
  env_["SQS2PG_RECEIVERS"] = "3";
  std::vector<std::string> args = {"--region=eu-west-1", "--database-url",
                                   "postgresql://app:hunter2@db:5432/prod", "--receivers", "3"};
  std::reverse(args.begin(), args.end());
  app_.parse(args);
  const std::string out = EffectiveConfig(app_, {"--region"}, Env());
  EXPECT_NE(out.find("region = \"eu-west-1\"  # config file\n"), std::string::npos) << out;
  EXPECT_NE(out.find("receivers = \"3\"  # environment SQS2PG_RECEIVERS\n"), std::string::npos)
      << out;
  EXPECT_NE(
      out.find("database-url = \"<redacted: host=db port=5432 dbname=prod user=app>\"  # flag\n"),
      std::string::npos)
      << out;
  EXPECT_EQ(out.find("hunter2"), std::string::npos) << out;
  EXPECT_NE(out.find("batch-size = \"2000\"  # default\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("config ="), std::string::npos) << out;
}

// Issue 19 item 8: `config` printed postgresql://loader:Pa5s/w0rdTail@host/db whole, and showed
// "***@ssw0rd@host" for Pa@ssw0rd.
TEST_F(ConfigFileTest, EffectiveConfigShowsNoPasswordHoldingSlashOrAt) {
  for (const auto& [url, secret] : std::map<std::string, std::string>{
           {"postgresql://loader:Pa5s/w0rdTail@host/db", "w0rdTail"},
           {"postgresql://loader:Pa@ssw0rd@host/db", "ssw0rd"},
           {"host=db user=loader sslpassword=KeyPhrase7", "KeyPhrase7"}}) {
    CLI::App app;
    Settings settings;
    AddCommonOptions(app, settings);
    std::vector<std::string> args = {"--database-url", url};
    std::reverse(args.begin(), args.end());
    app.parse(args);
    const std::string out = EffectiveConfig(app, {}, Env());
    EXPECT_EQ(out.find(secret), std::string::npos) << "shows the password";
    EXPECT_NE(out.find("database-url = \"<redacted: "), std::string::npos);
  }
}

// Issue 17: the config file may name where the mask key is (a URI is not a secret), and `config`
// shows it; a key pasted in by mistake is not shown.
TEST_F(ConfigFileTest, MaskKeyUrisComeFromTheFileAndShowInTheEffectiveConfig) {
  Result<std::vector<std::string>> args = ConfigFileArgs(
      Write("mask-key = \"aws-kms:/etc/sqs2pg/new.blob,aws-secretsmanager:sqs2pg/old\"\n"), app_,
      {"check"}, Env());
  ASSERT_TRUE(args.ok()) << args.status().ToString();
  std::vector<std::string> parse = *args;
  std::reverse(parse.begin(), parse.end());
  app_.parse(parse);
  EXPECT_EQ(settings_.mask_key, (std::vector<std::string>{"aws-kms:/etc/sqs2pg/new.blob",
                                                          "aws-secretsmanager:sqs2pg/old"}));
  const std::string out = EffectiveConfig(app_, {"--mask-key"}, Env());
  EXPECT_NE(out.find("mask-key = \"aws-kms:/etc/sqs2pg/new.blob,aws-secretsmanager:sqs2pg/old\"  # "
                     "config file\n"),
            std::string::npos)
      << out;

  const std::string key = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
  CLI::App app;
  Settings settings;
  AddCommonOptions(app, settings);
  std::vector<std::string> mistaken = {key, "--mask-key"};
  app.parse(mistaken);
  const std::string shown = EffectiveConfig(app, {}, Env());
  EXPECT_EQ(shown.find(key), std::string::npos) << shown;
  EXPECT_NE(shown.find("mask-key = \"<redacted: not a key source URI>\""), std::string::npos)
      << shown;
}

}  // namespace
}  // namespace sqs2pg::cli
