#include "sqs/json_codec.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "aws/json_writer.h"

namespace sqs2pg::sqs::json_codec {
namespace {

constexpr char kQueue[] = "https://sqs.us-east-1.amazonaws.com/123456789012/q";

// Every awkward character class in one string: quotes, backslashes, all control characters,
// DEL, 2-, 3- and 4-byte UTF-8, and U+2028.
std::string Awkward() {
  std::string s = "quote\" backslash\\ slash/ ";
  for (int c = 0; c < 0x20; ++c) s.push_back(static_cast<char>(c));
  s += "\x7F caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xE2\x80\xA8 end";
  return s;
}

// Parses `json` with simdjson and returns the string at Entries[0].MessageBody.
std::string FirstMessageBody(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  std::string_view body;
  EXPECT_EQ(doc.at_pointer("/Entries/0/MessageBody").get(body), simdjson::SUCCESS);
  return std::string(body);
}

TEST(JsonWriterTest, EscapesWhatJsonRequiresAndKeepsUtf8) {
  std::string out;
  EXPECT_TRUE(aws::AppendJsonString(out, "a\"b\\c\n\t\r\b\f\x01\x1F\x7F \xC3\xA9"));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f\x7F \xC3\xA9\"");
}

TEST(JsonWriterTest, FlagsInvalidUtf8) {
  for (const std::string& bad :
       {std::string("\xC3"), std::string("\xC0\xAF"), std::string("\xED\xA0\x80"),
        std::string("\xF4\x90\x80\x80"), std::string("\xFF"), std::string("ok\xE2\x82")}) {
    std::string out;
    EXPECT_FALSE(aws::AppendJsonString(out, bad)) << out;
    EXPECT_FALSE(aws::IsValidUtf8(bad));
  }
  EXPECT_TRUE(aws::IsValidUtf8("\xF0\x9F\x98\x80\xEF\xBF\xBD"));
  aws::JsonWriter w;
  w.BeginObject().Key("k").String("\xFF").EndObject();
  EXPECT_FALSE(w.utf8_ok());
  EXPECT_EQ(w.Take(), "{\"k\":\"\xEF\xBF\xBD\"}");
}

TEST(JsonCodecTest, ReceiveMessageRequest) {
  ReceiveRequest r;
  r.max_messages = 7;
  r.wait_time_seconds = 5;
  r.visibility_timeout = 60;
  EXPECT_EQ(
      *EncodeReceiveMessage(kQueue, r),
      "{\"QueueUrl\":\"https://sqs.us-east-1.amazonaws.com/123456789012/q\","
      "\"MaxNumberOfMessages\":7,\"WaitTimeSeconds\":5,\"VisibilityTimeout\":60,"
      "\"MessageSystemAttributeNames\":[\"SentTimestamp\",\"ApproximateReceiveCount\","
      "\"MessageGroupId\"],"
      "\"AttributeNames\":[\"SentTimestamp\",\"ApproximateReceiveCount\",\"MessageGroupId\"]}");
  r.visibility_timeout.reset();
  EXPECT_EQ(EncodeReceiveMessage(kQueue, r)->find("VisibilityTimeout"), std::string::npos);
  r.message_attributes = true;
  EXPECT_NE(EncodeReceiveMessage(kQueue, r)->find(",\"MessageAttributeNames\":[\"All\"]}"),
            std::string::npos);
}

TEST(JsonCodecTest, BatchRequests) {
  EXPECT_EQ(*EncodeDeleteMessageBatch(kQueue, {{"0", "rh-0"}, {"1", "rh-1"}}),
            "{\"QueueUrl\":\"https://sqs.us-east-1.amazonaws.com/123456789012/q\","
            "\"Entries\":[{\"Id\":\"0\",\"ReceiptHandle\":\"rh-0\"},"
            "{\"Id\":\"1\",\"ReceiptHandle\":\"rh-1\"}]}");
  EXPECT_EQ(*EncodeChangeMessageVisibilityBatch(kQueue, {{"a", "rh", 0}, {"b", "rh2", 300}}),
            "{\"QueueUrl\":\"https://sqs.us-east-1.amazonaws.com/123456789012/q\","
            "\"Entries\":[{\"Id\":\"a\",\"ReceiptHandle\":\"rh\",\"VisibilityTimeout\":0},"
            "{\"Id\":\"b\",\"ReceiptHandle\":\"rh2\",\"VisibilityTimeout\":300}]}");
  SendEntry e{"m1", "{\"x\":1}", {{"reason", "bad \"json\""}, {"attempts", "3"}}};
  EXPECT_EQ(*EncodeSendMessageBatch(kQueue, {e, SendEntry{"m2", "plain", {}}}),
            "{\"QueueUrl\":\"https://sqs.us-east-1.amazonaws.com/123456789012/q\","
            "\"Entries\":[{\"Id\":\"m1\",\"MessageBody\":\"{\\\"x\\\":1}\","
            "\"MessageAttributes\":{"
            "\"reason\":{\"DataType\":\"String\",\"StringValue\":\"bad \\\"json\\\"\"},"
            "\"attempts\":{\"DataType\":\"String\",\"StringValue\":\"3\"}}},"
            "{\"Id\":\"m2\",\"MessageBody\":\"plain\"}]}");
  SendEntry fifo{"f", "b", {}};
  fifo.message_group_id = "g1";
  fifo.deduplication_id = "d1";
  EXPECT_NE(EncodeSendMessageBatch(kQueue, {fifo})
                ->find("\"MessageGroupId\":\"g1\",\"MessageDeduplicationId\":\"d1\""),
            std::string::npos);
  EXPECT_EQ(EncodeDeleteMessageBatch(kQueue, {}).status().code(), StatusCode::kInvalidArgument);
  std::vector<DeleteEntry> eleven(11, DeleteEntry{"i", "r"});
  EXPECT_EQ(EncodeDeleteMessageBatch(kQueue, eleven).status().code(), StatusCode::kInvalidArgument);
}

TEST(JsonCodecTest, QueueRequests) {
  EXPECT_EQ(*EncodeGetQueueAttributes(kQueue, {"ApproximateNumberOfMessages", "QueueArn"}),
            "{\"QueueUrl\":\"https://sqs.us-east-1.amazonaws.com/123456789012/q\","
            "\"AttributeNames\":[\"ApproximateNumberOfMessages\",\"QueueArn\"]}");
  EXPECT_EQ(*EncodeCreateQueue("q", {{"VisibilityTimeout", "60"}, {"DelaySeconds", "0"}}),
            "{\"QueueName\":\"q\",\"Attributes\":{\"DelaySeconds\":\"0\","
            "\"VisibilityTimeout\":\"60\"}}");
  EXPECT_EQ(*EncodeCreateQueue("q", {}), "{\"QueueName\":\"q\"}");
  EXPECT_EQ(*EncodeGetQueueUrl("login-events"), "{\"QueueName\":\"login-events\"}");
  EXPECT_EQ(Target("ReceiveMessage"), "AmazonSQS.ReceiveMessage");
}

TEST(JsonCodecTest, SendBodyEscapingRoundTrips) {
  const std::string body = Awkward();
  Result<std::string> json = EncodeSendMessageBatch(kQueue, {SendEntry{"e", body, {}}});
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  EXPECT_EQ(FirstMessageBody(*json), body);
}

TEST(JsonCodecTest, SendRejectsInvalidUtf8WithoutQuotingTheBody) {
  Result<std::string> json =
      EncodeSendMessageBatch(kQueue, {SendEntry{"e7", "secret \xFF body", {}}});
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(json.status().message().find("e7"), std::string::npos);
  EXPECT_EQ(json.status().message().find("secret"), std::string::npos);
}

TEST(JsonCodecTest, DecodesMessagesWithAttributes) {
  const std::string response = R"({"Messages":[
    {"MessageId":"m-1","ReceiptHandle":"rh-1","MD5OfBody":"abc",
     "Body":"{\"a\":\"\\u00e9\\n\\\"x\\\"\"}",
     "Attributes":{"SentTimestamp":"1700000000123","ApproximateReceiveCount":"3",
                   "MessageGroupId":"g-7"},
     "MessageAttributes":{"k":{"DataType":"String","StringValue":"v"}}},
    {"MessageId":"m-2","ReceiptHandle":"rh-2","Body":"caf\u00e9 \ud83d\ude00 \u0001",
     "Attributes":{"SentTimestamp":1700000000999}}
  ]})";
  Result<std::vector<ReceivedMessage>> got = DecodeReceiveMessage(response);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 2u);
  const Message& m1 = (*got)[0].message;
  EXPECT_EQ(m1.message_id, "m-1");
  EXPECT_EQ(m1.receipt_handle, "rh-1");
  EXPECT_EQ(m1.body, "{\"a\":\"\\u00e9\\n\\\"x\\\"\"}");
  EXPECT_EQ(m1.sent_timestamp_ms, 1700000000123);
  EXPECT_EQ(m1.receive_count, 3);
  EXPECT_EQ(m1.message_group_id, "g-7");
  EXPECT_EQ((*got)[0].md5_of_body, "abc");
  EXPECT_EQ(m1.message_attributes, (std::map<std::string, std::string>{{"k", "v"}}));
  const Message& m2 = (*got)[1].message;
  EXPECT_EQ(m2.body, "caf\xC3\xA9 \xF0\x9F\x98\x80 \x01");
  EXPECT_EQ(m2.sent_timestamp_ms, 1700000000999);
  EXPECT_EQ(m2.receive_count, 0);
  EXPECT_TRUE(m2.message_attributes.empty());
  EXPECT_EQ((*got)[1].md5_of_body, "");
}

TEST(JsonCodecTest, EmptyReceive) {
  for (const char* empty : {"{}", "", "  \n", R"({"Messages":[]})", R"({"Messages":null})"}) {
    Result<std::vector<ReceivedMessage>> got = DecodeReceiveMessage(empty);
    ASSERT_TRUE(got.ok()) << empty;
    EXPECT_TRUE(got->empty());
  }
}

TEST(JsonCodecTest, MalformedResponsesAreInternalErrors) {
  for (const char* bad : {"{", "[]", R"({"Messages":{}})", R"({"Messages":[{"MessageId":"x"}]})",
                          R"({"Messages":[{"MessageId":"x","ReceiptHandle":"r","Body":7}]})"}) {
    Result<std::vector<ReceivedMessage>> got = DecodeReceiveMessage(bad);
    ASSERT_FALSE(got.ok()) << bad;
    EXPECT_EQ(got.status().code(), StatusCode::kInternal);
  }
  EXPECT_FALSE(DecodeQueueUrl("{}").ok());
  EXPECT_FALSE(DecodeBatchResult(R"({"Failed":[{"Code":"X"}]})").ok());
}

TEST(JsonCodecTest, DecodesBatchResults) {
  Result<std::vector<BatchFailure>> got = DecodeBatchResult(R"({
    "Successful":[{"Id":"0"},{"Id":"2"}],
    "Failed":[{"Id":"1","SenderFault":true,"Code":"ReceiptHandleIsInvalid","Message":"gone"},
              {"Id":"3","SenderFault":false,"Code":"InternalError"}]})");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].id, "1");
  EXPECT_EQ((*got)[0].code, "ReceiptHandleIsInvalid");
  EXPECT_EQ((*got)[0].message, "gone");
  EXPECT_TRUE((*got)[0].sender_fault);
  EXPECT_EQ((*got)[1].id, "3");
  EXPECT_FALSE((*got)[1].sender_fault);
  EXPECT_TRUE(DecodeBatchResult(R"({"Successful":[{"Id":"0"}]})")->empty());
  EXPECT_TRUE(DecodeBatchResult("{}")->empty());
}

TEST(JsonCodecTest, DecodesQueueAttributesAndUrls) {
  auto attrs = DecodeGetQueueAttributes(
      R"({"Attributes":{"ApproximateNumberOfMessages":"12","QueueArn":"arn:aws:sqs:x"}})");
  ASSERT_TRUE(attrs.ok());
  EXPECT_EQ(attrs->at("ApproximateNumberOfMessages"), "12");
  EXPECT_EQ(attrs->at("QueueArn"), "arn:aws:sqs:x");
  EXPECT_EQ(*DecodeQueueUrl(R"({"QueueUrl":"http://sqs.us-east-1.localhost:4566/000000000000/q"})"),
            "http://sqs.us-east-1.localhost:4566/000000000000/q");
}

TEST(JsonCodecTest, DecodesJsonErrors) {
  aws::HttpResponse r;
  r.status = 400;
  r.headers = {{"x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender"}};
  r.body = R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist",)"
           R"("message":"The specified queue does not exist."})";
  ErrorInfo e = DecodeError(r);
  EXPECT_EQ(e.code, "QueueDoesNotExist");
  EXPECT_EQ(e.query_code, "AWS.SimpleQueueService.NonExistentQueue");
  EXPECT_TRUE(e.sender_fault);
  EXPECT_EQ(e.message, "The specified queue does not exist.");

  r.headers.clear();
  r.body = R"({"__type":"ThrottlingException","Message":"Rate exceeded"})";
  e = DecodeError(r);
  EXPECT_EQ(e.code, "ThrottlingException");
  EXPECT_EQ(e.message, "Rate exceeded");
}

TEST(JsonCodecTest, DecodesXmlAndOpaqueErrors) {
  aws::HttpResponse r;
  r.status = 403;
  r.body =
      "<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code>"
      "<Message>nope</Message></Error><RequestId>x</RequestId></ErrorResponse>";
  ErrorInfo e = DecodeError(r);
  EXPECT_EQ(e.code, "SignatureDoesNotMatch");
  EXPECT_EQ(e.message, "nope");

  r.body = "Bad Gateway";
  e = DecodeError(r);
  EXPECT_EQ(e.code, "");
  EXPECT_EQ(e.message, "");
}

}  // namespace
}  // namespace sqs2pg::sqs::json_codec
