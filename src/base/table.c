/* table.c — text files of numbers into a flat rows × columns array (see
 * table.h for the format).
 * Owns: number_table.  Must not interpret the numbers; lines come from the
 * shared splitter alfe_next_line (util.c), so comments and line numbers
 * mean the same in every file alfe reads. */
#include "alfe/base/table.h"

#include "alfe/base/error.h"
#include "alfe/base/util.h"

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* A field that is not a number is quoted in the message up to this length. */
#define TABLE_QUOTE_MAX 40

static int is_separator(char c)
{
    return c == ',' || isspace((unsigned char)c);
}

/* The next field of *cursor, NUL-terminated in place; *saved holds the
 * character the NUL replaced.  NULL when the line has no more fields. */
static char *next_field(char **cursor, char *saved)
{
    char *p = *cursor;
    while (is_separator(*p))
        p++;
    if (*p == '\0')
        return NULL;
    char *start = p;
    while (*p && !is_separator(*p))
        p++;
    *saved = *p;
    *p = '\0';
    *cursor = p;
    return start;
}

int table_split_row(char *line, double *values, int capacity)
{
    int count = 0;
    char *cursor = line, saved;
    for (char *field; (field = next_field(&cursor, &saved));) {
        double v;
        int bad = alfe_parse_double(field, &v) != 0;
        *cursor = saved;
        if (bad)
            return -(count + 1);
        if (count < capacity)
            values[count] = v;
        count++;
    }
    return count;
}

/* The row's count against the caller's needs and the rows before it. */
static int check_row(const number_table *t, const table_shape *shape, const char *name,
                     int line_no, int count)
{
    const char *row_name = shape->row_name ? shape->row_name : "row";
    if (shape->columns > 0 && count != shape->columns) {
        if (shape->why)
            return ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: a %s has %d numbers, %s", name, line_no,
                             row_name, count, shape->why);
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: a %s has %d numbers, expected %d", name,
                         line_no, row_name, count, shape->columns);
    }
    if (t->rows > 0 && count != t->columns)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s:%d: ragged rows: this row has %d numbers, row 0 has %d (line %d)",
                         name, line_no, count, t->columns, t->row_line[0]);
    if (shape->min_columns > 0 && count < shape->min_columns) {
        if (shape->why)
            return ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: a %s has %d numbers, %s", name, line_no,
                             row_name, count, shape->why);
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: a %s has %d numbers, at least %d needed",
                         name, line_no, row_name, count, shape->min_columns);
    }
    return ALFE_OK;
}

int table_parse(char *text, const char *name, const table_shape *shape, number_table **out)
{
    *out = NULL;
    static const table_shape no_needs;
    if (!shape)
        shape = &no_needs;
    number_table *t = ALFE_CALLOC(1, sizeof *t);
    size_t n_values = 0, value_cap = 0;
    int row_cap = 0, line_no = 0, status = ALFE_OK;
    char *next = text;
    for (char *line; status == ALFE_OK && (shape->max_rows <= 0 || t->rows < shape->max_rows) &&
                     (line = alfe_next_line(&next));) {
        line_no++;
        int count = 0;
        char *cursor = line, saved;
        for (char *field; (field = next_field(&cursor, &saved));) {
            double v;
            if (alfe_parse_double(field, &v) != 0) {
                size_t len = strlen(field);
                status = ALFE_FAIL(ALFE_ERR_INPUT,
                                   "%s:%d: column %d: not a finite number: '%.*s%s'", name,
                                   line_no, count + 1, TABLE_QUOTE_MAX, field,
                                   len > TABLE_QUOTE_MAX ? "..." : "");
                break;
            }
            *cursor = saved;
            if (n_values == value_cap) {
                value_cap = value_cap ? 2 * value_cap : 256;
                t->values = ALFE_REALLOC(t->values, sizeof(double) * value_cap);
            }
            t->values[n_values++] = v;
            count++;
        }
        if (status != ALFE_OK || count == 0)
            continue;
        status = check_row(t, shape, name, line_no, count);
        if (status != ALFE_OK)
            break;
        if (t->rows == row_cap) {
            row_cap = row_cap ? 2 * row_cap : 64;
            t->row_line = ALFE_REALLOC(t->row_line, sizeof(int) * (size_t)row_cap);
        }
        if (t->rows == 0)
            t->columns = count;
        t->row_line[t->rows++] = line_no;
    }
    t->lines = line_no;
    if (status != ALFE_OK) {
        table_destroy(&t);
        return status;
    }
    *out = t;
    return ALFE_OK;
}

int table_read(const char *path, const table_shape *shape, number_table **out)
{
    *out = NULL;
    char *text;
    ALFE_CHECK(alfe_read_text_file(path, &text, NULL));
    int status = table_parse(text, path, shape, out);
    free(text);
    return status;
}

void table_destroy(number_table **table)
{
    if (!table || !*table)
        return;
    free((*table)->values);
    free((*table)->row_line);
    free(*table);
    *table = NULL;
}
