// The Airflow DAG module's text where the e2e test's ordinary paths do not reach: quoting of
// paths and values, schedules Airflow spells differently, and schedules it cannot take.
#include "weir/pipeline/airflow_export.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace weir::pipeline {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

PipelineSpec TwoNodes(const std::string& cron) {
  PipelineSpec spec;
  spec.set_name("p");
  spec.mutable_schedule()->set_cron(cron);
  NodeSpec* gen = spec.add_nodes();
  gen->set_id("Gen");
  NodeSpec* stats = spec.add_nodes();
  stats->set_id("Stats");
  (*stats->mutable_inputs())["examples"] = "Gen.examples";
  (*stats->mutable_inputs())["more"] = "Gen.other";  // One edge for both inputs.
  return spec;
}

TEST(AirflowExportTest, QuotesPathsAndValuesForPythonAndTheShell) {
  auto dag = ExportAirflowDag(TwoNodes(""), {.pipeline_file = "/data/it's \"here\"/p.yaml",
                                             .environment = {{"NOTE", "a\\b\nc"}}});
  ASSERT_TRUE(dag.ok()) << dag.status();
  EXPECT_THAT(*dag, HasSubstr(R"(PIPELINE_FILE = "/data/it's \"here\"/p.yaml")"));
  // The shell word closes and reopens its single quotes around the one in the path.
  EXPECT_THAT(*dag, HasSubstr(R"(--pipeline '/data/it'\\''s \"here\"/p.yaml')"));
  EXPECT_THAT(*dag, HasSubstr(R"("NOTE": "a\\b\x0ac")"));
  EXPECT_THAT(*dag, HasSubstr("schedule=None"));
  EXPECT_EQ(dag->find("tasks[\"Gen\"] >> tasks[\"Stats\"]"),
            dag->rfind("tasks[\"Gen\"] >> tasks[\"Stats\"]"));
  EXPECT_THAT(*dag, Not(HasSubstr("retries=")));
}

TEST(AirflowExportTest, SpellsSchedulesAsAirflowTakesThem) {
  auto schedule_of = [](const std::string& cron) {
    auto dag = ExportAirflowDag(TwoNodes(cron), {.pipeline_file = "/p.yaml"});
    EXPECT_TRUE(dag.ok()) << cron << ": " << dag.status();
    const size_t at = dag->find("schedule=");
    return dag->substr(at, dag->find('\n', at) - at);
  };
  EXPECT_EQ(schedule_of("@Daily"), "schedule=\"@daily\",");
  EXPECT_EQ(schedule_of("@midnight"), "schedule=\"0 0 * * *\",");
  EXPECT_EQ(schedule_of("@annually"), "schedule=\"@yearly\",");
  EXPECT_EQ(schedule_of("@once"), "schedule=\"@once\",");
  EXPECT_EQ(schedule_of(" 5 4 * * 1-5 "), "schedule=\"5 4 * * 1-5\",");
  EXPECT_EQ(schedule_of("none"), "schedule=None,");
  EXPECT_FALSE(ExportAirflowDag(TwoNodes("99 * * * *"), {}).ok());
  PipelineSpec late = TwoNodes("@hourly");
  late.mutable_schedule()->set_start_date("2026-13-01");
  EXPECT_FALSE(ExportAirflowDag(late, {}).ok());
}

}  // namespace
}  // namespace weir::pipeline
