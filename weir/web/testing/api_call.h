// One request to the web API without a server, as tests and fuzz targets make them.
#ifndef WEIR_WEB_TESTING_API_CALL_H_
#define WEIR_WEB_TESTING_API_CALL_H_

#include <map>
#include <string>
#include <string_view>

#include "weir/serving/http_server.h"
#include "weir/web/api.h"

namespace weir::web {

// `target` is a path with an optional query ("/api/runs?limit=5"); header names match exactly.
inline serving::HttpResponse CallApi(WebApi& api, std::string_view method, std::string_view target,
                                     std::string_view body = "",
                                     const std::map<std::string, std::string>& headers = {}) {
  const size_t question = target.find('?');
  return api.Handle({.method = method,
                     .path = target.substr(0, question),
                     .query = question == std::string_view::npos ? "" : target.substr(question + 1),
                     .body = body,
                     .header = [&headers](std::string_view name) {
                       auto found = headers.find(std::string(name));
                       return found == headers.end() ? std::string() : found->second;
                     }});
}

}  // namespace weir::web

#endif  // WEIR_WEB_TESTING_API_CALL_H_
