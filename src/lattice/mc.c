/* mc.c — the Metropolis chain and its convergence loop (see mc.h).
 *
 * Hot loop cost per attempt: one random site, ΔE from the site's local field
 * (supercell.h), the bias change from per-sublattice coefficients
 *   ΔΦ_bias = dN·lin[s] + dN²·quad[s],
 *   lin[s]  = N Σ_j 2φ_j (η_j − κ_j) Q[j,s]/copies,
 *   quad[s] = N Σ_j φ_j (Q[j,s]/copies)²,
 * which is the exact change N Σ_j φ_j [2(η_j−κ_j)Δη_j + Δη_j²] for a change of
 * dN ∈ {−1, 0, 1} counted sites on sublattice s.  Only accepted changes touch
 * the local fields, η and lin[].
 * Owns: chain buffers.  Must not do I/O. */
#include "alfe/lattice/mc.h"

#include "alfe/lattice/convergence.h"
#include "alfe/lattice/fluctuation.h"
#include "alfe/base/error.h"
#include "alfe/base/constants.h"
#include "alfe/base/rng.h"
#include "alfe/base/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct mc_chain {
    const supercell *sc;
    const orderparam *op;
    int d, m;
    int8_t *occ;
    double *h;
    int *counts;             /* counted sites per sublattice */
    double eta[ALFE_MAX_DIM];
    double *lin, *quad;      /* per sublattice */
    double energy_total;     /* eV, extensive */
    int binary;              /* every variable site has 2 occupants and 1 function */
    double *phi;             /* binary: φ of each variable site's occupant */
    double *samples;         /* n_samples × d */
    int64_t sample_capacity;
    int *scratch;            /* n_var */
    int64_t n_samples;       /* of the last run */
    /* the run in progress (mc_chain_begin … mc_chain_finish) */
    rng_stream rng;
    int64_t attempts, accepted;
    int common_window;       /* of the last check (analyse) */
    double t0;               /* wall time at begin */
};

int mc_chain_create(const supercell *sc, const orderparam *op, mc_chain **out)
{
    mc_chain *ch = ALFE_CALLOC(1, sizeof *ch);
    ch->sc = sc;
    ch->op = op;
    ch->d = op->d;
    ch->m = op->m;
    ch->occ = ALFE_CALLOC((size_t)sc->n_var, 1);
    ch->h = ALFE_CALLOC((size_t)sc->n_var * (size_t)sc->max_func, sizeof(double));
    ch->counts = ALFE_CALLOC((size_t)op->m, sizeof(int));
    ch->lin = ALFE_CALLOC((size_t)op->m, sizeof(double));
    ch->quad = ALFE_CALLOC((size_t)op->m, sizeof(double));
    ch->scratch = ALFE_MALLOC(sizeof(int) * (size_t)sc->n_var);
    ch->binary = sc->binary;
    ch->phi = ALFE_CALLOC((size_t)sc->n_var, sizeof(double));
    *out = ch;
    return ALFE_OK;
}

void mc_chain_destroy(mc_chain **chp)
{
    if (!chp || !*chp)
        return;
    mc_chain *ch = *chp;
    free(ch->occ);
    free(ch->h);
    free(ch->counts);
    free(ch->lin);
    free(ch->quad);
    free(ch->samples);
    free(ch->scratch);
    free(ch->phi);
    free(ch);
    *chp = NULL;
}

int8_t *mc_chain_configuration(mc_chain *ch) { return ch->occ; }

const double *mc_chain_samples(const mc_chain *ch, int64_t *n)
{
    *n = ch->n_samples;
    return ch->samples;
}

static void update_bias(mc_chain *ch, const mc_params *p)
{
    const int d = ch->d;
    const double n_cells = ch->sc->n_cells;
    for (int s = 0; s < ch->m; s++) {
        const double *dq = ch->op->dq + (size_t)s * d;
        double lin = 0.0;
        for (int j = 0; j < d; j++)
            lin += 2.0 * p->phi[j] * (ch->eta[j] - p->kappa[j]) * dq[j];
        ch->lin[s] = n_cells * lin;
    }
}

static void eta_from_counts(mc_chain *ch)
{
    const int d = ch->d;
    for (int j = 0; j < d; j++)
        ch->eta[j] = 0.0;
    for (int s = 0; s < ch->m; s++) {
        const double *dq = ch->op->dq + (size_t)s * d;
        for (int j = 0; j < d; j++)
            ch->eta[j] += ch->counts[s] * dq[j];
    }
}

void mc_chain_reset_state(mc_chain *ch, const mc_params *p)
{
    const supercell *sc = ch->sc;
    const orderparam *op = ch->op;
    supercell_local_fields(sc, ch->occ, ch->h);
    if (ch->binary)
        for (int v = 0; v < sc->n_var; v++)
            ch->phi[v] = sc->phi_occ[v][ch->occ[v]];
    ch->energy_total = supercell_energy(sc, ch->occ) * sc->n_cells;
    memset(ch->counts, 0, sizeof(int) * (size_t)ch->m);
    for (int v = 0; v < sc->n_var; v++)
        ch->counts[op->sublattice[v]] += op->counted[(size_t)v * CLEX_MAX_OCC + ch->occ[v]];
    eta_from_counts(ch);
    for (int s = 0; s < ch->m; s++) {
        const double *dq = op->dq + (size_t)s * ch->d;
        double quad = 0.0;
        for (int j = 0; j < ch->d; j++)
            quad += p->phi[j] * dq[j] * dq[j];
        ch->quad[s] = sc->n_cells * quad;
    }
    update_bias(ch, p);
}

double mc_chain_delta_potential(mc_chain *ch, const mc_params *p, int v, int new_occ)
{
    const orderparam *op = ch->op;
    const int old = ch->occ[v];
    const double de = supercell_delta_energy(ch->sc, ch->h, ch->occ, v, new_occ);
    const int dn = op->counted[(size_t)v * CLEX_MAX_OCC + new_occ] -
                   op->counted[(size_t)v * CLEX_MAX_OCC + old];
    const int s = op->sublattice[v];
    return de - p->exchange_potential * dn + dn * ch->lin[s] + (double)(dn * dn) * ch->quad[s];
}

void mc_chain_apply(mc_chain *ch, const mc_params *p, int v, int new_occ)
{
    const orderparam *op = ch->op;
    const int old = ch->occ[v];
    ch->energy_total += supercell_delta_energy(ch->sc, ch->h, ch->occ, v, new_occ);
    ch->occ[v] = (int8_t)new_occ;
    if (ch->binary) {
        const double dphi = ch->sc->phi_occ[v][new_occ] - ch->phi[v];
        ch->phi[v] = ch->sc->phi_occ[v][new_occ];
        supercell_update_binary(ch->sc, ch->phi, v, dphi, ch->h);
    } else {
        supercell_update_fields(ch->sc, ch->occ, v, old, ch->h);
    }
    const int dn = op->counted[(size_t)v * CLEX_MAX_OCC + new_occ] -
                   op->counted[(size_t)v * CLEX_MAX_OCC + old];
    if (dn != 0) {
        const int s = op->sublattice[v];
        ch->counts[s] += dn;
        const double *dq = op->dq + (size_t)s * ch->d;
        for (int j = 0; j < ch->d; j++)
            ch->eta[j] += dn * dq[j];
        update_bias(ch, p);
    }
}

/* Metropolis test u < e^{−x} for x = βΔΦ, with exp only where it decides:
 * 1 − x ≤ e^{−x} ≤ 1/(1 + x + x²/2 + x³/6) for x ≥ 0, so most uniforms decide
 * from the bounds alone (margins of 1e-12 keep the decisions those of the
 * exact comparison).  x > 40: acceptance below 2⁻⁵⁷, under the uniform's
 * 2⁻⁵³ resolution — reject without drawing. */
static inline int metropolis_accept(double x, rng_stream *rng)
{
    if (x <= 0.0)
        return 1;
    if (x >= 40.0)
        return 0;
    const double u = rng_uniform(rng);
    if (u * (1.0 + x * (1.0 + x * (0.5 + x * (1.0 / 6.0)))) > 1.0 + 1e-12)
        return 0;
    if (u < 1.0 - x - 1e-12)
        return 1;
    return u < exp(-x);
}

/* A random configuration with sublattice fractions x(κ) clipped to [0,1]
 * (MC_START_KAPPA) or ½ on every sublattice (MC_START_DISORDERED). */
static void start_configuration(mc_chain *ch, const mc_params *p, int start, rng_stream *rng)
{
    const supercell *sc = ch->sc;
    const orderparam *op = ch->op;
    const clex_prim *prim = &sc->model->prim;
    for (int s = 0; s < ch->m; s++) {
        double x = 0.0;
        for (int j = 0; j < ch->d; j++)
            x += op->q_pinv[(size_t)s * ch->d + j] * p->kappa[j];
        x = start == MC_START_DISORDERED ? 0.5 : fmin(1.0, fmax(0.0, x));
        /* the variable sites of sublattice s, shuffled (Fisher–Yates) */
        int n = 0;
        for (int v = 0; v < sc->n_var; v++)
            if (op->sublattice[v] == s)
                ch->scratch[n++] = v;
        for (int i = n - 1; i > 0; i--) {
            int k = (int)rng_below(rng, (uint64_t)i + 1);
            int t = ch->scratch[i];
            ch->scratch[i] = ch->scratch[k];
            ch->scratch[k] = t;
        }
        int want = (int)lround(x * n);
        for (int i = 0; i < n; i++) {
            int v = ch->scratch[i];
            int b = sc->var_basis[v];
            int chosen = -1;
            for (int o = 0; o < prim->sites[b].n_occ && chosen < 0; o++) {
                int counted = op->counted[(size_t)v * CLEX_MAX_OCC + o];
                if ((i < want) == (counted != 0))
                    chosen = o;
            }
            ch->occ[v] = (int8_t)(chosen >= 0 ? chosen : 0);
        }
    }
}

static int store_sample(mc_chain *ch, int64_t n)
{
    if (n >= ch->sample_capacity) {
        ch->sample_capacity = ch->sample_capacity ? 2 * ch->sample_capacity : 1024;
        ch->samples = ALFE_REALLOC(ch->samples,
                                   sizeof(double) * (size_t)ch->sample_capacity * ch->d);
    }
    memcpy(ch->samples + (size_t)n * ch->d, ch->eta, sizeof(double) * (size_t)ch->d);
    return ALFE_OK;
}

/* Convergence analysis of the n samples so far (see mc.h).  Fills the
 * averages of result and returns 1 when converged.  Inside the loop (final =
 * 0) it stops at the first component that fails (the result is discarded)
 * and searches windows only up to the size a converged chain could have
 * (M ≈ C·τ ≤ C·n/min_tau_samples). */
static int analyse(mc_chain *ch, const mc_params *p, int64_t n, int final, mc_result *r,
                   int *common_window)
{
    const int d = ch->d;
    const double z = convergence_z(p->confidence);
    double *series = ALFE_MALLOC(sizeof(double) * (size_t)(n ? n : 1));
    int start = 0, equilibrated = 1;
    for (int j = 0; j < d && equilibrated; j++) {
        if (!(p->phi[j] > 0))
            continue;
        for (int64_t i = 0; i < n; i++)
            series[i] = ch->samples[(size_t)i * d + j];
        int sj;
        double prec = p->mu_precision / (2.0 * p->phi[j]);
        equilibrated = convergence_equilibration(series, (int)n, prec, &sj);
        /* and past a metastable start that the precision test cannot see
         * (Geweke's first tenth against the last half, at the statistical
         * resolution c0·τ of the second half; not for the comparison
         * estimators) */
        if (equilibrated && p->tau_estimator == MC_TAU_SOKAL) {
            const int half = (int)(n / 2), rest = (int)(n - n / 2);
            int lag = rest / 4;
            if (!final && p->min_tau_samples > 0 &&
                CONVERGENCE_SOKAL_C * rest / p->min_tau_samples + 1.0 < lag)
                lag = (int)(CONVERGENCE_SOKAL_C * rest / p->min_tau_samples + 1.0);
            convergence_stats tail;
            convergence_mean_stats_window(series + half, rest, lag, &tail);
            /* no τ on the second half: no scale for the test, which is
             * skipped (such a chain rarely has a τ on [s, n) either, and
             * without one it is not converged) */
            if (tail.estimated) {
                int cut;
                equilibrated = convergence_truncation_geweke(
                    series, (int)n, tail.var_mean * rest, CONVERGENCE_GEWEKE_Z, &cut);
                if (cut > sj)
                    sj = cut;
            }
        }
        if (sj > start)
            start = sj;
    }
    /* Not equilibrated: report the second half, flagged not converged. */
    if (!equilibrated)
        start = (int)(n / 2);
    int converged = equilibrated;
    const int len = (int)(n - start);
    int max_lag = len / 4;
    if (!final && p->min_tau_samples > 0) {
        double cap = CONVERGENCE_SOKAL_C * len / p->min_tau_samples + 1.0;
        if (cap < max_lag)
            max_lag = (int)cap;
    }
    /* One window for every component: the largest of their own Sokal
     * windows.  The η_j of one chain share its slow modes: a component whose
     * own autocorrelation drops fast (η0 under a stiff bias) can still carry
     * a small slow tail from the ordering modes, which its own short window
     * misses (docs/monte-carlo.md). */
    int common = 0;
    /* each component's own window (kept: the loop below needs the same) */
    convergence_stats own[ALFE_MAX_DIM];
    int have_own[ALFE_MAX_DIM] = {0};
    {
        for (int j = 0; j < d; j++) {
            if (!(p->phi[j] > 0))
                continue;
            for (int64_t i = start; i < n; i++)
                series[i - start] = ch->samples[(size_t)i * d + j];
            convergence_mean_stats_window(series, len, max_lag, &own[j]);
            have_own[j] = 1;
            if (own[j].estimated && own[j].window > common)
                common = own[j].window;
        }
    }
    for (int j = 0; j < d && (final || converged); j++) {
        for (int64_t i = start; i < n; i++)
            series[i - start] = ch->samples[(size_t)i * d + j];
        convergence_stats st;
        if (p->tau_estimator == MC_TAU_CASM) {
            convergence_mean_stats_casm(series, len, &st);
        } else if (p->tau_estimator == MC_TAU_NAIVE) {
            convergence_mean_stats_naive(series, len, &st);
        } else {
            if (have_own[j])
                st = own[j];
            else
                convergence_mean_stats_window(series, len, max_lag, &st);
            if (common > st.window && st.estimated)
                convergence_mean_stats_fixed_window(series, len, common, &st);
        }
        r->eta_mean[j] = st.mean;
        r->mu[j] = -2.0 * p->phi[j] * (st.mean - p->kappa[j]);
        /* φ_j = 0: μ_j = 0 exactly, whatever η_j does. */
        r->mu_stderr[j] = p->phi[j] > 0 ? 2.0 * p->phi[j] * sqrt(st.var_mean) : 0.0;
        r->tau[j] = st.tau;
        if (p->phi[j] > 0 && !st.constant) {
            double prec = p->mu_precision / (2.0 * p->phi[j]);
            if (!st.estimated || !(z * sqrt(st.var_mean) <= prec) ||
                !((double)len >= p->min_tau_samples * st.tau))
                converged = 0;
        }
    }
    r->equilibration_samples = start;
    r->samples = n - start;
    *common_window = common;
    free(series);
    return converged;
}

const char *mc_frozen_reason(const double *samples, int64_t n, int d, double acceptance,
                             double min_acceptance, const double *x_mean, int m)
{
    if (!(acceptance >= min_acceptance))
        return "acceptance below [mc] min_acceptance";
    int moved = 0;
    for (int j = 0; j < d && !moved; j++)
        for (int64_t i = 1; i < n && !moved; i++)
            moved = samples[(size_t)i * d + j] != samples[j];
    if (!moved)
        return "eta never moved";
    int vertex = m > 0;
    for (int s = 0; s < m && vertex; s++)
        vertex = fabs(x_mean[s]) <= 1e-9 || fabs(x_mean[s] - 1.0) <= 1e-9;
    if (vertex)
        return "<eta> on a vertex of the domain (every sublattice fraction 0 or 1)";
    return NULL;
}

int mc_chain_begin(mc_chain *ch, const mc_params *p, uint64_t stream, int start)
{
    if (!(p->temperature > 0))
        return ALFE_FAIL(ALFE_ERR_INPUT, "temperature must be > 0 K (got %g)", p->temperature);
    for (int j = 0; j < ch->d; j++)
        if (!isfinite(p->kappa[j]) || !isfinite(p->phi[j]) || p->phi[j] < 0)
            return ALFE_FAIL(ALFE_ERR_INPUT,
                             "kappa and phi must be finite and phi >= 0 (component %d: "
                             "kappa %g, phi %g)", j, p->kappa[j], p->phi[j]);
    ch->t0 = alfe_wall_time();
    rng_stream_init(&ch->rng, p->seed, stream, RNG_PURPOSE_MONTE_CARLO);
    start_configuration(ch, p, start, &ch->rng);
    mc_chain_reset_state(ch, p);
    ch->n_samples = 0;
    ch->attempts = ch->accepted = 0;
    ch->common_window = 0;
    return ALFE_OK;
}

int64_t mc_chain_passes_done(const mc_chain *ch) { return ch->n_samples; }

int mc_chain_dimension(const mc_chain *ch) { return ch->d; }

double mc_chain_cells(const mc_chain *ch) { return ch->sc->n_cells; }

void mc_chain_advance(mc_chain *ch, const mc_params *p, int64_t until)
{
    const supercell *sc = ch->sc;
    const orderparam *op = ch->op;
    const double beta = 1.0 / (ALFE_KB_EV * p->temperature);
    const int n_var = sc->n_var;
    const clex_model *m = sc->model;
    rng_stream rng = ch->rng; /* a local copy in the hot loop */
    int64_t accepted = 0, n_samples = ch->n_samples;
    for (; n_samples < until; n_samples++) {
        for (int a = 0; a < n_var; a++) {
            const int v = (int)rng_below(&rng, (uint64_t)n_var);
            const int old = ch->occ[v];
            int new_occ;
            double dphi;
            if (ch->binary) {
                /* fast path: one function, two occupants */
                new_occ = 1 - old;
                const double de = (sc->phi_occ[v][new_occ] - ch->phi[v]) * ch->h[v];
                const int dn = op->counted[(size_t)v * CLEX_MAX_OCC + new_occ] -
                               op->counted[(size_t)v * CLEX_MAX_OCC + old];
                const int s = op->sublattice[v];
                dphi = de - p->exchange_potential * dn + dn * ch->lin[s] + (double)(dn * dn) * ch->quad[s];
            } else {
                const int n_occ = m->prim.sites[sc->var_basis[v]].n_occ;
                int k = (int)rng_below(&rng, (uint64_t)(n_occ - 1));
                new_occ = k >= old ? k + 1 : k;
                dphi = mc_chain_delta_potential(ch, p, v, new_occ);
            }
            if (metropolis_accept(beta * dphi, &rng)) {
                mc_chain_apply(ch, p, v, new_occ);
                accepted++;
            }
        }
        ch->attempts += n_var;
        /* Exact η from integer counts once per pass (no drift). */
        eta_from_counts(ch);
        update_bias(ch, p);
        store_sample(ch, n_samples);
    }
    ch->accepted += accepted;
    ch->n_samples = n_samples;
    ch->rng = rng;
}

int mc_chain_check(mc_chain *ch, const mc_params *p, int final, mc_result *r)
{
    return analyse(ch, p, ch->n_samples, final, r, &ch->common_window);
}

int64_t mc_next_stop(int64_t done, const mc_params *p, int *is_check)
{
    *is_check = 0;
    if (done >= p->max_passes)
        return -1;
    int64_t c = done + 1 > p->min_passes ? done + 1 : p->min_passes;
    const int64_t every = p->check_every > 0 ? p->check_every : 1;
    c = (c + every - 1) / every * every;
    if (c > p->max_passes)
        return p->max_passes;
    *is_check = 1;
    return c;
}

void mc_chain_finish(mc_chain *ch, const mc_params *p, int converged, mc_result *r)
{
    const supercell *sc = ch->sc;
    const orderparam *op = ch->op;
    const int64_t n_samples = ch->n_samples;
    r->passes = n_samples;
    r->acceptance = ch->attempts ? (double)ch->accepted / (double)ch->attempts : NAN;
    /* Frozen chains are never converged (x of ⟨η⟩ from Q⁺, as the start). */
    double *x_mean = ALFE_MALLOC(sizeof(double) * (size_t)(ch->m ? ch->m : 1));
    for (int s = 0; s < ch->m; s++) {
        x_mean[s] = 0.0;
        for (int j = 0; j < ch->d; j++)
            x_mean[s] += op->q_pinv[(size_t)s * ch->d + j] * r->eta_mean[j];
    }
    /* "Never moved" is judged on the kept (equilibrated) samples: a chain
     * that relaxed during equilibration and then stuck is frozen too (its
     * error bars would be 0). */
    const int64_t kept0 = r->equilibration_samples >= 0 && n_samples - r->equilibration_samples >= 2
                              ? r->equilibration_samples
                              : 0;
    r->frozen_reason = mc_frozen_reason(ch->samples + (size_t)kept0 * (size_t)ch->d,
                                        n_samples - kept0, ch->d, r->acceptance,
                                        p->min_acceptance, x_mean, ch->m);
    free(x_mean);
    r->frozen = r->frozen_reason != NULL;
    r->converged = converged && !r->frozen;
    r->energy = supercell_energy(sc, ch->occ);
    /* Curvature from the fluctuations of the same equilibrated samples, with
     * the error-bar estimator and the common window of μ (fluctuation.h). */
    const int estimator = p->tau_estimator == MC_TAU_NAIVE  ? FLUCTUATION_NAIVE
                          : p->tau_estimator == MC_TAU_CASM ? FLUCTUATION_CASM
                                                             : FLUCTUATION_SOKAL;
    int biased = 0;
    for (int j = 0; j < ch->d; j++)
        biased |= p->phi[j] > 0;
    /* no common window although some η_j was checked: no τ was measured */
    const int window = biased && ch->common_window == 0 ? -1 : ch->common_window;
    r->curvature_status = fluctuation_curvature(
        ch->samples + (size_t)r->equilibration_samples * ch->d, (int)r->samples, ch->d,
        p->temperature, sc->n_cells, p->phi, window, estimator, &r->curvature);
    r->chains = 1;
    r->chains_agree = 1;
    r->chains_chi2 = 0.0;
    r->seconds = alfe_wall_time() - ch->t0;
}

int mc_chain_run(mc_chain *ch, const mc_params *p, mc_result *r)
{
    memset(r, 0, sizeof *r);
    ALFE_CHECK(mc_chain_begin(ch, p, 0, MC_START_KAPPA));
    int converged = 0, is_check;
    int64_t next;
    while (!converged && (next = mc_next_stop(ch->n_samples, p, &is_check)) > 0) {
        mc_chain_advance(ch, p, next);
        converged = is_check && mc_chain_check(ch, p, 0, r);
    }
    if (!converged)
        converged = mc_chain_check(ch, p, 1, r);
    mc_chain_finish(ch, p, converged, r);
    return ALFE_OK;
}
