/* fuzz_table.c — the number-table reader (src/base/table.c): table_parse
 * on the input under four shapes, and table_split_row on its first line.
 * Checks: no memory error; a table that parses has rows × columns values,
 * all finite, and strictly increasing row lines. */
#include "fuzz_common.h"

#include "alfe/base/table.h"

#include <math.h>

static void check_table(const number_table *t)
{
    if (t->rows < 0 || (t->rows > 0 && t->columns <= 0) || t->lines < 0)
        abort();
    for (int r = 0; r < t->rows; r++) {
        if (t->row_line[r] < 1 || t->row_line[r] > t->lines ||
            (r > 0 && t->row_line[r] <= t->row_line[r - 1]))
            abort();
        for (int c = 0; c < t->columns; c++)
            if (!isfinite(t->values[(size_t)r * (size_t)t->columns + (size_t)c]))
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const table_shape shapes[4] = {
        {0, 0, 0, NULL, NULL},
        {7, 0, 0, "point", "the model has d = 7"},
        {0, 2, 3, NULL, NULL},
        {3, 0, 1, "row", NULL},
    };
    for (int s = -1; s < 4; s++) {
        char *text = fuzz_strndup(data, size);
        number_table *t = NULL;
        int status = table_parse(text, "fuzz.txt", s < 0 ? NULL : &shapes[s], &t);
        fuzz_check_status(status);
        if (status == ALFE_OK) {
            check_table(t);
            if (s >= 0 && shapes[s].columns > 0 && t->rows > 0 && t->columns != shapes[s].columns)
                abort();
            if (s >= 0 && shapes[s].max_rows > 0 && t->rows > shapes[s].max_rows)
                abort();
        } else if (t) {
            abort();
        }
        table_destroy(&t);
        free(text);
    }
    /* One line through the splitter, which must leave it unchanged. */
    size_t n = 0;
    while (n < size && data[n] != '\n' && data[n] != '\0')
        n++;
    char *line = fuzz_strndup(data, n);
    char *copy = fuzz_strndup(data, n);
    double values[8];
    int count = table_split_row(line, values, 8);
    if (strcmp(line, copy) != 0)
        abort();
    for (int i = 0; i < count && i < 8; i++)
        if (!isfinite(values[i]))
            abort();
    free(line);
    free(copy);
    return 0;
}
