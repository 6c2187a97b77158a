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

absl::StatusOr<std::vector<std::string>> SqlConnection::TableNames() {
  ASSIGN_OR_RETURN(auto select, Prepare(TableNamesQuery()));
  std::vector<std::string> names;
  while (true) {
    ASSIGN_OR_RETURN(bool row, select->Step());
    if (!row) return names;
    names.push_back(select->Text(0));
  }
}

}  // namespace weir::metadata
