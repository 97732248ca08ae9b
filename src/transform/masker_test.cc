#include "transform/masker.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "transform/masker_test_support.h"

namespace sqs2pg::transform {
namespace {

// The documented contract, computed independently with one-shot HMAC().
std::string ExpectedMask(const std::string& master, const std::string& field,
                         const std::string& value) {
  std::string label = "sqs2pg:v1:" + field;
  unsigned char field_key[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), master.data(), static_cast<int>(master.size()),
       reinterpret_cast<const unsigned char*>(label.data()), label.size(), field_key, &len);
  EXPECT_EQ(len, 32u);
  unsigned char mac[32];
  HMAC(EVP_sha256(), field_key, 32, reinterpret_cast<const unsigned char*>(value.data()),
       value.size(), mac, &len);
  return Hex(mac, 32);
}

TEST(MaskerTest, FieldNames) {
  EXPECT_EQ(MaskFieldName(MaskField::kIp), "ip");
  EXPECT_EQ(MaskFieldName(MaskField::kDeviceId), "device_id");
}

TEST(MaskerTest, KnownAnswerFromPythonHmac) {
  // python3: fk = hmac.new(bytes(range(32)), b"sqs2pg:v1:ip", sha256).digest();
  //          hmac.new(fk, b"199.172.111.135", sha256).hexdigest()
  Masker masker(KeyBytes0To31());
  EXPECT_EQ(masker.Mask(MaskField::kIp, "199.172.111.135"),
            "c442c385aa33cb12ec137bf7fbfcf6e3789ff16a2dcb2b3237e2d584325208a1");
  EXPECT_EQ(masker.Mask(MaskField::kDeviceId, "593-47-5928"),
            "d29a1d9dc0ad2eca9a63fdd90c49d34f98202ca4f62102270f412d3209a5fbce");
}

TEST(MaskerTest, MatchesTwoStepHmacContract) {
  std::string master = KeyBytes0To31() + "longer master keys are fine too";
  Masker masker(master);
  for (const std::string& value :
       std::vector<std::string>{"", "1.2.3.4", "199.172.111.135", "593-47-5928",
                                std::string(1000, 'x'), std::string("a\0b", 3)}) {
    EXPECT_EQ(masker.Mask(MaskField::kIp, value), ExpectedMask(master, "ip", value));
    EXPECT_EQ(masker.Mask(MaskField::kDeviceId, value), ExpectedMask(master, "device_id", value));
  }
}

TEST(MaskerTest, OutputIs64LowercaseHexAndDeterministic) {
  Masker masker(KeyBytes0To31());
  std::string a = masker.Mask(MaskField::kIp, "10.0.0.1");
  ASSERT_EQ(a.size(), 64u);
  for (char c : a) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << a;
  EXPECT_EQ(masker.Mask(MaskField::kIp, "10.0.0.1"), a);  // context reuse does not drift
  EXPECT_NE(masker.Mask(MaskField::kIp, "10.0.0.2"), a);
}

TEST(MaskerTest, FieldsAreKeyedSeparately) {
  Masker masker(KeyBytes0To31());
  EXPECT_NE(masker.Mask(MaskField::kIp, "593-47-5928"),
            masker.Mask(MaskField::kDeviceId, "593-47-5928"));
}

TEST(MaskerTest, DifferentMasterKeysDiffer) {
  std::string other = KeyBytes0To31();
  other[0] = 1;
  EXPECT_NE(Masker(KeyBytes0To31()).Mask(MaskField::kIp, "1.2.3.4"),
            Masker(other).Mask(MaskField::kIp, "1.2.3.4"));
}

TEST(MaskerTest, MaskIntoWritesExactly64Chars) {
  Masker masker(KeyBytes0To31());
  char buf[66];
  buf[64] = '#';
  buf[65] = '#';
  masker.MaskInto(MaskField::kIp, "199.172.111.135", buf);
  EXPECT_EQ(std::string(buf, 64), masker.Mask(MaskField::kIp, "199.172.111.135"));
  EXPECT_EQ(buf[64], '#');
  EXPECT_EQ(buf[65], '#');
}

TEST(MaskerTest, CopiesAreIndependentAndAgree) {
  Masker original(KeyBytes0To31());
  std::string expected = original.Mask(MaskField::kDeviceId, "593-47-5928");
  Masker copy(original);
  EXPECT_EQ(copy.Mask(MaskField::kDeviceId, "593-47-5928"), expected);
  Masker assigned(std::string(32, 'k'));
  assigned = copy;
  EXPECT_EQ(assigned.Mask(MaskField::kDeviceId, "593-47-5928"), expected);
  Masker moved(std::move(copy));
  EXPECT_EQ(moved.Mask(MaskField::kDeviceId, "593-47-5928"), expected);
  {
    Masker temp(original);  // destroying a copy must not disturb the original's contexts
  }
  EXPECT_EQ(original.Mask(MaskField::kDeviceId, "593-47-5928"), expected);
  EXPECT_EQ(original.Mask(MaskField::kIp, "199.172.111.135"),
            "c442c385aa33cb12ec137bf7fbfcf6e3789ff16a2dcb2b3237e2d584325208a1");
}

// --- mask domains -------------------------------------------------------------------------------

// The login fields' masks as the code before mask domains computed them (Masker(scheme, key) with
// MaskField, key 00 01 .. 1f): the domains "ip" and "device_id" must keep giving exactly these.
struct LoginVector {
  MaskScheme scheme;
  MaskField field;
  const char* value;
  const char* masked;
};
const LoginVector kLoginVectors[] = {
    {MaskScheme::kHmacSha256, MaskField::kIp, "",
     "6e0b6924d0e5f7f81556c68fa172815aa46ab539630106134438834988545b20"},
    {MaskScheme::kHmacSha256, MaskField::kIp, "1.2.3.4",
     "44b6e72f74153cecb8d82f3a717133e76a312c6f9c53f43670c5586cdf20b8b0"},
    {MaskScheme::kHmacSha256, MaskField::kIp, "2001:db8::1",
     "8cb546e935830c831614dad1e2e106b993a7367e23db64ebd0317d7e4a93459e"},
    {MaskScheme::kHmacSha256, MaskField::kIp, "caf\xc3\xa9",
     "8634e27d07fbb32c83fb443411dc675b6d147a094f36b8dc06df979e5f94ccc5"},
    {MaskScheme::kHmacSha256, MaskField::kDeviceId, "",
     "516cfaec267b09001528e409cad131e37f8a395d18170d6f32503ac1b630eef2"},
    {MaskScheme::kHmacSha256, MaskField::kDeviceId, "1.2.3.4",
     "41b3102f3f265956bb680ec6f71fee35cd4faa8c7048cf60b708618212337992"},
    {MaskScheme::kHmacSha256, MaskField::kDeviceId, "dev-42",
     "65915d0ed8972f5bf9e694e22eded2ad289e57a9e068a1eb068fe62bc2c9411d"},
    {MaskScheme::kHmacSha256, MaskField::kDeviceId, "caf\xc3\xa9",
     "873e10528964e435cfd0805ca6a1a01dfce447c43521145666f561b0feedd6c3"},
    {MaskScheme::kAesSiv, MaskField::kIp, "", "s1.f8045705.I3rPYtq2LS3Ic7YAYWPfJw"},
    {MaskScheme::kAesSiv, MaskField::kIp, "1.2.3.4", "s1.f8045705.mYMWiU-SzqF7A6GqdFYkP2ovaOnf75Y"},
    {MaskScheme::kAesSiv, MaskField::kIp, "2001:db8::1",
     "s1.f8045705.puUyOISBH2BENmGwFsblFxCIuSCHDT0PTwHS"},
    {MaskScheme::kAesSiv, MaskField::kIp, "dev-42", "s1.f8045705.J-V1qqlYgat9qbrqLhnftomyMuzReA"},
    {MaskScheme::kAesSiv, MaskField::kDeviceId, "", "s1.f8045705.rqJc3VlgU8OoxxxzLVVIfg"},
    {MaskScheme::kAesSiv, MaskField::kDeviceId, "1.2.3.4",
     "s1.f8045705.a4xGufPXRz4sdQBz8PkRcASQ1oYC_VU"},
    {MaskScheme::kAesSiv, MaskField::kDeviceId, "dev-42",
     "s1.f8045705.xqAUwsGeJVYdt1UG1jCpyo6Vny0AqA"},
    {MaskScheme::kAesSiv, MaskField::kDeviceId, "caf\xc3\xa9",
     "s1.f8045705.UIoYyNeFDrXpw5BEfGLElQbkdvEw"},
};

TEST(MaskerDomainTest, DomainsAreKeptInTheOrderGiven) {
  for (MaskScheme scheme : {MaskScheme::kHmacSha256, MaskScheme::kAesSiv}) {
    Masker masker(scheme, KeyBytes0To31(), {"customer.email", "ip", "sns.TopicArn"});
    ASSERT_EQ(masker.domain_count(), 3u);
    EXPECT_EQ(masker.domain(0), "customer.email");
    EXPECT_EQ(masker.domain(1), "ip");
    EXPECT_EQ(masker.domain(2), "sns.TopicArn");
    Masker login(scheme, KeyBytes0To31());
    ASSERT_EQ(login.domain_count(), 2u);
    EXPECT_EQ(login.domain(0), "ip");
    EXPECT_EQ(login.domain(1), "device_id");
    EXPECT_EQ(Masker(scheme, KeyBytes0To31(), {}).domain_count(), 0u);
  }
  EXPECT_EQ(Masker(KeyBytes0To31()).domain(1), "device_id");
}

// The domains "ip" and "device_id" give today's masks, through the MaskField wrappers, through
// domain indexes, and wherever those domains stand in the list.
TEST(MaskerDomainTest, LoginDomainsGiveTodaysMasks) {
  for (const LoginVector& v : kLoginVectors) {
    const std::string name(MaskFieldName(v.field));
    Masker login(v.scheme, KeyBytes0To31());
    EXPECT_EQ(login.Mask(v.field, v.value), v.masked) << name << " " << v.value;
    EXPECT_EQ(login.Mask(static_cast<size_t>(v.field), v.value), v.masked);
    Masker explicit_login(v.scheme, KeyBytes0To31(), {"ip", "device_id"});
    EXPECT_EQ(explicit_login.Mask(v.field, v.value), v.masked);
    Masker elsewhere(v.scheme, KeyBytes0To31(), {"customer.email", name, "x"});
    EXPECT_EQ(elsewhere.Mask(1, v.value), v.masked) << name << " " << v.value;
    std::string out = "previous contents, longer than any of these masks";
    elsewhere.MaskInto(1, v.value, &out);
    EXPECT_EQ(out, v.masked);
  }
  Masker hmac(KeyBytes0To31());
  char buf[64];
  hmac.MaskInto(MaskField::kIp, "1.2.3.4", buf);
  EXPECT_EQ(std::string(buf, 64), kLoginVectors[1].masked);
  hmac.MaskInto(size_t{0}, "1.2.3.4", buf);
  EXPECT_EQ(std::string(buf, 64), kLoginVectors[1].masked);
}

// Any domain follows the documented two-step contract with the domain in place of the field.
TEST(MaskerDomainTest, AnyDomainFollowsTheContract) {
  const std::string master = KeyBytes0To31();
  const std::vector<std::string> domains = {
      "customer.email", "email", "items.0.sku", "SentTimestamp", "d\xc3\xa9j\xc3\xa0", "a b"};
  Masker masker(MaskScheme::kHmacSha256, master, domains);
  for (size_t d = 0; d < domains.size(); ++d) {
    for (const std::string& value :
         std::vector<std::string>{"", "alice@example.com", std::string(300, 'z')}) {
      EXPECT_EQ(masker.Mask(d, value), ExpectedMask(master, domains[d], value)) << domains[d];
    }
  }
  // python3: fk = hmac.new(bytes(range(32)), b"sqs2pg:v1:customer.email", sha256).digest();
  //          hmac.new(fk, b"alice@example.com", sha256).hexdigest()
  EXPECT_EQ(masker.Mask(0, "alice@example.com"),
            "5d5b5d667f226532e9e5de4b68ec6bebe9ad4be5b909887e5b97e0a717d6bca2");
  EXPECT_EQ(masker.Mask(1, "alice@example.com"),
            "14a906b60a25d7bb335eb7f1a1332357f72821b0b5fbb8c58eef34e80686349c");
}

// One domain, one key: the same domain in two maskers (two streams) or twice in one list gives
// the same masks (linkable); different domains never do, even domains that differ by one byte or
// in case.
TEST(MaskerDomainTest, SameDomainLinksDifferentDomainsDoNot) {
  for (MaskScheme scheme : {MaskScheme::kHmacSha256, MaskScheme::kAesSiv}) {
    const std::vector<std::string> domains = {"email", "customer.email", "Email", "email ",
                                              "ip",    "device_id",      "",      "email"};
    Masker stream_a(scheme, KeyBytes0To31(), domains);
    Masker stream_b(scheme, KeyBytes0To31(), {"user.email", "email"});
    for (const std::string value : {"", "alice@example.com", "10.0.0.1"}) {
      EXPECT_EQ(stream_a.Mask(0, value), stream_b.Mask(1, value));
      EXPECT_EQ(stream_a.Mask(0, value), stream_a.Mask(7, value));
      std::set<std::string> distinct;
      for (size_t d = 0; d + 1 < domains.size(); ++d) distinct.insert(stream_a.Mask(d, value));
      distinct.insert(stream_b.Mask(0, value));
      EXPECT_EQ(distinct.size(), domains.size()) << MaskSchemeName(scheme) << " [" << value << "]";
    }
  }
}

TEST(MaskerDomainTest, MinMaskedSizeIsTheShortestMask) {
  Masker hmac(MaskScheme::kHmacSha256, KeyBytes0To31(), {"a"});
  Masker siv(MaskScheme::kAesSiv, KeyBytes0To31(), {"a"});
  EXPECT_EQ(hmac.MinMaskedSize(), 64u);
  EXPECT_EQ(siv.MinMaskedSize(), 34u);
  EXPECT_EQ(siv.MinMaskedSize(), siv.MaskedSize(0));
  EXPECT_EQ(AesSivMasker::MinMaskedSize(), 34u);
  EXPECT_EQ(hmac.Mask(0, "").size(), hmac.MinMaskedSize());
  EXPECT_EQ(siv.Mask(0, "").size(), siv.MinMaskedSize());
  for (size_t n = 0; n < 100; ++n) {
    EXPECT_GE(hmac.MaskedSize(n), hmac.MinMaskedSize());
    EXPECT_GE(siv.MaskedSize(n), siv.MinMaskedSize());
  }
}

// Each writer thread takes its own copy: copies (and assignments and moves) of a many-domain
// masker agree with the original and with each other, and using or destroying one does not
// disturb another, interleaved across domains.
TEST(MaskerDomainTest, CopiesAreIndependentAcrossDomains) {
  for (MaskScheme scheme : {MaskScheme::kHmacSha256, MaskScheme::kAesSiv}) {
    std::vector<std::string> domains;
    for (int i = 0; i < 12; ++i) domains.push_back("column." + std::to_string(i));
    auto original = std::make_unique<Masker>(scheme, KeyBytes0To31(), domains);
    std::vector<std::string> expected;
    for (size_t d = 0; d < domains.size(); ++d) {
      expected.push_back(original->Mask(d, "value-" + std::to_string(d)));
    }
    Masker copy(*original);
    Masker assigned(scheme, std::string(32, 'k'), {"other"});
    assigned = *original;
    ASSERT_EQ(assigned.domain_count(), domains.size());
    for (size_t round = 0; round < 3; ++round) {
      for (size_t d = 0; d < domains.size(); ++d) {
        const size_t e = domains.size() - 1 - d;  // the other copy walks the domains backwards
        const std::string value = "value-" + std::to_string(d);
        EXPECT_EQ(copy.Mask(d, value), expected[d]);
        EXPECT_EQ(assigned.Mask(e, "value-" + std::to_string(e)), expected[e]);
        EXPECT_EQ(original->Mask(d, value), expected[d]);
      }
    }
    original.reset();  // the copies own their contexts
    Masker moved(std::move(copy));
    for (size_t d = 0; d < domains.size(); ++d) {
      EXPECT_EQ(moved.Mask(d, "value-" + std::to_string(d)), expected[d]);
      EXPECT_EQ(assigned.Mask(d, "value-" + std::to_string(d)), expected[d]);
      EXPECT_EQ(moved.domain(d), domains[d]);
    }
  }
}

// The MaskField wrappers are for the login domains only, and an index past the list is a
// programming error: both abort rather than mask under the wrong key.
TEST(MaskerDomainDeathTest, WrongDomainUseAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  Masker other(MaskScheme::kHmacSha256, KeyBytes0To31(), {"device_id", "ip"});
  EXPECT_DEATH(other.Mask(MaskField::kIp, "1.2.3.4"), "without the login domains");
  EXPECT_DEATH(other.Mask(2, "1.2.3.4"), "out of range");
  EXPECT_DEATH(other.domain(2), "out of range");
  Masker siv(MaskScheme::kAesSiv, KeyBytes0To31(), {"email"});
  EXPECT_DEATH(siv.Mask(MaskField::kDeviceId, "1.2.3.4"), "without the login domains");
  EXPECT_DEATH(siv.Mask(1, "1.2.3.4"), "out of range");
}

}  // namespace
}  // namespace sqs2pg::transform
