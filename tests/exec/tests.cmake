# Executor, fault injection, planner, precision and benchmark engine.
set(EXEC_DIR ${CMAKE_CURRENT_LIST_DIR})
accel_add_test(test_exec_fallback SOURCES ${EXEC_DIR}/test_exec_fallback.c)
accel_add_test(test_exec_bisect SOURCES ${EXEC_DIR}/test_exec_bisect.c)
accel_add_test(test_fault SOURCES ${EXEC_DIR}/test_fault.c)
accel_add_test(test_planner SOURCES ${EXEC_DIR}/test_planner.c)
accel_add_test(test_precision SOURCES ${EXEC_DIR}/test_precision.c)
accel_add_test(test_bench_report SOURCES ${EXEC_DIR}/test_bench_report.c
  ARGS ${CMAKE_SOURCE_DIR}/docs/schemas/bench.schema.json ${EXEC_DIR}/check_bench.py
       ${CMAKE_BINARY_DIR}/test-out)
file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/test-out)

# The verbs bench, plan and stats: exit codes and the messages users see.
function(accel_exec_cli_test name code pattern)
  add_test(NAME ${name} COMMAND sh ${EXEC_DIR}/expect_exit.sh ${code} "${pattern}"
    $<TARGET_FILE:accel_cli> ${ARGN})
  set_tests_properties(${name} PROPERTIES TIMEOUT 120
    ENVIRONMENT "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/${name}")
endfunction()
if(ACCEL_BUILD_CLI)
  accel_exec_cli_test(cli_bench_list 0 "empty" bench --list)
  # a negative number after an option whose value may be left out is its value, refused in
  # its words (it was "unknown option '-3'; did you mean '-o'?")
  accel_exec_cli_test(cli_demo_negative 2 "--demo -3: expected a number in (0, 3600]" audio features --demo -3)
  # an option the verb would ignore is refused, naming both
  accel_exec_cli_test(cli_bench_list_and_op 2 "--list and --op: --list names what can be timed and times nothing" bench --list --op noop)
  accel_exec_cli_test(cli_config_show_and_get 2 "--show and --get: --show prints every key, --get one" config --show --get ACCEL_BACKEND)
  # --op is the option's name now, --operation its long form
  accel_exec_cli_test(cli_bench_unknown_option 2 "allowed: --op/--operation" bench --frobnicate)
  # the names allowed are the one vocabulary of every verb (core/opnames.h)
  accel_exec_cli_test(cli_bench_unknown_operation 2 "unknown operation 'nosuch'; allowed: convert (convert-f16)" bench --operation nosuch)
  accel_exec_cli_test(cli_bench_bad_size 2 "allowed: small, medium, large" bench --operation empty --size huge)
  # --device: the words of every verb's --device (auto, a kind, an index), then all and gpu
  accel_exec_cli_test(cli_bench_bad_device 2 "--device warp: unknown device; allowed: auto, all, gpu, cuda, rocm, opencl, metal, cpu (hip = rocm, mps = metal), or a device index" bench --operation empty --device warp)
  accel_exec_cli_test(cli_bench_negative_device 2 "--device -1: a device index is 0 or more; allowed: auto" bench --operation empty --device -1)
  # a PCI bus id, as every verb's --device takes one: one no device has, one cut short, and
  # with the fake libcuda (tests/fakes) its GPU at 42:00.0, which cannot run there (exit 1)
  accel_exec_cli_test(cli_bench_absent_bus 2 "--device 0000:99:00.0: no such device on this machine (devices: " bench --operation empty --device cpu,0000:99:00.0)
  accel_exec_cli_test(cli_bench_bad_bus 2 "--device 01:00: not a PCI bus id ([DOMAIN:]BUS:DEVICE.FUNCTION, hexadecimal); allowed: auto, all, gpu, cuda, rocm, opencl, metal, cpu (hip = rocm, mps = metal), or a device index 0.." bench --operation empty --device 01:00)
  accel_exec_cli_test(cli_bench_bus_fake 1 "--device 00000000:42:00.0: device 1 (Fake T4) unusable: open failed" bench --operation empty --device 00000000:42:00.0)
  set_tests_properties(cli_bench_bus_fake PROPERTIES ENVIRONMENT
    "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/cli_bench_bus_fake;LD_LIBRARY_PATH=${CMAKE_BINARY_DIR}/fakes/ok")
  accel_exec_cli_test(cli_bench_auto_device 0 "copy bandwidth" bench --operation empty --size 100 --iterations 1 --device auto)
  # an empty name in a list is refused: --op '' timed every operation, --device , none
  accel_exec_cli_test(cli_bench_empty_op 2 "--op '': an empty operation name; allowed: all, or names" bench --op=)
  accel_exec_cli_test(cli_bench_empty_op_in_list 2 "--op 'convert,': an empty operation name" bench --op convert,)
  accel_exec_cli_test(cli_bench_empty_device 2 "--device ',': an empty device name; allowed: auto, all, gpu" bench --op empty --device ,)
  # --quick fixes the size and the calls: asking for others is refused, not ignored
  accel_exec_cli_test(cli_bench_quick_iterations 2 "--quick and --iterations 50: --quick is --size small, --iterations 3 and --warmup 1" bench --quick --op empty --iterations 50)
  accel_exec_cli_test(cli_bench_quick_size 2 "--quick and --size large" bench --op empty --size large --quick)
  accel_exec_cli_test(cli_bench_bad_iterations 2 "expected a whole number" bench --operation empty --iterations 0)
  accel_exec_cli_test(cli_bench_nothing 2 "--op NAME, --quick or --list" bench)
  accel_exec_cli_test(cli_bench_cpu 0 "copy bandwidth" bench --operation empty --size 100 --iterations 3 --device cpu --batch-size 10)
  accel_exec_cli_test(cli_plan 0 "batch:" plan --op empty --size 1000 --duration 60 --rate 16000)
  accel_exec_cli_test(cli_plan_unknown 2 "unknown operation" plan --op nosuch)
  accel_exec_cli_test(cli_plan_half_chunk 2 "go together" plan --op empty --duration 60)
  accel_exec_cli_test(cli_stats 0 "fallbacks seen" stats --op empty --iterations 5)
  accel_exec_cli_test(cli_stats_json 0 "\"calls\": 3" stats --op empty --iterations 3 --json)
  accel_exec_cli_test(cli_stats_unknown 2 "unknown operation" stats --op nosuch)
  # plan and stats take --device as every verb does: auto, a kind, or an index (docs/cli.md)
  accel_exec_cli_test(cli_plan_device_cpu 0 "\"kind\": \"cpu\"" plan --op empty --device cpu --json)
  accel_exec_cli_test(cli_plan_device_kind_case 0 "(cpu " plan --op empty --device CPU)
  accel_exec_cli_test(cli_plan_device_auto 0 "batch:" plan --op empty --device auto)
  accel_exec_cli_test(cli_plan_device_unknown 2 "--device tpu: unknown device; did you mean 'cpu'? allowed: auto, cuda, rocm, opencl, metal, cpu (hip = rocm, mps = metal), or a device index" plan --op empty --device tpu)
  accel_exec_cli_test(cli_plan_device_negative 2 "--device -1: a device index is 0 or more; allowed: auto" plan --op empty --device -1)
  accel_exec_cli_test(cli_plan_device_absent_kind 2 "--device mps: no usable metal device on this machine (devices: " plan --op empty --device mps)
  # past 2^63 - 1, which ACCEL_DEVICE refuses: refused as --device (fuzz_cli_device found it)
  accel_exec_cli_test(cli_plan_device_huge_index 2 "--device 99999999999999999999: no device has an index this large; allowed: auto" plan --op empty --device 99999999999999999999)
  accel_exec_cli_test(cli_plan_device_absent_index 2 "--device 99: no such device on this machine (devices: " plan --op empty --device 99)
  # a PCI bus id, as ACCEL_DEVICE takes one: no device of this machine has 0000:99:00.0
  accel_exec_cli_test(cli_plan_device_absent_bus 2 "--device 0000:99:00.0: no such device on this machine (devices: " plan --op empty --device 0000:99:00.0)
  accel_exec_cli_test(cli_plan_device_bad_bus 2 "--device 01:00: not a PCI bus id ([DOMAIN:]BUS:DEVICE.FUNCTION, hexadecimal); allowed: auto, cuda, rocm, opencl, metal, cpu (hip = rocm, mps = metal), or a device index or PCI bus id such as 0000:01:00.0" plan --op empty --device 01:00)
  accel_exec_cli_test(cli_stats_device_absent_bus 2 "--device 01:00.0: no such device on this machine (devices: " stats --op empty --device 01:00.0)
  # with the fake libcuda (tests/fakes: GPUs at 0000:41:00.0 and 0000:42:00.0) the bus id is
  # there in every spelling: the check lets it through to the library, which matches CUDA
  # device 1 (the fake cannot open a stream, so it is excluded and the CPU plans instead);
  # one function along is no device
  accel_exec_cli_test(cli_plan_device_bus_sysfs 0 "ACCEL_DEVICE=0000:42:00.0 (api): requested device unavailable (excluded: unusable: open failed: CUDA device 1:" plan --op empty --device 0000:42:00.0)
  accel_exec_cli_test(cli_plan_device_bus_cuda 0 "ACCEL_DEVICE=00000000:42:00.0 (api): requested device unavailable (excluded: unusable: open failed: CUDA device 1:" plan --op empty --device 00000000:42:00.0)
  accel_exec_cli_test(cli_plan_device_bus_short 0 "ACCEL_DEVICE=42:00.0 (api): requested device unavailable (excluded: unusable: open failed: CUDA device 1:" plan --op empty --device 42:00.0)
  accel_exec_cli_test(cli_plan_device_bus_next_function 2 "--device 0000:42:00.1: no such device on this machine (devices: 0 cuda (Fake H100, 0000:41:00.0, not usable), 1 cuda (Fake T4, 0000:42:00.0, not usable)" plan --op empty --device 0000:42:00.1)
  foreach(t sysfs cuda short next_function)
    set_tests_properties(cli_plan_device_bus_${t} PROPERTIES ENVIRONMENT
      "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/cli_plan_device_bus_${t};LD_LIBRARY_PATH=${CMAKE_BINARY_DIR}/fakes/ok")
  endforeach()
  accel_exec_cli_test(cli_stats_device_cpu 0 "\"calls\": 2" stats --op empty --iterations 2 --device cpu --json)
  accel_exec_cli_test(cli_stats_device_auto 0 "fallbacks seen" stats --op empty --device auto)
  accel_exec_cli_test(cli_stats_device_unknown 2 "--device gpu: names several devices, as only `accel bench` takes; allowed: auto, cuda" stats --op empty --device gpu)
  accel_exec_cli_test(cli_stats_device_negative 2 "--device -2: a device index is 0 or more" stats --op empty --device -2)
  accel_exec_cli_test(cli_stats_device_absent_kind 2 "--device metal: no usable metal device on this machine (devices: " stats --op empty --device metal)
  # a context that cannot be made for another reason than a setting is a failure (1), as in
  # audio and image: here a configuration file that cannot be read (/proc/self/mem read from
  # its start reads address 0, which no process maps: EIO)
  foreach(v plan stats)
    add_test(NAME cli_${v}_config_unreadable COMMAND sh ${EXEC_DIR}/expect_exit.sh 1
      "accel ${v}: error: cannot read configuration file /proc/self/mem" $<TARGET_FILE:accel_cli> ${v} --op empty)
    set_tests_properties(cli_${v}_config_unreadable PROPERTIES
      ENVIRONMENT "ACCEL_CONFIG=/proc/self/mem;ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/cli_${v}_config_unreadable")
  endforeach()
  # and in the verbs that read no --device: the same failure (1) beside a bad setting (2),
  # both named by the verb
  foreach(v devices config select cache top)
    set(args ${v})
    if(v STREQUAL "cache")
      list(APPEND args show)
    elseif(v STREQUAL "top")
      list(APPEND args -n 1)
    endif()
    add_test(NAME cli_${v}_config_unreadable COMMAND sh ${EXEC_DIR}/expect_exit.sh 1
      "accel ${v}: error: cannot read configuration file /proc/self/mem" $<TARGET_FILE:accel_cli> ${args})
    set_tests_properties(cli_${v}_config_unreadable PROPERTIES
      ENVIRONMENT "ACCEL_CONFIG=/proc/self/mem;ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/cli_${v}_config_unreadable")
    add_test(NAME cli_${v}_bad_setting COMMAND sh ${EXEC_DIR}/expect_exit.sh 2
      "accel ${v}: error: ACCEL_BACKEND=gpux (from env): unknown backend" $<TARGET_FILE:accel_cli> ${args})
    set_tests_properties(cli_${v}_bad_setting PROPERTIES
      ENVIRONMENT "ACCEL_BACKEND=gpux;ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/cli_${v}_bad_setting")
  endforeach()
  # while a bad setting stays a usage error (2), as cli_stats_bad_fault checks for stats
  add_test(NAME cli_plan_bad_fault COMMAND sh ${EXEC_DIR}/expect_exit.sh 2
    "ACCEL_FAULT=oom@gpu (from env): item 'oom@gpu': unknown site 'gpu'" $<TARGET_FILE:accel_cli> plan --op empty)
  set_tests_properties(cli_plan_bad_fault PROPERTIES ENVIRONMENT "ACCEL_FAULT=oom@gpu")
  add_test(NAME cli_stats_bad_fault COMMAND sh ${EXEC_DIR}/expect_exit.sh 2
    "ACCEL_FAULT=oom@gpu (from env): item 'oom@gpu': unknown site 'gpu'" $<TARGET_FILE:accel_cli> stats)
  set_tests_properties(cli_stats_bad_fault PROPERTIES ENVIRONMENT "ACCEL_FAULT=oom@gpu")
  add_test(NAME cli_bench_quick COMMAND sh ${EXEC_DIR}/cli_bench_quick.sh $<TARGET_FILE:accel_cli>
    ${CMAKE_SOURCE_DIR}/docs/schemas/bench.schema.json ${EXEC_DIR}/check_bench.py
    ${CMAKE_BINARY_DIR}/test-out/cli_bench_quick)
  set_tests_properties(cli_bench_quick PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120
    ENVIRONMENT "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/cli_bench_quick")
endif()
accel_add_test(test_exec_device SOURCES ${EXEC_DIR}/test_exec_device.c TIMEOUT 300)

# bench/exec_overhead.c: the executor's cost per call and per fallback (docs/benchmarks.md).
# Built with the tests so it cannot rot; the test runs it briefly and checks its results, never
# its timings.
add_executable(exec_overhead ${CMAKE_SOURCE_DIR}/bench/exec_overhead.c)
target_link_libraries(exec_overhead PRIVATE accel_internal)
target_compile_definitions(exec_overhead PRIVATE _GNU_SOURCE)
target_compile_options(exec_overhead PRIVATE ${ACCEL_WARNINGS})
add_test(NAME bench_exec_overhead_smoke COMMAND exec_overhead --quick)

# Every operation's device code goes through the counting device calls (core/devcall.h): on
# the machine's non-CPU devices (PoCL in CI) and on both stand-in drivers, each operation's
# account shows buffers, copies and kernels, and calibration measures its memory; the CLI
# entries check what users saw when convert and reduce went around the counters.
set(counts_fake_cuda "LD_LIBRARY_PATH=${CMAKE_BINARY_DIR}/fake-cuda-backend" ACCEL_FAKE_GPU_MEMORY_MB=1024)
set(counts_fake_rocm "ACCEL_HIP_LIBRARY=${CMAKE_BINARY_DIR}/fake-hip-backend/libamdhip64.so"
  "ACCEL_SYSFS_ROOT=${CMAKE_SOURCE_DIR}/tests/data/sysfs-amd" HIP_VISIBLE_DEVICES=0
  ACCEL_FAKE_GPU_MEMORY_MB=1024)
accel_add_test(test_device_counts SOURCES ${EXEC_DIR}/test_device_counts.c TIMEOUT 300)
foreach(kind cuda rocm)
  add_test(NAME test_device_counts_fake_${kind} COMMAND test_device_counts --require-kind ${kind})
  set_tests_properties(test_device_counts_fake_${kind} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300
    LABELS "fake-gpu;${kind}" ENVIRONMENT
    "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/test_device_counts_fake_${kind};${counts_fake_${kind}}")
endforeach()
add_dependencies(test_device_counts accel_fake_libcuda accel_fake_libamdhip64)
if(ACCEL_BUILD_CLI)
  foreach(kind opencl cuda rocm)
    set(env "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/cli_device_counts_${kind}")
    if(NOT kind STREQUAL "opencl")
      list(APPEND env ${counts_fake_${kind}})
    endif()
    add_test(NAME cli_device_counts_${kind} COMMAND sh ${EXEC_DIR}/cli_device_counts.sh
      $<TARGET_FILE:accel_cli> ${kind})
    set_tests_properties(cli_device_counts_${kind} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300
      ENVIRONMENT "${env}")
  endforeach()
  # `accel plan --op NAME --calibrate` for every operation name, on the CPU, PoCL and both
  # stand-in drivers (cli_plan_calibrate.sh says what it checks)
  foreach(kind cpu opencl cuda rocm)
    set(env "ACCEL_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache/cli_plan_calibrate_${kind}")
    if(kind STREQUAL "cuda" OR kind STREQUAL "rocm")
      list(APPEND env ${counts_fake_${kind}})
    endif()
    add_test(NAME cli_plan_calibrate_${kind} COMMAND sh ${EXEC_DIR}/cli_plan_calibrate.sh
      $<TARGET_FILE:accel_cli> ${kind})
    set_tests_properties(cli_plan_calibrate_${kind} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300
      ENVIRONMENT "${env}")
  endforeach()
endif()
