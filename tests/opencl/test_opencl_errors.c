/* OpenCL error codes become accel statuses and keep their names; needs no OpenCL. */
#include "test.h"
#include "vendor/cl_api.h"

int main(void)
{
    ASSERT_OK(ACCEL_CL(0, "nothing"));
    ASSERT_STATUS(ACCEL_CL(-5, "clEnqueueNDRangeKernel"), ACCEL_ERR_DEVICE_OOM);
    ASSERT_STR_EQ(accel_last_error(NULL), "clEnqueueNDRangeKernel: CL_OUT_OF_RESOURCES (-5)");
    ASSERT_STATUS(ACCEL_CL(-4, "clCreateBuffer"), ACCEL_ERR_DEVICE_OOM);
    ASSERT_CONTAINS(accel_last_error(NULL), "CL_MEM_OBJECT_ALLOCATION_FAILURE (-4)");
    ASSERT_STATUS(ACCEL_CL(-2, "clCreateContext"), ACCEL_ERR_UNAVAILABLE);
    ASSERT_CONTAINS(accel_last_error(NULL), "CL_DEVICE_NOT_AVAILABLE (-2)");
    ASSERT_STATUS(ACCEL_CL(-11, "clBuildProgram"), ACCEL_ERR_KERNEL);
    ASSERT_CONTAINS(accel_last_error(NULL), "CL_BUILD_PROGRAM_FAILURE (-11)");
    ASSERT_STATUS(ACCEL_CL(-54, "launch"), ACCEL_ERR_KERNEL);
    ASSERT_CONTAINS(accel_last_error(NULL), "CL_INVALID_WORK_GROUP_SIZE (-54)");
    ASSERT_STATUS(ACCEL_CL(-6, "clFinish"), ACCEL_ERR_NO_MEMORY);
    ASSERT_STATUS(ACCEL_CL(-1121, "clFinish"), ACCEL_ERR_DEVICE_LOST);
    ASSERT_STATUS(ACCEL_CL(-38, "clSetKernelArg"), ACCEL_ERR_VENDOR);
    ASSERT_CONTAINS(accel_last_error(NULL), "CL_INVALID_MEM_OBJECT (-38)");
    ASSERT_STATUS(ACCEL_CL(-9999, "clFoo"), ACCEL_ERR_VENDOR);
    ASSERT_STR_EQ(accel_last_error(NULL), "clFoo: unknown OpenCL error (-9999)");
    /* every named code maps back to its own name */
    ASSERT_STR_EQ(accel__cl_error_name(-1001), "CL_PLATFORM_NOT_FOUND_KHR");
    ASSERT_STR_EQ(accel__cl_error_name(-72), "CL_MAX_SIZE_RESTRICTION_EXCEEDED");
    ASSERT_TRUE(accel__cl_error_name(-20) == NULL);
    TEST_DONE();
}
