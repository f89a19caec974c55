/* idnn.h — the integrable deep neural network (IDNN): g(η) = MLP(h(η)) / s.
 *
 * h = invariants (m), a_0 = h, z_l = W_l a_{l−1} + b_l, a_l = σ_l(z_l) for the
 * L hidden layers, y = w·a_L + c, and g = y/s with s the output scale (100 in
 * the published work, so the network output is 100·g in eV per prim cell).
 * Derivatives (ARCHITECTURE §3): ∇_η g = J_hᵀ ∇_h g; the Hessian
 * ∇²_η g = J_hᵀ (∇²_h g) J_h + Σ_k (∂g/∂h_k) ∇²_η h_k.  The loss
 *   L = w_g·mean_r (g(η_r) − g_r)² + w_μ·mean_{p,j} ω_p (s ∂g/∂η_j(η_p) − s μ_pj)²
 * (optionally + the curvature term against a measured Hessian, idnn_batch)
 * and its exact parameter gradient by one forward tangent pass and reverse
 * mode over the primal–tangent pair; every step is a cblas_dgemm over the
 * batch, with a plain-loop twin (the *_naive functions) for tests.
 * Owns: the network (parameters in one flat block) and its workspaces. */
#ifndef ALFE_IDNN_H
#define ALFE_IDNN_H

#include "alfe/network/invariants.h"
#include "alfe/base/rng.h"

#include <stddef.h>

enum idnn_activation { IDNN_TANH = 0, IDNN_SOFTPLUS = 1, IDNN_SIGMOID = 2, IDNN_ACTIVATION_COUNT };
extern const char *const idnn_activation_names[IDNN_ACTIVATION_COUNT];

#define IDNN_MAX_LAYERS 8

typedef struct {
    int n_inputs;                       /* m */
    int n_layers;                       /* hidden layers L, 1..IDNN_MAX_LAYERS */
    int width[IDNN_MAX_LAYERS];
    int activation[IDNN_MAX_LAYERS];    /* enum idnn_activation */
    double scale;                       /* s */
} idnn_arch;

typedef struct {
    idnn_arch arch;
    size_t n_params;
    double *params;                     /* flat block, layout below */
    /* W_l (width_l × width_{l−1}, row-major) at offset_w[l], b_l at
     * offset_b[l], l = 0..L−1; the output weights w (width_{L−1}) at
     * offset_w[L] and the bias c at offset_b[L]. */
    size_t offset_w[IDNN_MAX_LAYERS + 1], offset_b[IDNN_MAX_LAYERS + 1];
} idnn;

/* Validates arch (ALFE_ERR_INPUT naming the bad field); the copy in
 * net->arch has unused width/activation slots zeroed, so two networks of one
 * architecture compare equal with memcmp.  Parameters start at zero. */
int idnn_create(const idnn_arch *arch, idnn **out);
void idnn_destroy(idnn **net);
/* Keras defaults: Glorot-uniform kernels U(±√(6/(fan_in+fan_out))), drawn
 * layer by layer in the order of the flat block, and zero biases. */
void idnn_init_glorot(idnn *net, rng_stream *rng);

/* Per-batch scratch, reused: nothing is allocated by idnn_predict or
 * idnn_loss.  max_batch is the number of rows processed at once: calls with
 * more points (or reference points) run in chunks of max_batch, so any n works
 * with any work area.  A work area serves every network of the same
 * architecture (and d); NULL if d or max_batch < 1. */
typedef struct idnn_work idnn_work;
idnn_work *idnn_work_create(const idnn *net, int d, int max_batch);
void idnn_work_destroy(idnn_work **work);

/* g (n), μ = ∂g/∂η (n×d) and the Hessian (n×d×d) at n points η (n×d); g, mu
 * and hess may be NULL.  g in eV per prim cell (y/s).  The Hessian uses
 * J_hᵀ(∇²_h g)J_h = (1/s) Σ_l Żᵀ_l diag(∂y/∂a_l ⊙ σ''(z_l)) Ż_l with
 * Ż_l = ∂z_l/∂η from d forward tangent passes (docs/idnn.md). */
int idnn_predict(const idnn *net, const invariant_set *inv, idnn_work *work, int n,
                 const double *eta, double *g, double *mu, double *hess);

/* idnn_predict from precomputed invariants (invariant_set_eval per point):
 * h (n×m), jac (n×m×d, needed for mu or hess), khess = ∇²_η h (n×m×d×d,
 * needed for hess).  A committee evaluates them once for all its members.
 * Same numbers as idnn_predict, bit for bit. */
int idnn_predict_features(const idnn *net, idnn_work *work, int n, const double *h,
                          const double *jac, const double *khess, double *g, double *mu,
                          double *hess);

typedef struct {
    int n;                      /* gradient points */
    const double *eta, *mu;     /* n×d each */
    const double *weight;       /* ω_p (n), NULL = 1 */
    int n_ref;                  /* reference points for g (e.g. g(0) = 0) */
    const double *eta_ref;      /* n_ref×d */
    const double *g_ref;        /* n_ref */
    double w_g, w_mu;
    /* Optional precomputed invariants (idnn_features).  They do not depend on
     * the parameters, so training computes them once per training set rather
     * than once per epoch.  h (n×m) and jac (n×m×d) at eta, h_ref (n_ref×m)
     * at eta_ref; NULL = evaluated from inv on every call.  When all that are
     * needed are given, eta/eta_ref and inv may be NULL.  Zero-initialise the
     * struct (= {0}) so that callers unaware of these fields get NULL. */
    const double *h, *jac, *h_ref;
    /* Curvature term (docs/training.md, "Training on the curvature"), off
     * unless w_hess != 0 and hess != NULL:
     *   w_hess/(n·d(d+1)/2) Σ_p ω_p Σ_{j≤k} ν_pjk (∂²g/∂η_j∂η_k(η_p) − H_pjk)²
     * with H (n×d×d) the measured Hessian of g (eV per prim cell) and ν
     * (hess_weight, n×d×d, symmetric; NULL = 1) the per-element weight
     * (idnn_hessian_weights: 1/|H_jj H_kk|, a relative error): 0 drops an
     * element, and then H may be NaN there.
     * khess (n×m×d×d) = ∇²_η h precomputed at eta, NULL = evaluated. */
    const double *hess, *hess_weight, *khess;
    double w_hess;
} idnn_batch;

/* The per-element weights ν of the curvature term from a measured Hessian H
 * and its standard error se (d×d each, one point): ν_jk = 1/(|H_jj|·|H_kk|),
 * so that the term fits each element relative to the local curvature (the
 * ideal-mixing part diverges at the composition ends), when H_jk and
 * se_jk are finite, both diagonals are resolved (se_jj < max_rel·|H_jj|, as
 * the `hessian_poorly_resolved` rule of `alfe mc` with max_rel = 0.5) and
 * se_jk < max_rel·√(|H_jj|·|H_kk|); else 0 (where 2φ swamps H the
 * difference Ĥ = (k_BT/N)Ĉ⁻¹ − 2Φ is noise).  An exact Hessian (se = 0,
 * the oracle without hessian_noise) keeps every element with H_jj ≠ 0.
 * Returns the number of kept elements j ≤ k. */
int idnn_hessian_weights(int d, const double *hess, const double *se, double max_rel,
                         double *weight);

/* Loss and (when grad != NULL) its gradient with respect to every parameter
 * (n_params, overwritten).  Means: (1/n_ref)Σ_r and (1/(n·d))Σ_p Σ_j, and
 * for the curvature term (1/(n·d(d+1)/2))Σ_p Σ_{j≤k} (its gradient by
 * reverse mode over the Hessian's forward tangents, docs/idnn.md §4b; the
 * work area then grows once by the term's buffers).
 * n = 0 or n_ref = 0 drops that term.  A non-finite loss is returned as it
 * is (the trainer decides what to do with it). */
int idnn_loss(const idnn *net, const invariant_set *inv, idnn_work *work, const idnn_batch *b,
              double *loss, double *grad);

/* h(η) (n×m) and, when jac != NULL, J = ∂h/∂η (n×m×d) at n points, for the
 * precomputed fields of idnn_batch. */
void idnn_features(const invariant_set *inv, int n, const double *eta, double *h, double *jac);

/* Plain-loop twins (no BLAS), for tests: one point at a time, and the Hessian
 * by d forward-over-reverse passes instead of the layer sum of idnn_predict
 * (docs/idnn.md), so that they check the batched code independently.  inv is
 * required (precomputed h/jac in the batch are honoured). */
int idnn_predict_naive(const idnn *net, const invariant_set *inv, int n, const double *eta,
                       double *g, double *mu, double *hess);
/* (The twin has no curvature term: it refuses w_hess != 0.) */
int idnn_loss_naive(const idnn *net, const invariant_set *inv, const idnn_batch *b, double *loss,
                    double *grad);

#endif
