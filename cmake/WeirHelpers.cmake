# weir_library(NAME SRCS ... DEPS ...): a static library under weir/, included as "weir/...".
function(weir_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SRCS})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  target_compile_options(${name} PRIVATE -Wall -Wextra -Wno-unused-parameter)
endfunction()

# weir_test(NAME SRCS ... DEPS ... [LABELS ...]): one gtest binary, its tests discovered by ctest.
function(weir_test name)
  if(NOT WEIR_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_options(${name} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  target_compile_definitions(${name} PRIVATE
    WEIR_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    WEIR_SHARED_DIR="${WEIR_SHARED_DIR}"
    WEIR_BINARY_DIR="${PROJECT_BINARY_DIR}")
  # ctest runs two tests at once on two cores: OpenMP threads that spin while they wait (libgomp's
  # default, in XGBoost's training) then starve the other process's, and a test that trains a
  # model took seconds instead of a tenth of one.
  set(properties ENVIRONMENT OMP_WAIT_POLICY=passive)
  if(ARG_LABELS)
    list(APPEND properties LABELS "${ARG_LABELS}")
  endif()
  gtest_discover_tests(${name} PROPERTIES ${properties} DISCOVERY_TIMEOUT 60)
endfunction()

# _weir_protoc(OUT_VAR SUFFIX FLAGS... PROTOS ... [DEPENDS ...]): runs protoc with FLAGS on each
# .proto under weir/, writing <stem><SUFFIX>.cc and .h under the build folder so that they are
# included as "weir/<folder>/<name><SUFFIX>.h"; OUT_VAR receives the generated files.
function(_weir_protoc out_var suffix)
  cmake_parse_arguments(ARG "" "" "FLAGS;PROTOS;DEPENDS" ${ARGN})
  set(generated)
  foreach(proto ${ARG_PROTOS})
    get_filename_component(abs ${proto} ABSOLUTE)
    file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${abs})
    string(REGEX REPLACE "\\.proto$" "" stem ${rel})
    set(outputs ${PROJECT_BINARY_DIR}/${stem}${suffix}.cc ${PROJECT_BINARY_DIR}/${stem}${suffix}.h)
    add_custom_command(
      OUTPUT ${outputs}
      COMMAND protobuf::protoc ${ARG_FLAGS} -I ${PROJECT_SOURCE_DIR} ${abs}
      DEPENDS ${abs} protobuf::protoc ${ARG_DEPENDS}
      COMMENT "protoc ${rel} (${suffix})" VERBATIM)
    list(APPEND generated ${outputs})
  endforeach()
  set(${out_var} ${generated} PARENT_SCOPE)
endfunction()

# weir_proto_library(NAME [SHARED] PROTOS a.proto ... [DEPS lib ...]): C++ code for .proto files
# under weir/, generated so that they are included as "weir/<folder>/<name>.pb.h" and import each
# other by that path. SHARED: a shared library, for messages that plug-ins use too (a message type
# must be registered once per process, so plug-ins cannot carry their own copy).
function(weir_proto_library name)
  cmake_parse_arguments(ARG "SHARED" "" "PROTOS;DEPS" ${ARGN})
  _weir_protoc(generated .pb FLAGS --cpp_out=${PROJECT_BINARY_DIR} PROTOS ${ARG_PROTOS})
  if(ARG_SHARED)
    add_library(${name} SHARED ${generated})
  else()
    add_library(${name} STATIC ${generated})
  endif()
  target_include_directories(${name} PUBLIC ${PROJECT_BINARY_DIR})
  target_link_libraries(${name} PUBLIC protobuf::libprotobuf ${ARG_DEPS})
endfunction()

# weir_grpc_library(NAME PROTOS s.proto ... DEPS lib ...): gRPC C++'s stubs and services for the
# services in s.proto ("weir/<folder>/<name>.grpc.pb.h"), whose messages a weir_proto_library in
# DEPS holds. weir serves gRPC with its own transport: these are for clients (tests).
function(weir_grpc_library name)
  cmake_parse_arguments(ARG "" "" "PROTOS;DEPS" ${ARGN})
  _weir_protoc(generated .grpc.pb
    FLAGS --grpc_out=${PROJECT_BINARY_DIR}
          --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>
    PROTOS ${ARG_PROTOS}
    DEPENDS gRPC::grpc_cpp_plugin)
  add_library(${name} STATIC ${generated})
  target_link_libraries(${name} PUBLIC gRPC::grpc++ ${ARG_DEPS})
endfunction()
