// What the model server's fuzz targets share: a ModelServer over two small gbdt models written in
// the scratch folder on first use, "taxi" (binary classification; version 1, labelled "stable")
// and "tips" (regression), never polled again.
#ifndef WEIR_FUZZ_TARGETS_SERVED_MODELS_H_
#define WEIR_FUZZ_TARGETS_SERVED_MODELS_H_

#include "weir/serving/model_server.h"

namespace weir::fuzz {

serving::ModelServer& TestModelServer();

}  // namespace weir::fuzz

#endif  // WEIR_FUZZ_TARGETS_SERVED_MODELS_H_
