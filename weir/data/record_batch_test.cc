#include "weir/data/record_batch.h"

#include "gtest/gtest.h"

namespace weir::data {
namespace {

TEST(ColumnTest, MissingIsDistinctFromEmpty) {
  Column column("x", DataType::kFloat);
  column.AddFloat(1.5f);
  column.FinishRow(Presence::kPresent);
  column.FinishRow(Presence::kPresent);  // Present, empty list.
  column.AppendMissing();                // No feature.
  column.AppendMissing(Presence::kNoKind);
  ASSERT_EQ(column.num_rows(), 4u);
  EXPECT_TRUE(column.is_present(0));
  EXPECT_EQ(column.value_count(0), 1u);
  EXPECT_TRUE(column.is_present(1));
  EXPECT_EQ(column.value_count(1), 0u);
  EXPECT_EQ(column.presence(2), Presence::kAbsent);
  EXPECT_EQ(column.presence(3), Presence::kNoKind);
  EXPECT_EQ(column.num_values(), 1u);
  EXPECT_FALSE(column.single_valued());
}

TEST(ColumnTest, ScalarFastPath) {
  Column column("n", DataType::kInt64);
  for (int64_t v : {3, -1, 7}) {
    column.AddInt64(v);
    column.FinishRow(Presence::kPresent);
  }
  EXPECT_TRUE(column.single_valued());
  EXPECT_EQ(column.int64_values()[2], 7);
}

TEST(ColumnTest, BytesLists) {
  Column column("s", DataType::kBytes);
  column.AddBytes("a");
  column.AddBytes("");
  column.AddBytes("ccc");
  column.FinishRow(Presence::kPresent);
  column.AddBytes("d");
  column.FinishRow(Presence::kPresent);
  EXPECT_EQ(column.value_count(0), 3u);
  EXPECT_EQ(column.bytes_value(1), "");
  EXPECT_EQ(column.bytes_value(2), "ccc");
  EXPECT_EQ(column.bytes_value(column.value_begin(1)), "d");
}

TEST(RecordBatchTest, FindColumn) {
  RecordBatch batch;
  batch.AddColumn("a", DataType::kInt64).AppendMissing();
  batch.AddColumn("b", DataType::kBytes).AppendMissing();
  EXPECT_EQ(batch.num_rows(), 1u);
  ASSERT_NE(batch.FindColumn("b"), nullptr);
  EXPECT_EQ(batch.FindColumn("b")->type(), DataType::kBytes);
  EXPECT_EQ(batch.FindColumn("c"), nullptr);
}

}  // namespace
}  // namespace weir::data
