/* formula_oracle.c — [oracle] free_energy: ideal mixing plus a polynomial
 * formula, with exact gradient and Hessian (formula_oracle.h).
 * Owns: oracle_formula.  Must not read the configuration or files. */
#include "alfe/network/formula_oracle.h"

#include "alfe/base/error.h"
#include "alfe/base/util.h"

#include <string.h>

int oracle_formula_create(const char *text, int d, int ideal, oracle_formula **out, int *column)
{
    *out = NULL;
    oracle_formula *f = ALFE_CALLOC(1, sizeof *f);
    int status = polynomial_parse(text, d, &f->poly, column);
    if (status != ALFE_OK) {
        free(f);
        return status;
    }
    f->ideal = ideal;
    *out = f;
    return ALFE_OK;
}

void oracle_formula_destroy(oracle_formula **f)
{
    if (!f || !*f)
        return;
    polynomial_free(&(*f)->poly);
    ALFE_FREE(*f);
}

int oracle_formula_free_energy(const oracle_model *o, void *context, const double *eta,
                               double *g, double *grad, double *hess)
{
    const oracle_formula *f = context;
    const int d = o->dom->d;
    double pg[ALFE_MAX_DIM], ph[ALFE_MAX_DIM * ALFE_MAX_DIM], value = 0.0;
    memset(grad, 0, sizeof(double) * (size_t)d);
    if (hess)
        memset(hess, 0, sizeof(double) * (size_t)d * d);
    if (f->ideal) {
        if (domain_ideal_mixing(o->dom, o->kt, eta, &value, grad, hess) != 0)
            return -1;
    } else if (domain_min_slack(o->dom, eta) < 0.0) {
        return -1;
    }
    double pv = 0.0;
    polynomial_eval(&f->poly, eta, &pv, pg, hess ? ph : NULL);
    *g = value + pv;
    for (int j = 0; j < d; j++)
        grad[j] += pg[j];
    if (hess)
        for (int k = 0; k < d * d; k++)
            hess[k] += ph[k];
    return 0;
}
