# Installs plexus from BUILD_DIR into a fresh scratch prefix and runs the installed command with
# LD_LIBRARY_PATH unset: it must find its library through its own run path and print VERSION.
# Usage: cmake -DBUILD_DIR=... -DWORK_DIR=... -DVERSION=... -P check_command.cmake
file(REMOVE_RECURSE ${WORK_DIR})
string(RANDOM LENGTH 8 suffix)
set(prefix ${WORK_DIR}/prefix_${suffix})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix}
                RESULT_VARIABLE status OUTPUT_QUIET)
if(status)
  message(FATAL_ERROR "cmake --install failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=LD_LIBRARY_PATH ${prefix}/bin/plexus
                        --version
                OUTPUT_VARIABLE output ERROR_VARIABLE errors RESULT_VARIABLE status)
string(STRIP "${output}" version_line)
if(status OR NOT version_line STREQUAL "plexus ${VERSION}")
  message(FATAL_ERROR "${prefix}/bin/plexus --version printed '${output}${errors}' (exit ${status})")
endif()
message(STATUS "installed command: ${output}")
