/* accel_doctor(), the public entry point of the doctor: both forms of the report come back as
 * text the caller frees, agree on the exit code, and bad arguments are refused with a message
 * naming the flags allowed. */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    char *json = NULL, *text = NULL;
    int rc_json = -1, rc_text = -1;
    ASSERT_OK(accel_doctor(0, &json, &rc_json));
    ASSERT_OK(accel_doctor(ACCEL_DOCTOR_TEXT, &text, &rc_text));
    ASSERT_TRUE(json != NULL && text != NULL);
    if (!json || !text) TEST_DONE();
    ASSERT_TRUE(rc_json >= 0 && rc_json <= 2);
    ASSERT_EQ_INT(rc_json, rc_text);

    /* JSON: the document of docs/schemas/doctor.schema.json, its exit_code the one returned */
    ASSERT_TRUE(json[0] == '{');
    ASSERT_CONTAINS(json, "\"schema_version\": 2");
    ASSERT_CONTAINS(json, "\"checks\": [");
    char want[64];
    snprintf(want, sizeof want, "\"exit_code\": %d", rc_json);
    ASSERT_CONTAINS(json, want);

    /* text: one line per check, then the summary line naming the same exit code */
    ASSERT_CONTAINS(text, "PASS  ");
    ASSERT_CONTAINS(text, " checks passed, ");
    snprintf(want, sizeof want, "(exit code %d)\n", rc_text);
    ASSERT_CONTAINS(text, want);
    free(json);
    free(text);

    /* exit_code may be NULL */
    char *again = NULL;
    ASSERT_OK(accel_doctor(ACCEL_DOCTOR_TEXT, &again, NULL));
    ASSERT_TRUE(again != NULL);
    free(again);

    /* refused: no place for the report, an unknown flag */
    int rc = -1;
    ASSERT_STATUS(accel_doctor(0, NULL, &rc), ACCEL_ERR_INVALID_ARG);
    char *none = (char *)"untouched";
    ASSERT_STATUS(accel_doctor(0x80u, &none, &rc), ACCEL_ERR_INVALID_ARG);
    ASSERT_TRUE(none == NULL);
    ASSERT_CONTAINS(accel_last_error(NULL), "ACCEL_DOCTOR_NO_CACHE");
    TEST_DONE();
}
