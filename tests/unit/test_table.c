/* test_table.c — the number-table reader (base/table.c): separators, comments,
 * blank lines, lines of any length, and the messages for non-numbers,
 * non-finite values, ragged rows and rows with too few columns (each naming
 * path:line). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "alfe/base/error.h"
#include "alfe/base/table.h"
#include "alfe/base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Write `text` to a new file /tmp/alfe-test-table-XXXXXX; path into buf. */
static void write_temp(const char *text, char *path, size_t size)
{
    snprintf(path, size, "/tmp/alfe-test-table-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* Read `text` as a table file; it must succeed. */
static number_table *read_good(const char *text, const table_shape *shape)
{
    char path[64];
    write_temp(text, path, sizeof path);
    number_table *t = NULL;
    alfe_error_clear();
    int rc = table_read(path, shape, &t);
    if (rc != ALFE_OK)
        fail_msg("file <<%.200s>> failed: %s", text, alfe_error_message());
    unlink(path);
    assert_non_null(t);
    assert_string_equal(alfe_error_message(), "");
    return t;
}

/* Read `text`; it must fail with ALFE_ERR_INPUT, a message holding
 * "path:line:" and every word of `words` ('|' separated, may be NULL). */
static void expect_bad(const char *text, const table_shape *shape, int line, const char *words)
{
    char path[64], where[96];
    write_temp(text, path, sizeof path);
    number_table *t = (number_table *)&t; /* must be reset to NULL */
    alfe_error_clear();
    int rc = table_read(path, shape, &t);
    const char *msg = alfe_error_message();
    if (rc != ALFE_ERR_INPUT)
        fail_msg("expected ALFE_ERR_INPUT for <<%.200s>>, got %d (%s)", text, rc, msg);
    assert_null(t);
    snprintf(where, sizeof where, "%s:%d:", path, line);
    if (!strstr(msg, where))
        fail_msg("message for <<%.200s>> does not name %s: \"%s\"", text, where, msg);
    if (words) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", words);
        for (char *save = NULL, *w = strtok_r(buf, "|", &save); w; w = strtok_r(NULL, "|", &save))
            if (!strstr(msg, w))
                fail_msg("message for <<%.200s>> lacks \"%s\": \"%s\"", text, w, msg);
    }
    assert_true(strlen(msg) < 400); /* a long bad field is not copied whole */
    alfe_error_clear();
    unlink(path);
}

static void assert_values(const number_table *t, int rows, int columns, const double *want)
{
    assert_int_equal(t->rows, rows);
    assert_int_equal(t->columns, columns);
    for (int i = 0; i < rows * columns; i++)
        if (t->values[i] != want[i])
            fail_msg("value %d: %.17g, want %.17g", i, t->values[i], want[i]);
}

static void test_separators(void **state)
{
    (void)state;
    /* Spaces, tabs, commas (with and without spaces, runs of them), CRLF,
     * leading separators, no final newline. */
    number_table *t = read_good("1 2 3\n"
                                "4\t5\t6\n"
                                "7,8,9\n"
                                " 10 ,\t11,, 12 \r\n"
                                "\t,13\t \t14 , 15,\n"
                                "1e-1\t-2E+1,16",
                                NULL);
    const double want[18] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0.1, -20, 16};
    assert_values(t, 6, 3, want);
    for (int i = 0; i < 6; i++)
        assert_int_equal(t->row_line[i], i + 1);
    assert_int_equal(t->lines, 6);
    table_destroy(&t);
    assert_null(t);
    table_destroy(&t); /* NULL is fine */
}

static void test_comments_and_blank_lines(void **state)
{
    (void)state;
    number_table *t = read_good("# header: eta0 eta1\n"
                                "\n"
                                "0.5 0.25   # trailing comment, 3 4 5\n"
                                "   \t\n"
                                "    # indented comment\n"
                                "#\n"
                                "-0.5 -0.25#no space before the comment\n"
                                "\n",
                                NULL);
    const double want[4] = {0.5, 0.25, -0.5, -0.25};
    assert_values(t, 2, 2, want);
    assert_int_equal(t->row_line[0], 3);
    assert_int_equal(t->row_line[1], 7);
    assert_int_equal(t->lines, 8);
    table_destroy(&t);
}

static void test_empty(void **state)
{
    (void)state;
    const char *empties[] = {"", "\n\n\n", "# only a comment\n", "  \t \n# c\n\r\n"};
    for (size_t k = 0; k < sizeof empties / sizeof empties[0]; k++) {
        number_table *t = read_good(empties[k], NULL);
        assert_int_equal(t->rows, 0);
        assert_int_equal(t->columns, 0);
        table_destroy(&t);
    }
    /* An empty table satisfies any column needs: there is no row to check. */
    table_shape shape = {.columns = 3, .min_columns = 3};
    number_table *t = read_good("# nothing\n", &shape);
    assert_int_equal(t->rows, 0);
    table_destroy(&t);
}

static void test_long_lines(void **state)
{
    (void)state;
    /* One line of 100,000 characters: 25,000 numbers "0.5 " wide, then a
     * second row of the same width; no fixed line buffer may cut them. */
    const int n = 25000;
    size_t size = (size_t)n * 4 * 2 + 64;
    char *text = malloc(size);
    assert_non_null(text);
    size_t pos = 0;
    for (int row = 0; row < 2; row++) {
        for (int j = 0; j < n; j++) {
            memcpy(text + pos, row == 0 ? "0.5 " : "1.5\t", 4);
            pos += 4;
        }
        text[pos++] = '\n';
    }
    text[pos] = '\0';
    assert_true(strchr(text, '\n') - text >= 100000);
    number_table *t = read_good(text, NULL);
    assert_int_equal(t->rows, 2);
    assert_int_equal(t->columns, n);
    assert_true(t->values[0] == 0.5 && t->values[n - 1] == 0.5);
    assert_true(t->values[n] == 1.5 && t->values[2 * n - 1] == 1.5);
    table_destroy(&t);

    /* The same line with a bad last field: the column is counted right. */
    memcpy(text + (size_t)(n - 1) * 4, "x.5 ", 4);
    char want[64];
    snprintf(want, sizeof want, "column %d: not a finite number", n);
    expect_bad(text, NULL, 1, want);

    /* A 100,000-character field that is not a number. */
    memset(text, 'a', 100000);
    text[100000] = '\0';
    expect_bad(text, NULL, 1, "column 1: not a finite number|...");
    free(text);
}

static void test_not_numbers(void **state)
{
    (void)state;
    expect_bad("1 2\n3 abc\n", NULL, 2, "column 2: not a finite number|'abc'");
    expect_bad("1 2\n# ok\n3 1.2.3\n", NULL, 3, "column 2|'1.2.3'");
    expect_bad("0.5x 1\n", NULL, 1, "column 1|'0.5x'");
    expect_bad("0.5;0.5\n", NULL, 1, "column 1"); /* ';' is not a separator */
    expect_bad("1 2\n0.5 - 0.5\n", NULL, 2, "column 2|'-'");
    expect_bad("\n\n\n1\t2\t3\tfour\n", NULL, 4, "column 4|'four'");
}

static void test_non_finite(void **state)
{
    (void)state;
    expect_bad("1 2\nnan 0.1\n", NULL, 2, "column 1: not a finite number");
    expect_bad("NaN 0.5\n", NULL, 1, "column 1");
    expect_bad("1 2\n\n0.1 inf\n", NULL, 3, "column 2: not a finite number");
    expect_bad("1 2\n0.1 -inf\n", NULL, 2, "column 2");
    expect_bad("1 2\n0.1,-Infinity\n", NULL, 2, "column 2");
    expect_bad("1 2\n0.1 1e999\n", NULL, 2, "column 2"); /* overflows to inf */
    /* Underflow to a tiny number is a finite number. */
    number_table *t = read_good("1e-320 0\n", NULL);
    assert_int_equal(t->rows, 1);
    table_destroy(&t);
}

static void test_ragged_and_columns(void **state)
{
    (void)state;
    expect_bad("# c\n0.5 0.5\n0.5 -0.5 0.1\n", NULL, 3, "ragged rows|this row has 3 numbers|"
                                                       "row 0 has 2 (line 2)");
    expect_bad("1 2 3 4\n\n# c\n1 2 3\n", NULL, 4, "ragged|this row has 3 numbers");
    expect_bad("1 2\n3 4\n5\n", NULL, 3, "ragged");

    /* Exactly `columns` numbers per row, with the caller's reason. */
    table_shape exact = {.columns = 3, .row_name = "point", .why = "the model has d = 3"};
    expect_bad("# points\n1 2 3\n4 5\n", &exact, 3, "a point has 2 numbers, the model has d = 3");
    expect_bad("1 2\n", &exact, 1, "a point has 2 numbers, the model has d = 3");
    table_shape exact_plain = {.columns = 2};
    expect_bad("1 2 3\n", &exact_plain, 1, "a row has 3 numbers, expected 2");

    /* At least `min_columns`: too few is refused, more is fine. */
    table_shape min = {.min_columns = 4, .why = "[training] needs column 3"};
    expect_bad("\n1 2 3\n", &min, 2, "a row has 3 numbers, [training] needs column 3");
    table_shape min_plain = {.min_columns = 4};
    expect_bad("1 2\n", &min_plain, 1, "a row has 2 numbers, at least 4 needed");
    number_table *t = read_good("1 2 3 4 5\n6 7 8 9 10\n", &min);
    assert_int_equal(t->columns, 5);
    table_destroy(&t);
}

static void test_max_rows(void **state)
{
    (void)state;
    /* Rows after the first max_rows are not read, not even checked. */
    table_shape two = {.max_rows = 2};
    number_table *t = read_good("# Q\n1 2\n\n3 4\n5 6 7\nnot numbers at all\n", &two);
    const double want[4] = {1, 2, 3, 4};
    assert_values(t, 2, 2, want);
    assert_int_equal(t->lines, 4);
    table_destroy(&t);
    /* Fewer rows than max_rows: all of them, and lines counts the file. */
    t = read_good("1 2\n# end\n", &two);
    assert_int_equal(t->rows, 1);
    assert_int_equal(t->lines, 2);
    table_destroy(&t);
}

static void test_missing_file_and_parse(void **state)
{
    (void)state;
    number_table *t = NULL;
    alfe_error_clear();
    assert_int_equal(table_read("/tmp/alfe-test-table-no-such-file", NULL, &t), ALFE_ERR_INPUT);
    assert_null(t);
    assert_non_null(strstr(alfe_error_message(), "/tmp/alfe-test-table-no-such-file"));
    alfe_error_clear();

    /* table_parse names the buffer as the caller says. */
    char text[] = "1 2\n3 x\n";
    assert_int_equal(table_parse(text, "--points", NULL, &t), ALFE_ERR_INPUT);
    assert_non_null(strstr(alfe_error_message(), "--points:2: column 2"));
    alfe_error_clear();
}

/* A sparse file of `size` bytes ("1\n" at its start, zeros after). */
static int write_sparse(char *path, size_t n, off_t size)
{
    snprintf(path, n, "/tmp/alfe-test-table-big-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "1\n", 2), 2);
    int ok = ftruncate(fd, size) == 0;
    close(fd);
    return ok;
}

/* Text inputs above ALFE_MAX_TEXT_FILE (64 MiB) are refused before reading:
 * one byte over the limit, and a sparse 1 TiB file (that a reader without
 * the size check would try to read whole: minutes and all the memory) in
 * well under a second. */
static void test_size_limit(void **state)
{
    (void)state;
    assert_int_equal(ALFE_MAX_TEXT_FILE, 64 * 1024 * 1024);
    const off_t sizes[2] = {(off_t)ALFE_MAX_TEXT_FILE + 1, (off_t)1 << 40};
    for (int i = 0; i < 2; i++) {
        char path[64];
        if (!write_sparse(path, sizeof path, sizes[i])) {
            unlink(path);
            printf("  (no sparse file of %lld bytes here: skipped)\n", (long long)sizes[i]);
            continue;
        }
        number_table *t = NULL;
        double t0 = alfe_wall_time();
        alfe_error_clear();
        assert_int_equal(table_read(path, NULL, &t), ALFE_ERR_INPUT);
        double seconds = alfe_wall_time() - t0;
        assert_null(t);
        char want[256];
        snprintf(want, sizeof want,
                 "%s: the file has %lld bytes, more than the 64 MiB limit of a text input file",
                 path, (long long)sizes[i]);
        assert_string_equal(alfe_error_message(), want);
        assert_true(seconds < 1.0);
        alfe_error_clear();
        unlink(path);
    }
    /* At the limit exactly: read (its first line is the table, the rest NUL
     * bytes end the text). */
    char path[64];
    if (write_sparse(path, sizeof path, (off_t)ALFE_MAX_TEXT_FILE)) {
        char *text = NULL;
        size_t length = 0;
        alfe_error_clear();
        assert_int_equal(alfe_read_text_file(path, &text, &length), ALFE_OK);
        assert_int_equal(length, ALFE_MAX_TEXT_FILE);
        assert_string_equal(text, "1\n");
        free(text);
    }
    unlink(path);
}

static void test_split_row(void **state)
{
    (void)state;
    double v[3];
    char a[] = "0.5,0, 0\t1e-3";
    assert_int_equal(table_split_row(a, v, 3), 4); /* counted beyond capacity */
    assert_true(v[0] == 0.5 && v[1] == 0 && v[2] == 0);
    assert_string_equal(a, "0.5,0, 0\t1e-3"); /* the line is left as it was */
    char b[] = "1,nan,2";
    assert_int_equal(table_split_row(b, v, 3), -2);
    assert_string_equal(b, "1,nan,2");
    char c[] = " , ";
    assert_int_equal(table_split_row(c, v, 3), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_separators),         cmocka_unit_test(test_comments_and_blank_lines),
        cmocka_unit_test(test_empty),              cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_not_numbers),        cmocka_unit_test(test_non_finite),
        cmocka_unit_test(test_ragged_and_columns), cmocka_unit_test(test_max_rows),
        cmocka_unit_test(test_missing_file_and_parse), cmocka_unit_test(test_split_row),
        cmocka_unit_test(test_size_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
