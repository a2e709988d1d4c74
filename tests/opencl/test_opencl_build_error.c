/* A kernel that does not compile gives ACCEL_ERR_KERNEL with the compiler's build log in the
 * message (the name of the undeclared identifier, the OpenCL code's name), not a crash. */
#include "ocl_test.h"

#include "backends/opencl/opencl_backend.h"

int main(void)
{
    accel_ctx *ctx;
    accel__device *d = ocl_test_device(&ctx, 0);
    ASSERT_OK(
        accel__opencl_build_test(d, "__kernel void fine(__global float *y) { y[0] = 1.0f; }"));
    ASSERT_STATUS(accel__opencl_build_test(
                      d, "__kernel void broken(__global float *y) { y[0] = undefined_name_xyz; }"),
                  ACCEL_ERR_KERNEL);
    const char *msg = accel_last_error(ctx);
    printf("message: %s\n", msg);
    ASSERT_CONTAINS(msg, "CL_BUILD_PROGRAM_FAILURE (-11)");
    ASSERT_CONTAINS(msg, "build log: ");
    ASSERT_CONTAINS(msg, "undefined_name_xyz");
    ASSERT_TRUE(strchr(msg, '\n') == NULL); /* one line */
    /* the device is still fine afterwards */
    accel__kernel *k = NULL;
    ASSERT_OK(d->ops->kernel_get(d, "ak_fill_f32", &k));
    ASSERT_OK(d->ops->synchronize(d));
    accel_ctx_destroy(ctx);
    TEST_DONE();
}
