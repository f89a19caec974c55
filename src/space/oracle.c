/* oracle.c — analytic free energy with exact gradient and Hessian, and the
 * saddle-point "chain" that turns a bias (κ, φ) into (⟨η⟩, μ).
 * Owns: the formula.  Formula and symbols: docs/oracle.md.  Must not include
 * network headers (a trained free energy arrives as a callback). */
#include "alfe/space/oracle.h"

#include "alfe/base/error.h"
#include "alfe/base/linalg.h"
#include "alfe/base/rng.h"
#include "alfe/base/util.h"

#include <math.h>
#include <string.h>

void oracle_init(oracle_model *o, const domain *dom, const oracle_params *p)
{
    o->dom = dom;
    o->kt = ALFE_KB_EV * p->temperature;
    o->omega = p->omega;
    o->a0 = p->a0;
    o->a2 = p->a2;
    o->b = p->b;
    o->c = p->c;
    memcpy(o->noise, p->noise, sizeof o->noise);
    o->hessian_noise = p->hessian_noise;
    o->free_energy = oracle_analytic_free_energy;
    o->context = NULL;
}

void oracle_use_free_energy(oracle_model *o, oracle_free_energy_fn fn, void *context)
{
    o->free_energy = fn ? fn : oracle_analytic_free_energy;
    o->context = fn ? context : NULL;
}

int oracle_free_energy(const oracle_model *o, const double *eta, double *g, double *grad,
                       double *hess)
{
    return o->free_energy(o, o->context, eta, g, grad, hess);
}

int oracle_analytic_free_energy(const oracle_model *o, void *context, const double *eta,
                                double *g, double *grad, double *hess)
{
    (void)context;
    const int d = o->dom->d;
    double value = 0.0;
    memset(grad, 0, sizeof(double) * (size_t)d);
    if (hess)
        memset(hess, 0, sizeof(double) * (size_t)d * d);
    /* Ideal mixing on the M sublattices (also defines the domain). */
    if (domain_ideal_mixing(o->dom, o->kt, eta, &value, grad, hess) != 0)
        return -1;

    /* Regular-solution term in the composition. */
    const double e0 = eta[0];
    value += o->omega * e0 * (1.0 - e0);
    grad[0] += o->omega * (1.0 - 2.0 * e0);
    if (hess)
        hess[0] += -2.0 * o->omega;

    /* Landau polynomial in the ordering parameters. */
    if (d > 1) {
        const double a = o->a2 * (e0 - 0.5) * (e0 - 0.5) - o->a0;
        const double da = 2.0 * o->a2 * (e0 - 0.5);
        double sum2 = 0.0;
        for (int i = 1; i < d; i++)
            sum2 += eta[i] * eta[i];
        double cross = 0.0;
        for (int i = 1; i < d; i++) {
            const double e2 = eta[i] * eta[i];
            value += a * e2 + o->b * e2 * e2;
            cross += e2 * (sum2 - e2);
        }
        value += 0.5 * o->c * cross; /* Σ_{i<j} ηi²ηj² */
        grad[0] += da * sum2;
        if (hess)
            hess[0] += 2.0 * o->a2 * sum2;
        for (int i = 1; i < d; i++) {
            const double ei = eta[i];
            const double others = sum2 - ei * ei;
            grad[i] += 2.0 * a * ei + 4.0 * o->b * ei * ei * ei + 2.0 * o->c * ei * others;
            if (hess) {
                hess[i * d + i] += 2.0 * a + 12.0 * o->b * ei * ei + 2.0 * o->c * others;
                hess[i] += 2.0 * da * ei;
                hess[i * d] += 2.0 * da * ei;
                for (int j = 1; j < d; j++)
                    if (j != i)
                        hess[i * d + j] += 4.0 * o->c * ei * eta[j];
            }
        }
    }
    *g = value;
    return 0;
}

/* F(η) = g(η) + Σ φ_j (η_j − κ_j)²; returns -1 outside the domain. */
static int biased(const oracle_model *o, const point_input *in, const double *eta, double *f,
                  double *grad, double *hess)
{
    const int d = o->dom->d;
    double g;
    if (oracle_free_energy(o, eta, &g, grad, hess) != 0)
        return -1;
    *f = g;
    for (int j = 0; j < d; j++) {
        const double dev = eta[j] - in->kappa[j];
        *f += in->phi[j] * dev * dev;
        grad[j] += 2.0 * in->phi[j] * dev;
        if (hess)
            hess[j * d + j] += 2.0 * in->phi[j];
    }
    return 0;
}

int oracle_evaluate(const oracle_model *o, const point_input *in, point_result *out)
{
    const int d = o->dom->d;
    double t0 = alfe_wall_time();
    double eta[ALFE_MAX_DIM], grad[ALFE_MAX_DIM], hess[ALFE_MAX_DIM * ALFE_MAX_DIM];
    double step[ALFE_MAX_DIM], trial[ALFE_MAX_DIM], trial_grad[ALFE_MAX_DIM];
    memset(out, 0, sizeof *out);
    memcpy(eta, in->eta_target, sizeof(double) * (size_t)d);

    double f;
    int converged = 0, iterations = 0;
    if (biased(o, in, eta, &f, grad, hess) == 0) {
        /* Damped Newton with a spectrum floor (a descent direction even where
         * F is not convex) and backtracking that stays inside the domain. */
        for (iterations = 0; iterations < 200; iterations++) {
            double gmax = 0.0;
            for (int j = 0; j < d; j++)
                gmax = fmax(gmax, fabs(grad[j]));
            /* |∇F| is the error of the identity μ = −2φ(⟨η⟩ − κ); 1e-11 eV is
             * far below any noise and safely above rounding (φ0 ~ 50). */
            if (gmax < 1e-11) {
                converged = 1;
                break;
            }
            ALFE_CHECK(linalg_solve_shifted(hess, d, grad, 1e-6, step));
            /* At the rounding floor of ∇F (sums of logarithms that cancel)
             * the Newton step vanishes before |∇F| reaches 1e-11. */
            double smax = 0.0;
            for (int j = 0; j < d; j++)
                smax = fmax(smax, fabs(step[j]));
            if (smax < 1e-12 && gmax < 1e-9) {
                converged = 1;
                break;
            }
            /* Backtracking on F far from the minimum; near it (|∇F| < 1e-6)
             * changes of F fall below its rounding, so a step that reduces
             * |∇F| is accepted instead (Newton converges quadratically there). */
            double t = 1.0, f_trial = f;
            int accepted = 0;
            for (int back = 0; back < 60 && !accepted; back++, t *= 0.5) {
                for (int j = 0; j < d; j++)
                    trial[j] = eta[j] - t * step[j];
                if (biased(o, in, trial, &f_trial, trial_grad, NULL) != 0)
                    continue;
                double trial_gmax = 0.0;
                for (int j = 0; j < d; j++)
                    trial_gmax = fmax(trial_gmax, fabs(trial_grad[j]));
                accepted = f_trial < f || (gmax < 1e-6 && trial_gmax < 0.5 * gmax);
            }
            if (!accepted) {
                /* No progress representable: at the minimum to rounding. */
                converged = gmax < 1e-9;
                break;
            }
            memcpy(eta, trial, sizeof(double) * (size_t)d);
            biased(o, in, eta, &f, grad, hess);
        }
    }
    out->rank = 0;
    out->passes = 0;
    out->samples = 0;
    out->equilibration_samples = 0;
    out->acceptance = NAN; /* not a chain: no acceptance or autocorrelation */
    for (int j = 0; j < d; j++)
        out->tau[j] = NAN;

    double g, mu[ALFE_MAX_DIM];
    if (!converged || oracle_free_energy(o, eta, &g, mu, NULL) != 0) {
        out->status = POINT_FAILED;
        out->converged = 0;
        for (int j = 0; j < d; j++)
            out->eta_mean[j] = out->mu[j] = out->mu_stderr[j] = NAN;
        out->wall_seconds = alfe_wall_time() - t0;
        return ALFE_OK;
    }
    rng_stream rng;
    rng_stream_init(&rng, in->seed, 0, RNG_PURPOSE_ORACLE_NOISE);
    for (int j = 0; j < d; j++) {
        out->eta_mean[j] = eta[j];
        /* z_j is drawn for every j, so μ_j's noise does not depend on the
         * other components' σ (a component with σ_j = 0 is exact). */
        const double z = rng_normal(&rng);
        out->mu[j] = mu[j] + (o->noise[j] > 0 ? o->noise[j] * z : 0.0);
        out->mu_stderr[j] = o->noise[j];
    }
    out->status = POINT_DONE;
    out->converged = 1;
    out->wall_seconds = alfe_wall_time() - t0;
    return ALFE_OK;
}

void oracle_curvature(const oracle_model *o, const point_input *in, const point_result *res,
                      point_curvature *out)
{
    const int d = o->dom->d;
    for (int k = 0; k < d * d; k++)
        out->eta_cov[k] = out->hessian[k] = out->hessian_stderr[k] = NAN;
    if (res->status != POINT_DONE)
        return;
    double g, grad[ALFE_MAX_DIM];
    if (oracle_free_energy(o, res->eta_mean, &g, grad, out->hessian) != 0) {
        for (int k = 0; k < d * d; k++)
            out->hessian[k] = NAN;
        return;
    }
    rng_stream rng;
    rng_stream_init(&rng, in->seed, 1, RNG_PURPOSE_ORACLE_NOISE);
    for (int k = 0; k < d; k++)
        for (int l = k; l < d; l++) {
            const double e = o->hessian_noise > 0 ? o->hessian_noise * rng_normal(&rng) : 0.0;
            /* symmetric by construction: one draw per pair, the mean of the
             * exact pair (equal up to rounding) */
            const double h = 0.5 * (out->hessian[k * d + l] + out->hessian[l * d + k]) + e;
            out->hessian[k * d + l] = out->hessian[l * d + k] = h;
            out->hessian_stderr[k * d + l] = out->hessian_stderr[l * d + k] = o->hessian_noise;
        }
}
