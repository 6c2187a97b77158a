#include "weir/base/hashing.h"

#include <openssl/sha.h>

#include <cstdio>
#include <random>
#include <string>
#include <utility>

#include "gtest/gtest.h"

namespace weir::base {
namespace {

TEST(Crc32cTest, KnownVectors) {
  // Check values from RFC 3720 (iSCSI) appendix B.4 and the common "123456789" check value.
  EXPECT_EQ(Crc32c("123456789"), 0xe3069283u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8a9136aau);
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62a8ab43u);
  EXPECT_EQ(Crc32c(""), 0u);
}

TEST(Crc32cTest, HardwareMatchesPortableAtEveryLengthAndAlignment) {
  std::string data;
  for (int i = 0; i < 300; ++i) data.push_back(static_cast<char>(i * 7 + 3));
  for (size_t start = 0; start < 9; ++start) {
    for (size_t length = 0; start + length <= data.size(); length += 13) {
      std::string_view piece(data.data() + start, length);
      EXPECT_EQ(Crc32c(piece), Crc32cPortable(0, piece)) << start << " " << length;
    }
  }
}

TEST(Crc32cTest, ExtendEqualsWhole) {
  EXPECT_EQ(Crc32cExtend(Crc32c("hello "), "world"), Crc32c("hello world"));
}

TEST(Crc32cTest, MaskMatchesTfRecordDefinition) {
  uint32_t crc = 0x12345678u;
  EXPECT_EQ(MaskCrc32c(crc), ((crc >> 15) | (crc << 17)) + 0xa282ead8u);
}

// FIPS 180-4's examples and NIST's test vectors, through both implementations.
TEST(Sha256Test, KnownVectors) {
  const std::string million_a(1000000, 'a');
  const std::pair<std::string, std::string> vectors[] = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqr"
       "lmnopqrsmnopqrstnopqrstu",
       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
      {million_a, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
  };
  for (const auto& [text, hex] : vectors) {
    EXPECT_EQ(ToHex(Sha256(text)), hex) << text.size() << " bytes";
    EXPECT_EQ(ToHex(Sha256Portable(text)), hex) << text.size() << " bytes";
  }
}

// Every length around the block and padding boundaries, and random bytes, agree with OpenSSL's.
TEST(Sha256Test, AgreesWithOpenSsl) {
  std::mt19937_64 random(42);
  std::string data;
  for (size_t length = 0; length <= 300; ++length) {
    data.resize(length);
    for (char& c : data) c = static_cast<char>(random());
    Sha256Digest expected;
    ::SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), expected.data());
    EXPECT_EQ(Sha256(data), expected) << length;
    EXPECT_EQ(Sha256Portable(data), expected) << length;
  }
  std::printf("SHA instructions: %s\n", Sha256IsHardwareAccelerated() ? "yes" : "no");
}

TEST(Sha256Test, BigEndianModuloMatchesLongDivisionOfTheHexNumber) {
  // int("ba78...15ad", 16) % 3 == 1 and % 7 == 5 (computed with Python's arbitrary integers).
  Sha256Digest digest = Sha256("abc");
  EXPECT_EQ(BigEndianModulo(digest, 3), 1u);
  EXPECT_EQ(BigEndianModulo(digest, 7), 5u);
  EXPECT_EQ(BigEndianModulo(digest, 1), 0u);
  EXPECT_EQ(BigEndianModulo(digest, (uint64_t{1} << 40) + 15), 42526793120u);  // The wide path.
}

TEST(Xxh3Test, StableAndSensitive) {
  EXPECT_EQ(Xxh3("weir"), Xxh3("weir"));
  EXPECT_NE(Xxh3("weir"), Xxh3("weis"));
}

}  // namespace
}  // namespace weir::base
