#include "weir/io/tfrecord/tfrecord.h"

#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "weir/base/files.h"

namespace weir::io {
namespace {
namespace fs = std::filesystem;

fs::path TempPath(const std::string& name) {
  fs::path dir = fs::path(::testing::TempDir()) / "tfrecord_test";
  fs::create_directories(dir);
  return dir / name;
}

std::vector<std::string> SampleRecords() {
  std::vector<std::string> records = {"", "a", std::string(1000, 'x'), std::string("\0\1\2", 3)};
  for (int i = 0; i < 20000; ++i) records.push_back("record number " + std::to_string(i));
  return records;
}

class TfRecordRoundTrip : public ::testing::TestWithParam<Compression> {};

TEST_P(TfRecordRoundTrip, WritesAndReadsBack) {
  fs::path path = TempPath(GetParam() == Compression::kGzip ? "round.gz" : "round.tfrecord");
  auto records = SampleRecords();
  {
    auto writer = TfRecordWriter::Create(path, GetParam());
    ASSERT_TRUE(writer.ok()) << writer.status();
    for (const auto& record : records) ASSERT_TRUE(writer->Write(record).ok());
    ASSERT_TRUE(writer->Close().ok());
  }
  auto read = ReadAllRecords(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, records);
}

INSTANTIATE_TEST_SUITE_P(Compressions, TfRecordRoundTrip,
                         ::testing::Values(Compression::kNone, Compression::kGzip));

TEST(TfRecordTest, FramingMatchesTheFormat) {
  std::string framed;
  AppendFramedRecord("hello", &framed);
  ASSERT_EQ(framed.size(), 8u + 4 + 5 + 4);
  EXPECT_EQ(framed.substr(0, 8), std::string("\x05\0\0\0\0\0\0\0", 8));
  EXPECT_EQ(framed.substr(12, 5), "hello");
}

TEST(TfRecordTest, GzipOutputIsReadableByZlibAsOneStream) {
  // Several members (WriteEncoded of separately compressed blocks) must read as one stream with
  // zlib's gzip reader, which is what TensorFlow's reader and Python's gzip do.
  fs::path path = TempPath("members.gz");
  std::string expected;
  {
    auto writer = TfRecordWriter::Create(path, Compression::kGzip);
    ASSERT_TRUE(writer.ok());
    GzipCompressor compressor;
    for (int member = 0; member < 3; ++member) {
      std::string framed;
      AppendFramedRecord("member " + std::to_string(member), &framed);
      expected += framed;
      std::string compressed;
      compressor.CompressMember(framed, &compressed);
      ASSERT_TRUE(writer->WriteEncoded(compressed).ok());
    }
    ASSERT_TRUE(writer->Close().ok());
  }
  gzFile file = gzopen(path.c_str(), "rb");
  ASSERT_NE(file, nullptr);
  std::string inflated(expected.size() + 100, '\0');
  int n = gzread(file, inflated.data(), static_cast<unsigned>(inflated.size()));
  gzclose(file);
  inflated.resize(n > 0 ? static_cast<size_t>(n) : 0);
  EXPECT_EQ(inflated, expected);
  auto read = ReadAllRecords(path);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, (std::vector<std::string>{"member 0", "member 1", "member 2"}));
}

TEST(TfRecordTest, CorruptDataIsAnErrorWithOffset) {
  fs::path path = TempPath("corrupt.tfrecord");
  std::string framed;
  AppendFramedRecord("first", &framed);
  size_t second_offset = framed.size();
  AppendFramedRecord("second", &framed);
  framed[second_offset + 12 + 2] ^= 0x20;  // Flip a bit in the second record's data.
  ASSERT_TRUE(base::WriteFileAtomically(path, framed).ok());
  auto reader = TfRecordReader::Open(path);
  ASSERT_TRUE(reader.ok());
  auto first = (*reader)->Next();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(**first, "first");
  auto second = (*reader)->Next();
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(absl::IsDataLoss(second.status()));
  EXPECT_NE(second.status().message().find("byte offset " + std::to_string(second_offset)),
            std::string::npos)
      << second.status();
  EXPECT_NE(second.status().message().find("corrupt.tfrecord"), std::string::npos);
}

// The reader does not verify gzip's own CRC-32 (the records' checksums cover every inflated byte),
// so a damaged byte that still inflates must be caught by the record's checksum.
TEST(TfRecordTest, CorruptGzipPayloadIsCaughtByTheRecordChecksum) {
  std::string framed;
  AppendFramedRecord("first", &framed);
  AppendFramedRecord("second", &framed);
  fs::path path = TempPath("corrupt_payload.gz");
  gzFile out = gzopen(path.c_str(), "wb0");  // Stored blocks: the payload appears verbatim.
  ASSERT_NE(out, nullptr);
  ASSERT_EQ(gzwrite(out, framed.data(), static_cast<unsigned>(framed.size())),
            static_cast<int>(framed.size()));
  ASSERT_EQ(gzclose(out), Z_OK);
  absl::StatusOr<std::string> read = base::ReadFile(path);
  ASSERT_TRUE(read.ok());
  std::string compressed = *read;
  const size_t at = compressed.find("second");
  ASSERT_NE(at, std::string::npos);
  compressed[at + 1] ^= 0x20;
  ASSERT_TRUE(base::WriteFileAtomically(path, compressed).ok());
  auto records = ReadAllRecords(path);
  ASSERT_FALSE(records.ok());
  EXPECT_TRUE(absl::IsDataLoss(records.status()));
  EXPECT_NE(records.status().message().find("data checksum mismatch"), std::string::npos)
      << records.status();
}

TEST(TfRecordTest, TruncatedFileIsAnErrorNotData) {
  fs::path path = TempPath("truncated.tfrecord");
  std::string framed;
  AppendFramedRecord("complete", &framed);
  AppendFramedRecord("cut short", &framed);
  for (size_t cut : {framed.size() - 1, framed.size() - 10, framed.size() - 20}) {
    ASSERT_TRUE(base::WriteFileAtomically(path, framed.substr(0, cut)).ok());
    auto records = ReadAllRecords(path);
    ASSERT_FALSE(records.ok()) << "cut at " << cut;
    EXPECT_TRUE(absl::IsDataLoss(records.status()));
    EXPECT_NE(records.status().message().find("truncated"), std::string::npos) << records.status();
  }
}

TEST(TfRecordTest, TruncatedGzipIsAnError) {
  fs::path path = TempPath("truncated.gz");
  {
    auto writer = TfRecordWriter::Create(path, Compression::kGzip);
    ASSERT_TRUE(writer.ok());
    for (const auto& record : SampleRecords()) ASSERT_TRUE(writer->Write(record).ok());
    ASSERT_TRUE(writer->Close().ok());
  }
  std::string bytes = *base::ReadFile(path);
  ASSERT_TRUE(base::WriteFileAtomically(path, bytes.substr(0, bytes.size() / 2)).ok());
  auto records = ReadAllRecords(path);
  ASSERT_FALSE(records.ok());
  EXPECT_TRUE(absl::IsDataLoss(records.status())) << records.status();
}

}  // namespace
}  // namespace weir::io
