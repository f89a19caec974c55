/* table.h — the one reader of text files of numbers: Q files, `alfe predict
 * --points` files and [training] test sets.
 *
 * A table file holds one row per line.  Numbers are separated by spaces, tabs
 * or commas (runs of separators count as one; a trailing '\r' is a space),
 * '#' starts a comment, blank and comment-only lines are skipped but counted,
 * and lines may be of any length.  Every row must hold the same count of
 * finite numbers.  Failures are ALFE_ERR_INPUT with a message naming
 * "path:line:" and, for a field that is not a finite number, its column
 * (1-based, counted in numbers, not characters).
 * Owns: number_table.  Must not know what the numbers mean (callers check
 * values; a table_shape only states how many columns a caller needs). */
#ifndef ALFE_TABLE_H
#define ALFE_TABLE_H

typedef struct {
    int rows, columns;  /* columns = 0 when rows = 0 */
    double *values;     /* rows × columns, row-major */
    int *row_line;      /* 1-based file line of each row */
    int lines;          /* lines read: the whole file, or up to the last row
                           kept when shape->max_rows stopped the reading */
} number_table;

/* What a caller needs; every field 0 / NULL means "no requirement". */
typedef struct {
    int columns;          /* every row holds exactly this many numbers */
    int min_columns;      /* every row holds at least this many numbers */
    int max_rows;         /* read this many rows; the rest of the file is not read */
    const char *row_name; /* in messages: "a point has 3 numbers, ..." (default "row") */
    const char *why;      /* in messages, after the count: "the model has d = 7" */
} table_shape;

/* Read the file at `path`.  shape may be NULL.  An empty file (or one of
 * comments only) is a table of 0 rows, not an error. */
int table_read(const char *path, const table_shape *shape, number_table **out);

/* The same on a NUL-terminated buffer, split in place; `name` stands for
 * the path in messages. */
int table_parse(char *text, const char *name, const table_shape *shape, number_table **out);

void table_destroy(number_table **table);

/* The numbers of one line (no comment handling), separators as in a table
 * file, the line left unchanged.  Returns the count of fields (values beyond
 * `capacity` are counted but not stored), or -c when field c (1-based) is
 * not a finite number. */
int table_split_row(char *line, double *values, int capacity);

#endif
