/* An empty shared library: stands in for a vendor library (cuBLAS, cuFFT, …) that the doctor
 * only resolves by name and version, never loads, in the Python adapters' tests. */
int accel_python_fake_lib_marker(void);
int accel_python_fake_lib_marker(void) { return 0; }
