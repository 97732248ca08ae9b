#include <gtest/gtest.h>

#include "pg/connection.h"

namespace sqs2pg::pg {
namespace {

TEST(RedactConninfoTest, Uri) {
  EXPECT_EQ(RedactConninfo("postgresql://app:s3cret@db.example:5432/logins?sslmode=require"),
            "postgresql://app:***@db.example:5432/logins?sslmode=require");
  EXPECT_EQ(RedactConninfo("postgres://app@db/x?password=s3cret&application_name=a"),
            "postgres://app@db/x?password=***&application_name=a");
  EXPECT_EQ(RedactConninfo("postgresql://app:p%40ss@h/d?pass%77ord=x"),
            "postgresql://app:***@h/d?pass%77ord=***");
  EXPECT_EQ(RedactConninfo("postgresql://h:5432/d"), "postgresql://h:5432/d");
}

TEST(RedactConninfoTest, KeyValue) {
  EXPECT_EQ(RedactConninfo("host=db user=app password=s3cret dbname=x"),
            "host=db user=app password=*** dbname=x");
  EXPECT_EQ(RedactConninfo("host=db password = 'it\\'s secret' port=5"),
            "host=db password = *** port=5");
  EXPECT_EQ(RedactConninfo(""), "");
  EXPECT_EQ(RedactConninfo("host=db password"), "<unparseable connection string>");
}

}  // namespace
}  // namespace sqs2pg::pg
