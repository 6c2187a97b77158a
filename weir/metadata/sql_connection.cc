#include "weir/metadata/sql_connection.h"

#include "weir/base/status.h"

namespace weir::metadata {

absl::Status SqlStatement::Run() {
  ASSIGN_OR_RETURN(bool row, Step());
  while (row) {
    ASSIGN_OR_RETURN(row, Step());
  }
  return absl::OkStatus();
}

}  // namespace weir::metadata
