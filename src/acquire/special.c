/* special.c — the special-points criterion: the configured points (end
 * members, wells, vertices) and evenly spaced interior points on lines
 * between configured pairs.  The points arrive as an array; the file is read
 * by run/.  Points are proposed in configuration order (score −position).
 * Points outside the domain are not dropped here: select_perturb brings them
 * in and counts them.
 * Owns: special_propose.  Must not read files, the configuration or MPI. */
#include "alfe/acquire/special.h"

#include "candidate_internal.h"

int special_count(const acquire_special *sp)
{
    if (!sp || sp->n <= 0)
        return 0;
    return sp->n + (sp->line_points > 0 ? sp->n_lines * sp->line_points : 0);
}

int special_propose(const criterion_input *in, const criterion_settings *s,
                    acquire_candidate **out, int *n_out)
{
    (void)s;
    *out = NULL;
    *n_out = 0;
    const acquire_special *sp = in ? in->special : NULL;
    if (!sp || sp->n == 0)
        return ALFE_OK;
    if (sp->n < 0 || sp->d < 1 || sp->d > ALFE_MAX_DIM || !sp->eta)
        return ALFE_FAIL(ALFE_ERR_INPUT, "special: %d points in %d dimensions", sp->n, sp->d);
    if (sp->n_lines < 0 || (sp->n_lines > 0 && !sp->line_pairs) || sp->line_points < 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "special: %d lines, %d points per line", sp->n_lines,
                         sp->line_points);
    for (int l = 0; l < sp->n_lines; l++)
        for (int e = 0; e < 2; e++) {
            const int a = sp->line_pairs[2 * l + e];
            if (a < 0 || a >= sp->n)
                return ALFE_FAIL(ALFE_ERR_INPUT,
                                 "special: line %d names point %d; there are %d points "
                                 "(numbered from 0)",
                                 l + 1, a, sp->n);
        }
    const int d = sp->d;
    const int n = special_count(sp);
    acquire_candidate *c = candidates_alloc(n);
    int k = 0;
    for (int i = 0; i < sp->n; i++, k++)
        candidate_set(&c[k], -(double)k, ACQUIRE_SOURCE_SPECIAL, k, sp->eta + (size_t)i * d, d);
    if (sp->line_points > 0)
        for (int l = 0; l < sp->n_lines; l++) {
            const double *a = sp->eta + (size_t)sp->line_pairs[2 * l] * d;
            const double *b = sp->eta + (size_t)sp->line_pairs[2 * l + 1] * d;
            for (int q = 1; q <= sp->line_points; q++, k++) {
                const double t = (double)q / (sp->line_points + 1);
                double eta[ALFE_MAX_DIM];
                for (int j = 0; j < d; j++)
                    eta[j] = a[j] + t * (b[j] - a[j]);
                candidate_set(&c[k], -(double)k, ACQUIRE_SOURCE_SPECIAL, k, eta, d);
            }
        }
    candidates_finish(c, k, out, n_out);
    return ALFE_OK;
}
