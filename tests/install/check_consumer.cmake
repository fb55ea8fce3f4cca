# Installs plexus from BUILD_DIR into a scratch prefix, builds the consumer project against it
# with find_package(plexus), runs it and checks the perceptron's numbers.
# Usage: cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -P check_consumer.cmake
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE status OUTPUT_QUIET)
if(status)
  message(FATAL_ERROR "cmake --install failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build
                        -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_BUILD_TYPE=Release
                RESULT_VARIABLE status)
if(status)
  message(FATAL_ERROR "configuring the consumer with find_package(plexus) failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build RESULT_VARIABLE status)
if(status)
  message(FATAL_ERROR "building the consumer failed")
endif()
execute_process(COMMAND ${WORK_DIR}/build/consumer OUTPUT_VARIABLE output RESULT_VARIABLE status)
# y = sigmoid(-1) = 0.268941; dy/dw = y (1 - y) x = (-0.196612, 0.393224)
if(status OR NOT output MATCHES "y=0.26894[12] dw=-0.19661[12],0.39322[345]")
  message(FATAL_ERROR "consumer printed '${output}' (exit ${status})")
endif()
message(STATUS "consumer: ${output}")
