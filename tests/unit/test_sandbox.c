/* test_sandbox.c — base/sandbox.c: a function run in a child with limits ends
 * as returned (status and message passed back, stderr captured and not
 * shown), killed by a signal, stopped at the wall-time limit (well before a
 * second), stopped at the memory limit (RLIMIT_AS in a normal build, the
 * parent's watch of the resident size under ASan), or exited on its own;
 * the child knows it is one; the parent's state is untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "alfe/base/error.h"
#include "alfe/base/sandbox.h"
#include "alfe/base/util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int counter;

static int fn_ok(void *arg)
{
    counter += 100; /* the child's copy only */
    fprintf(stderr, "child noise %s\n", (const char *)arg);
    return ALFE_OK;
}

static int fn_fail(void *arg)
{
    (void)arg;
    return ALFE_FAIL(ALFE_ERR_INPUT, "file.h5: /config: something is wrong");
}

static int fn_abort(void *arg)
{
    (void)arg;
    abort();
}

static int fn_loop(void *arg)
{
    volatile unsigned long *n = arg;
    for (;;)
        (*n)++;
    return ALFE_OK;
}

static int fn_memory(void *arg)
{
    (void)arg;
    /* Touch 64 MiB blocks until 4 GiB: far past the 256 MiB limit. */
    for (int i = 0; i < 64; i++) {
        char *p = ALFE_MALLOC((size_t)64 << 20);
        memset(p, 1, (size_t)64 << 20);
    }
    return ALFE_OK;
}

static int fn_exit(void *arg)
{
    (void)arg;
    _exit(3);
}

static int fn_in_child(void *arg)
{
    (void)arg;
    return sandbox_in_child() ? ALFE_OK : ALFE_FAIL(ALFE_ERR_RUNTIME, "not in a child");
}

static const sandbox_limits LIMITS = {5.0, (int64_t)256 << 20};

static void test_returned(void **state)
{
    (void)state;
    sandbox_outcome out;
    counter = 1;
    assert_int_equal(sandbox_run(fn_ok, "abc", &LIMITS, &out), ALFE_OK);
    assert_int_equal(out.end, SANDBOX_RETURNED);
    assert_int_equal(out.status, ALFE_OK);
    assert_string_equal(out.message, "");
    assert_non_null(strstr(out.stderr_tail, "child noise abc"));
    assert_int_equal(counter, 1);
    assert_int_equal(sandbox_in_child(), 0);

    assert_int_equal(sandbox_run(fn_fail, NULL, &LIMITS, &out), ALFE_OK);
    assert_int_equal(out.end, SANDBOX_RETURNED);
    assert_int_equal(out.status, ALFE_ERR_INPUT);
    assert_string_equal(out.message, "file.h5: /config: something is wrong");

    assert_int_equal(sandbox_run(fn_in_child, NULL, &LIMITS, &out), ALFE_OK);
    assert_int_equal(out.end, SANDBOX_RETURNED);
    assert_int_equal(out.status, ALFE_OK);
}

static void test_signal(void **state)
{
    (void)state;
    sandbox_outcome out;
    assert_int_equal(sandbox_run(fn_abort, NULL, &LIMITS, &out), ALFE_OK);
    assert_int_equal(out.end, SANDBOX_SIGNALLED);
    assert_int_equal(out.signal, SIGABRT);
    char text[256];
    sandbox_describe(&out, &LIMITS, text, sizeof text);
    assert_string_equal(text, "it crashed with signal SIGABRT (aborted)");
}

static void test_time_limit(void **state)
{
    (void)state;
    sandbox_outcome out;
    sandbox_limits quick = {0.3, 0};
    unsigned long n = 0;
    double start = alfe_wall_time();
    assert_int_equal(sandbox_run(fn_loop, &n, &quick, &out), ALFE_OK);
    double took = alfe_wall_time() - start;
    assert_int_equal(out.end, SANDBOX_TIMED_OUT);
    assert_true(took >= 0.3 && took < 2.0);
    char text[256];
    sandbox_describe(&out, &quick, text, sizeof text);
    assert_string_equal(text, "it did not finish within the time limit of 0.3 s");
}

static void test_memory_limit(void **state)
{
    (void)state;
    sandbox_outcome out;
    assert_int_equal(sandbox_run(fn_memory, NULL, &LIMITS, &out), ALFE_OK);
    assert_int_equal(out.end, SANDBOX_MEMORY);
    char text[256];
    sandbox_describe(&out, &LIMITS, text, sizeof text);
    assert_string_equal(text, "it needed more than the memory limit of 256 MB");
}

static void test_exit(void **state)
{
    (void)state;
    sandbox_outcome out;
    assert_int_equal(sandbox_run(fn_exit, NULL, &LIMITS, &out), ALFE_OK);
    assert_int_equal(out.end, SANDBOX_EXITED);
    assert_int_equal(out.exit_code, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_returned),     cmocka_unit_test(test_signal),
        cmocka_unit_test(test_time_limit),   cmocka_unit_test(test_memory_limit),
        cmocka_unit_test(test_exit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
