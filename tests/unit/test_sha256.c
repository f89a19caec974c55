/* test_sha256.c — SHA-256 against the FIPS 180-4 / NIST CAVP example vectors
 * (empty string, "abc", the 448-bit two-block message, one million 'a'),
 * and streaming in pieces of every size 1..130 against the one-call digest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "alfe/base/sha256.h"

#include <stdlib.h>
#include <string.h>

static void check(const void *data, size_t n, const char *expect)
{
    unsigned char d[SHA256_BYTES];
    char hex[SHA256_HEX];
    sha256(data, n, d);
    sha256_hex(d, hex);
    assert_string_equal(hex, expect);
}

static void test_vectors(void **state)
{
    (void)state;
    check("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check(m, strlen(m), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_million_a(void **state)
{
    (void)state;
    size_t n = 1000000;
    char *a = malloc(n);
    assert_non_null(a);
    memset(a, 'a', n);
    check(a, n, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

static void test_streaming(void **state)
{
    (void)state;
    unsigned char msg[1000], one[SHA256_BYTES], many[SHA256_BYTES];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (unsigned char)(i * 131 + 7);
    sha256(msg, sizeof msg, one);
    for (size_t piece = 1; piece <= 130; piece++) {
        sha256_ctx ctx;
        sha256_init(&ctx);
        for (size_t at = 0; at < sizeof msg; at += piece)
            sha256_update(&ctx, msg + at, at + piece <= sizeof msg ? piece : sizeof msg - at);
        sha256_final(&ctx, many);
        assert_memory_equal(one, many, SHA256_BYTES);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_million_a),
        cmocka_unit_test(test_streaming),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
