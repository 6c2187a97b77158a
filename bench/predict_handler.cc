// The model server's cost per request without HTTP: ModelServer::Handle for the version-status
// endpoint (the trivial baseline bench/serve.sh compares against) and for predict requests of 1
// and 100 instances, on one thread. bench/serve.sh measures the same under wrk; this isolates
// what the predict path adds on top of the HTTP layer, and is the one to profile.
//   build/release/bin/weir_bench_predict_handler MODEL_DIR [REQUEST.json] [SECONDS]
// MODEL_DIR: a Model artifact or Format-Serving folder. REQUEST.json: a predict body of one
// instance (default: the body bench/serve.sh sends to the taxi model).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "weir/base/files.h"
#include "weir/model/serving_model.h"
#include "weir/serving/model_server.h"
#include "weir/serving/predict_request.h"

using namespace weir;

namespace {

constexpr char kTaxiInstance[] =
    R"({"trip_miles": 2.5, "fare": 9.5, "trip_seconds": 600, "company": "Flash Cab", )"
    R"("payment_type": "Credit Card", "trip_start_hour": 14, "trip_start_day": 3, )"
    R"("trip_start_month": 5, "pickup_latitude": 41.88, "pickup_longitude": -87.63, )"
    R"("dropoff_latitude": 41.9, "dropoff_longitude": -87.65})";

// Microseconds per call of `call`: the best of five runs of about seconds / 5 each (these
// machines are shared; the minimum is the figure least disturbed by others).
template <typename Call>
double MicrosPerCall(double seconds, Call call) {
  using Clock = std::chrono::steady_clock;
  double best = HUGE_VAL;
  for (int run = 0; run < 5; ++run) {
    uint64_t calls = 0;
    const auto start = Clock::now();
    double elapsed = 0;
    while (elapsed < seconds / 5) {
      for (int i = 0; i < 100; ++i) call();
      calls += 100;
      elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    }
    best = std::min(best, elapsed * 1e6 / static_cast<double>(calls));
  }
  return best;
}

template <typename T>
T OrExit(absl::StatusOr<T> value) {
  if (!value.ok()) {
    std::fprintf(stderr, "%s\n", std::string(value.status().message()).c_str());
    std::exit(1);
  }
  return *std::move(value);
}

// Microseconds per call of Handle(method, path, body).
double MicrosPerRequest(serving::ModelServer& server, const char* method, const std::string& path,
                        const std::string& body, double seconds) {
  const serving::HttpResponse first = server.Handle(method, path, body);
  if (first.status != 200) {
    std::fprintf(stderr, "%s %s: %d %s\n", method, path.c_str(), first.status, first.body.c_str());
    std::exit(1);
  }
  return MicrosPerCall(seconds, [&] { server.Handle(method, path, body); });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL_DIR [REQUEST.json] [SECONDS]\n", argv[0]);
    return 2;
  }
  std::string instance = kTaxiInstance;
  if (argc > 2) {
    auto text = base::ReadFile(argv[2]);
    if (!text.ok()) {
      std::fprintf(stderr, "%s\n", std::string(text.status().message()).c_str());
      return 1;
    }
    instance = *text;
  }
  const double seconds = argc > 3 ? std::atof(argv[3]) : 2.0;
  auto server = serving::ModelServer::Start({.model_name = "m", .model_path = argv[1]});
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", std::string(server.status().message()).c_str());
    return 1;
  }
  std::string hundred;
  for (int i = 0; i < 100; ++i) hundred += (i ? "," : "") + instance;
  const std::string one_body = "{\"instances\": [" + instance + "]}";
  const double status = MicrosPerRequest(**server, "GET", "/v1/models/m", "", seconds);
  const double one = MicrosPerRequest(**server, "POST", "/v1/models/m:predict", one_body, seconds);
  const double many = MicrosPerRequest(**server, "POST", "/v1/models/m:predict",
                                       "{\"instances\": [" + hundred + "]}", seconds);
  std::printf("%-36s %10s\n", "Handle, one thread", "us/call");
  std::printf("%-36s %10.2f\n", "status (trivial endpoint)", status);
  std::printf("%-36s %10.2f\n", "predict, 1 instance", one);
  std::printf("%-36s %10.2f  (%.2f us per instance)\n", "predict, 100 instances", many, many / 100);
  std::printf("\npredict adds %.2f us per request over the status endpoint (%.1fx its cost)\n",
              one - status, one / status);

  // Where a one-instance request's time goes.
  const auto model = OrExit(model::ServingModel::Load(argv[1]));
  const serving::PredictRequestReader reader(model->spec());
  const data::RecordBatch raw = OrExit(reader.Read(one_body)).raw;
  const data::RecordBatch transformed = OrExit(model->transform().Apply(raw));
  const std::vector<float> predictions = OrExit(model->Predict(raw));
  const int width = model::OutputsPerRow(model->spec());
  const double read = MicrosPerCall(seconds / 4, [&] { (void)reader.Read(one_body); });
  const double transform = MicrosPerCall(seconds / 4, [&] { (void)model->transform().Apply(raw); });
  const double predict = MicrosPerCall(seconds / 4, [&] { (void)model->Predict(raw); });
  const double write = MicrosPerCall(
      seconds / 4, [&] { (void)serving::WritePredictResponse(predictions, width, false); });
  std::printf("\n%-36s %10s\n", "1 instance, by step", "us/call");
  std::printf("%-36s %10.2f\n", "read the JSON body into columns", read);
  std::printf("%-36s %10.2f\n", "transform (all features)", transform);
  std::printf("%-36s %10.2f\n", "transform + model", predict);
  std::printf("%-36s %10.2f\n", "write the response", write);
  return 0;
}
