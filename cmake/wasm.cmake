# The WebAssembly build's settings, included by the top-level CMakeLists.txt under Emscripten's
# toolchain (scripts/wasm.sh configures it): the library and its unit tests, no BLAS, no threads
# (a static page cannot count on the cross-origin headers that WebAssembly threads need), no zlib.
# The plexus command, serve, MPI, the examples and the benchmarks are not built.
foreach(option PLEXUS_BUILD_TOOLS PLEXUS_BUILD_EXAMPLES PLEXUS_BUILD_BENCH PLEXUS_BUILD_FUZZERS
               PLEXUS_SANITIZE PLEXUS_NATIVE)
  set(${option} OFF CACHE BOOL "" FORCE)
endforeach()
set(PLEXUS_MPI OFF CACHE STRING "" FORCE)
set(PLEXUS_BLAS none CACHE STRING "Matrix products: cblas or none (plexus' portable kernels)")

# WebAssembly SIMD (128-bit vectors) for the kernels and whatever the compiler vectorises; C++
# exceptions caught (plexus::Error), which Emscripten otherwise turns into an abort.
add_compile_options(-msimd128 -fexceptions)
add_link_options(-fexceptions -sALLOW_MEMORY_GROWTH=1)

# nlohmann/json is header-only: the host's headers serve, without the rest of the host's include
# folder (its C library headers are not the WebAssembly ones). find_package(nlohmann_json) then
# finds this package, which links them into the build tree.
find_path(PLEXUS_NLOHMANN_JSON_DIR nlohmann/json.hpp PATHS /usr/include /usr/local/include
          NO_CMAKE_FIND_ROOT_PATH REQUIRED)
set(nlohmann_package ${CMAKE_BINARY_DIR}/nlohmann_json)
file(MAKE_DIRECTORY ${nlohmann_package}/include)
file(CREATE_LINK ${PLEXUS_NLOHMANN_JSON_DIR}/nlohmann ${nlohmann_package}/include/nlohmann SYMBOLIC)
file(WRITE ${nlohmann_package}/nlohmann_jsonConfig.cmake "
if(NOT TARGET nlohmann_json::nlohmann_json)
  add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED GLOBAL)
  target_include_directories(nlohmann_json::nlohmann_json SYSTEM INTERFACE ${nlohmann_package}/include)
endif()
")
set(nlohmann_json_DIR ${nlohmann_package} CACHE PATH "" FORCE)
