/* idnn.c — the integrable deep neural network g(η) = MLP(h(η))/s: its value,
 * gradient and Hessian in η, the μ-matching loss and the loss's exact
 * parameter gradient (ARCHITECTURE §3; notation and derivations in
 * docs/idnn.md; the IDNN is from Teichert, Natarajan, Van der Ven &
 * Garikipati, CMAME 353 (2019) 201).
 * Owns: the network, its flat parameter block and the per-batch work areas.
 * Must not: train (train.c), average committees (model_io.c), parse or
 * generate invariants (invariants.c).
 *
 * Notation (layers l = 0..L−1, n_l = width[l], n_{−1} = m):
 *   a_{−1} = h,  z_l = W_l a_{l−1} + b_l,  a_l = σ_l(z_l),  y = w·a_{L−1} + c,
 *   g = y/s,  r_l = ∂y/∂a_l (r_{L−1} = w, r_{l−1} = W_lᵀ q_l),
 *   q_l = ∂y/∂z_l = r_l ⊙ σ'(z_l),  c_l = r_l ⊙ σ''(z_l).
 * The batched code keeps points as rows (row-major b × n_l arrays), so that a
 * layer is a_{l−1}·W_lᵀ: one cblas_dgemm per step over the whole batch. */
#include "alfe/network/idnn.h"

#include "alfe/base/constants.h"
#include "alfe/base/error.h"
#include "alfe/base/util.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

const char *const idnn_activation_names[IDNN_ACTIVATION_COUNT] = {"tanh", "softplus", "sigmoid"};

/* ------------------------------------------------------------------------- */
/* Network */

int idnn_create(const idnn_arch *arch, idnn **out)
{
    *out = NULL;
    if (arch->n_inputs < 1)
        return ALFE_FAIL(ALFE_ERR_INPUT, "network: %d inputs (invariants); need at least 1",
                         arch->n_inputs);
    if (arch->n_layers < 1 || arch->n_layers > IDNN_MAX_LAYERS)
        return ALFE_FAIL(ALFE_ERR_INPUT, "network: %d hidden layers; need 1 to %d",
                         arch->n_layers, IDNN_MAX_LAYERS);
    for (int l = 0; l < arch->n_layers; l++) {
        if (arch->width[l] < 1)
            return ALFE_FAIL(ALFE_ERR_INPUT, "network: hidden layer %d has width %d; need >= 1",
                             l + 1, arch->width[l]);
        if (arch->activation[l] < 0 || arch->activation[l] >= IDNN_ACTIVATION_COUNT)
            return ALFE_FAIL(ALFE_ERR_INPUT, "network: hidden layer %d has unknown activation %d",
                             l + 1, arch->activation[l]);
    }
    if (!(arch->scale > 0.0) || !isfinite(arch->scale))
        return ALFE_FAIL(ALFE_ERR_INPUT, "network: output scale %g; need a finite s > 0",
                         arch->scale);
    idnn *net = ALFE_CALLOC(1, sizeof *net);
    net->arch.n_inputs = arch->n_inputs;
    net->arch.n_layers = arch->n_layers;
    net->arch.scale = arch->scale;
    for (int l = 0; l < arch->n_layers; l++) {
        net->arch.width[l] = arch->width[l];
        net->arch.activation[l] = arch->activation[l];
    }
    /* W_0 b_0 W_1 b_1 … W_{L−1} b_{L−1} w c: the order of Keras' weight list,
     * with each kernel stored [out][in]. */
    size_t off = 0;
    int n_in = arch->n_inputs;
    for (int l = 0; l <= arch->n_layers; l++) {
        const int n_out = l < arch->n_layers ? arch->width[l] : 1;
        net->offset_w[l] = off;
        off += (size_t)n_out * (size_t)n_in;
        net->offset_b[l] = off;
        off += (size_t)n_out;
        n_in = n_out;
    }
    net->n_params = off;
    net->params = ALFE_CALLOC(off, sizeof(double));
    *out = net;
    return ALFE_OK;
}

void idnn_destroy(idnn **net)
{
    if (!net || !*net)
        return;
    free((*net)->params);
    ALFE_FREE(*net);
}

void idnn_init_glorot(idnn *net, rng_stream *rng)
{
    const idnn_arch *a = &net->arch;
    int n_in = a->n_inputs;
    for (int l = 0; l <= a->n_layers; l++) {
        const int n_out = l < a->n_layers ? a->width[l] : 1;
        const double limit = sqrt(6.0 / (double)(n_in + n_out));
        double *w = net->params + net->offset_w[l];
        for (size_t i = 0; i < (size_t)n_out * (size_t)n_in; i++)
            w[i] = limit * (2.0 * rng_uniform(rng) - 1.0);
        memset(net->params + net->offset_b[l], 0, sizeof(double) * (size_t)n_out);
        n_in = n_out;
    }
}

/* ------------------------------------------------------------------------- */
/* Activations: σ, σ' and σ'' from one exponential, accurate in both tails.
 *
 * tanh, the activation of the published networks, runs two lanes at a time
 * (GCC vector extensions: SSE2 on baseline x86-64, no library calls), on its own e^x: 2^k·(1 + p(r)) with x = k ln2 + r,
 * |r| ≤ ln2/2 (Cody–Waite), p the degree-14 Taylor polynomial of expm1
 * (truncation < 2e-17 relative) evaluated by Estrin's scheme.  With e = e^{−2|z|} and m = e − 1
 * (m = p(r) itself when k = 0, so no cancellation near z = 0):
 * tanh|z| = −m/(1+e), 1 − tanh² = 4e/(1+e)², σ'' = −2 tanh·σ', all to a
 * few ulps.  The plain-loop twin calls the same kernel, so both paths give
 * the same bits. */

typedef double v2d __attribute__((vector_size(16)));
typedef long long v2i __attribute__((vector_size(16)));

#define V2(x) ((v2d){(x), (x)})
#define V2_SIGN ((v2i){LLONG_MIN, LLONG_MIN})

/* a = tanh z, d1 = 1 − tanh², d2 = −2 tanh (1 − tanh²), lane-wise. */
static inline void tanh_v2(const v2d *zp, v2d *a, v2d *d1, v2d *d2)
{
    const v2d z = *zp;
    const v2i sign = (v2i)z & V2_SIGN;
    v2d x = (v2d)((v2i)z & ~V2_SIGN);
    x = -2.0 * x;                                  /* x = −2|z| ≤ 0 */
    const v2i low = x < V2(-708.0);          /* e below the normal range */
    x = (v2d)(((v2i)x & ~low) | ((v2i)V2(-708.0) & low));
    /* k = round(x/ln2) in the low bits of kd (the 1.5·2^52 shift) */
    const double shift = 0x1.8p52;
    const v2d kd = x * V2(1.4426950408889634) + V2(shift);
    const v2d k = kd - V2(shift);
    const v2d r = (x - k * V2(0x1.62e42fee00000p-1)) - k * V2(0x1.a39ef35793c76p-33);
    /* p(r) = expm1(r) = r + r²·q(r), q = Σ_{i=0..12} r^i/(i+2)!, by Estrin's
     * scheme: a short dependency chain, so consecutive elements overlap */
    const v2d r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    const v2d q01 = V2(1.0 / 2.0) + V2(1.0 / 6.0) * r, q23 = V2(1.0 / 24.0) + V2(1.0 / 120.0) * r;
    const v2d q45 = V2(1.0 / 720.0) + V2(1.0 / 5040.0) * r;
    const v2d q67 = V2(1.0 / 40320.0) + V2(1.0 / 362880.0) * r;
    const v2d q89 = V2(1.0 / 3628800.0) + V2(1.0 / 39916800.0) * r;
    const v2d q1011 = V2(1.0 / 479001600.0) + V2(1.0 / 6227020800.0) * r;
    const v2d q = (q01 + r2 * q23) + r4 * (q45 + r2 * q67) +
                  r8 * ((q89 + r2 * q1011) + r4 * V2(1.0 / 87178291200.0));
    const v2d p = r + r2 * q;
    /* 2^k from the exponent field: k + 1023 ∈ [1, 1023] here */
    const v2d scale = (v2d)(((v2i)kd + 1023) << 52);
    const v2d e = scale * (V2(1.0) + p);
    const v2i k0 = k == V2(0.0);
    const v2d em = (v2d)(((v2i)p & k0) | ((v2i)(e - V2(1.0)) & ~k0));
    const v2d inv = V2(1.0) / (V2(1.0) + e);
    const v2d t = (v2d)((v2i)(-em * inv) | sign);  /* tanh|z| ≥ 0, z's sign */
    const v2d s1 = V2(4.0) * e * (inv * inv);
    *a = t;
    *d1 = s1;
    *d2 = V2(-2.0) * t * s1;
}

/* One element: a = σ(z), d1 = σ'(z), d2 = σ''(z). */
static inline void activation_eval(int act, double z, double *a, double *d1, double *d2)
{
    const double az = fabs(z);
    if (act == IDNN_TANH) {
        const v2d vz = V2(z);
        v2d va, v1, v2;
        tanh_v2(&vz, &va, &v1, &v2);
        *a = va[0];
        *d1 = v1[0];
        *d2 = v2[0];
        return;
    }
    /* sigmoid and its complement from e = exp(−|z|) ∈ (0, 1] */
    const double e = exp(-az), inv = 1.0 / (1.0 + e);
    const double sig = z >= 0.0 ? inv : e * inv;
    const double sigc = z >= 0.0 ? e * inv : inv; /* 1 − sigmoid, exactly */
    const double s = sig * sigc;
    if (act == IDNN_SOFTPLUS) {
        *a = fmax(z, 0.0) + log1p(e); /* log(1 + e^z) without overflow */
        *d1 = sig;
        *d2 = s;
    } else { /* IDNN_SIGMOID: σ'' = σ(1−σ)(1−2σ), 1 − 2σ = −sign(z)·expm1(−|z|)/(1+e) */
        *a = sig;
        *d1 = s;
        *d2 = s * copysign(expm1(-az), -z) * inv;
    }
}

/* Shapes: z (rows × n) in, overwritten with a = σ(z + bias); s1, s2 (rows × n)
 * out; bias (n) or NULL; s2 may be NULL. */
static void activation_forward(int act, int rows, int n, const double *bias, double *z,
                               double *s1, double *s2)
{
    double unused;
    for (int p = 0; p < rows; p++) {
        double *zp = z + (size_t)p * n, *s1p = s1 + (size_t)p * n;
        double *s2p = s2 ? s2 + (size_t)p * n : NULL;
        int i = 0;
        if (act == IDNN_TANH)
            for (; i + 2 <= n; i += 2) {
                v2d v, va, v1, v2;
                memcpy(&v, zp + i, sizeof v);
                if (bias) {
                    v2d bv;
                    memcpy(&bv, bias + i, sizeof bv);
                    v += bv;
                }
                tanh_v2(&v, &va, &v1, &v2);
                memcpy(zp + i, &va, sizeof va);
                memcpy(s1p + i, &v1, sizeof v1);
                if (s2p)
                    memcpy(s2p + i, &v2, sizeof v2);
            }
        for (; i < n; i++) {
            double v = bias ? zp[i] + bias[i] : zp[i];
            activation_eval(act, v, &zp[i], &s1p[i], s2p ? &s2p[i] : &unused);
        }
    }
}

/* ------------------------------------------------------------------------- */
/* Work area */

struct idnn_work {
    idnn_arch arch; /* the architecture it was made for */
    int d, max_batch;
    double *input_pair;          /* 2B × m: h (rows 0..b−1) then the tangent u */
    double *jac;                 /* B × m × d */
    double *khess;               /* B × m × d × d */
    double *act_pair[IDNN_MAX_LAYERS]; /* 2B × n_l: a_l then ȧ_l */
    double *adj_pair[IDNN_MAX_LAYERS]; /* 2B × n_l: z̄_l then q_l */
    double *s1[IDNN_MAX_LAYERS]; /* B × n_l: σ'(z_l) */
    double *c[IDNN_MAX_LAYERS];  /* B × n_l: σ''(z_l), then c_l = r_l ⊙ σ''(z_l) */
    double *tmp;                 /* B × max(n_l, m): r_l, ā_l */
    double *coef;                /* B: y, then ∂loss/∂y per reference row */
    double *err;                 /* B × d: s(∇_η g − μ) */
    double *tan_in, *tan_out;    /* B·d × max(n_l, m): Hessian tangents */
    double *hess_h;              /* B × d × d */
    double *block;               /* the one allocation behind all of these */
    struct hess_loss_work *hl;   /* the curvature term's buffers, made on first use */
};

/* Buffers of the curvature term (B = max_batch rows, tangent rows (p, j)). */
struct hess_loss_work {
    double *zt[IDNN_MAX_LAYERS];   /* B·d × n_l: Ż_l = ∂z_l/∂η */
    double *at[IDNN_MAX_LAYERS];   /* B·d × n_l: Ȧ_l = σ'(z_l) ⊙ Ż_l */
    double *s2[IDNN_MAX_LAYERS];   /* B × n_l: σ''(z_l) */
    double *s3[IDNN_MAX_LAYERS];   /* B × n_l: σ'''(z_l) */
    double *r[IDNN_MAX_LAYERS];    /* B × n_l: r_l = ∂y/∂a_l */
    double *sv[IDNN_MAX_LAYERS];   /* B × n_l: S_l = diag(Ż_l A Ż_lᵀ) */
    double *sb1[IDNN_MAX_LAYERS];  /* B × n_l: adjoint of σ'(z_l), then the direct z̄_l */
    double *tin;                   /* B·d × m: Ȧ_{−1} = columns of J_h */
    double *zbar, *abar;           /* B·d × wmax: adjoints of Ż_l and Ȧ_{l−1} */
    double *rbar, *qbar;           /* B × wmax each */
    double *amat;                  /* B × d × d: A_p = ∂L/∂(∇²_η y) */
    double *za;                    /* d × wmax: A_p Ż_l at one point */
    double *block;
};

static int same_arch(const idnn_arch *a, const idnn_arch *b)
{
    if (a->n_inputs != b->n_inputs || a->n_layers != b->n_layers)
        return 0;
    for (int l = 0; l < a->n_layers; l++)
        if (a->width[l] != b->width[l] || a->activation[l] != b->activation[l])
            return 0;
    return 1;
}

idnn_work *idnn_work_create(const idnn *net, int d, int max_batch)
{
    if (d < 1 || max_batch < 1)
        return NULL;
    const idnn_arch *a = &net->arch;
    const size_t B = (size_t)max_batch, m = (size_t)a->n_inputs, D = (size_t)d;
    size_t wmax = m;
    for (int l = 0; l < a->n_layers; l++)
        if ((size_t)a->width[l] > wmax)
            wmax = (size_t)a->width[l];
    size_t total = 2 * B * m + B * m * D + B * m * D * D + B * wmax + B + B * D +
                   2 * B * D * wmax + B * D * D;
    for (int l = 0; l < a->n_layers; l++)
        total += 6 * B * (size_t)a->width[l];
    idnn_work *w = ALFE_CALLOC(1, sizeof *w);
    w->arch = *a;
    w->d = d;
    w->max_batch = max_batch;
    w->block = ALFE_CALLOC(total, sizeof(double));
    double *p = w->block;
#define CARVE(ptr, count) do { (ptr) = p; p += (count); } while (0)
    CARVE(w->input_pair, 2 * B * m);
    CARVE(w->jac, B * m * D);
    CARVE(w->khess, B * m * D * D);
    for (int l = 0; l < a->n_layers; l++) {
        const size_t n = (size_t)a->width[l];
        CARVE(w->act_pair[l], 2 * B * n);
        CARVE(w->adj_pair[l], 2 * B * n);
        CARVE(w->s1[l], B * n);
        CARVE(w->c[l], B * n);
    }
    CARVE(w->tmp, B * wmax);
    CARVE(w->coef, B);
    CARVE(w->err, B * D);
    CARVE(w->tan_in, B * D * wmax);
    CARVE(w->tan_out, B * D * wmax);
    CARVE(w->hess_h, B * D * D);
#undef CARVE
    return w;
}

void idnn_work_destroy(idnn_work **work)
{
    if (!work || !*work)
        return;
    if ((*work)->hl)
        free((*work)->hl->block);
    free((*work)->hl);
    free((*work)->block);
    ALFE_FREE(*work);
}

void idnn_features(const invariant_set *inv, int n, const double *eta, double *h, double *jac)
{
    const size_t m = (size_t)inv->m, d = (size_t)inv->d;
    for (int p = 0; p < n; p++)
        invariant_set_eval(inv, eta + (size_t)p * d, h + (size_t)p * m,
                           jac ? jac + (size_t)p * m * d : NULL, NULL);
}

/* ------------------------------------------------------------------------- */
/* Batched passes (BLAS).  Every function states its shapes first; b = rows. */

static inline int layer_in(const idnn_arch *a, int l) { return l == 0 ? a->n_inputs : a->width[l - 1]; }

/* Primal forward.  in: input_pair rows 0..b−1 = h (b × m).  out: act_pair[l]
 * rows 0..b−1 = a_l (b × n_l), s1[l], and c[l] = σ''(z_l) when want_s2;
 * y (b) when non-NULL. */
static void forward_primal(const idnn *net, idnn_work *w, int b, int want_s2, double *y)
{
    const idnn_arch *a = &net->arch;
    const double *in = w->input_pair;
    for (int l = 0; l < a->n_layers; l++) {
        const int n_in = layer_in(a, l), n = a->width[l];
        double *z = w->act_pair[l];
        /* z (b × n) = a_{l−1} (b × n_in) · W_lᵀ (n_in × n) */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b, n, n_in, 1.0, in, n_in,
                    net->params + net->offset_w[l], n_in, 0.0, z, n);
        activation_forward(a->activation[l], b, n, net->params + net->offset_b[l], z, w->s1[l],
                           want_s2 ? w->c[l] : NULL);
        in = z;
    }
    if (y) {
        const int L = a->n_layers, n = a->width[L - 1];
        /* y (b) = a_{L−1} (b × n) · w (n) + c */
        const double c = net->params[net->offset_b[L]];
        for (int p = 0; p < b; p++)
            y[p] = c;
        cblas_dgemv(CblasRowMajor, CblasNoTrans, b, n, 1.0, in, n,
                    net->params + net->offset_w[L], 1, 1.0, y, 1);
    }
}

/* Reverse pass for ∇_h y.  in: s1[l], and c[l] = σ''(z_l) (b × n_l) when
 * want_c.  out: q_l = r_l ⊙ σ'(z_l) into adj_pair[l] rows b..2b−1, c[l] *= r_l
 * when want_c, and r_{−1} = ∇_h y (b × m) into r_in. */
static void backward_input_gradient(const idnn *net, idnn_work *w, int b, int want_c,
                                    double *r_in)
{
    const idnn_arch *a = &net->arch;
    const int L = a->n_layers;
    const double *wout = net->params + net->offset_w[L];
    for (int l = L - 1; l >= 0; l--) {
        const int n = a->width[l];
        double *q = w->adj_pair[l] + (size_t)b * n;
        const double *r = w->tmp;
        for (int p = 0; p < b; p++) {
            const double *rp = l == L - 1 ? wout : r + (size_t)p * n;
            const double *s1 = w->s1[l] + (size_t)p * n;
            double *qp = q + (size_t)p * n, *cp = w->c[l] + (size_t)p * n;
            for (int i = 0; i < n; i++)
                qp[i] = rp[i] * s1[i];
            if (want_c)
                for (int i = 0; i < n; i++)
                    cp[i] *= rp[i];
        }
        /* r_{l−1} (b × n_in) = q_l (b × n) · W_l (n × n_in) */
        const int n_in = layer_in(a, l);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, b, n_in, n, 1.0, q, n,
                    net->params + net->offset_w[l], n_in, 0.0, l == 0 ? r_in : w->tmp, n_in);
    }
}

/* Forward tangent of the loss: ȧ_{−1} = u in input_pair rows b..2b−1 (b × m).
 * out: ȧ_l into act_pair[l] rows b..2b−1 and c_l ⊙ ż_l (the σ'' part of z̄_l)
 * into adj_pair[l] rows 0..b−1. */
static void forward_tangent(const idnn *net, idnn_work *w, int b)
{
    const idnn_arch *a = &net->arch;
    const double *in = w->input_pair + (size_t)b * a->n_inputs;
    for (int l = 0; l < a->n_layers; l++) {
        const int n_in = layer_in(a, l), n = a->width[l];
        double *adot = w->act_pair[l] + (size_t)b * n, *zbar = w->adj_pair[l];
        /* ż_l (b × n) = ȧ_{l−1} (b × n_in) · W_lᵀ (n_in × n) */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b, n, n_in, 1.0, in, n_in,
                    net->params + net->offset_w[l], n_in, 0.0, adot, n);
        for (size_t i = 0; i < (size_t)b * n; i++) {
            const double zd = adot[i];
            zbar[i] = w->c[l][i] * zd;
            adot[i] = w->s1[l][i] * zd;
        }
        in = adot;
    }
}

/* Parameter gradient by reverse mode.  pair = 1 (μ term): z̄_l rows 0..b−1
 * of adj_pair hold c_l ⊙ ż_l on entry, ā_{L−1} = 0, and dW_l gets the
 * primal–tangent pair [z̄_l; q_l]ᵀ[a_{l−1}; ȧ_{l−1}] in one dgemm of depth 2b.
 * pair = 0 (g term): alpha (b) = ∂loss/∂y per row, ā_{L−1} = α w.
 * grad (n_params) is accumulated into. */
static void backward_params(const idnn *net, idnn_work *w, int b, int pair, const double *alpha,
                            double *grad)
{
    const idnn_arch *a = &net->arch;
    const int L = a->n_layers;
    const int depth = pair ? 2 * b : b;
    /* output layer: y = w·a_{L−1} + c, D = w·ȧ_{L−1} */
    {
        const int n = a->width[L - 1];
        double *gw = grad + net->offset_w[L];
        const double *wout = net->params + net->offset_w[L];
        const double *src = pair ? w->act_pair[L - 1] + (size_t)b * n : w->act_pair[L - 1];
        for (int p = 0; p < b; p++) {
            const double f = pair ? 1.0 : alpha[p];
            const double *sp = src + (size_t)p * n;
            for (int i = 0; i < n; i++)
                gw[i] += f * sp[i];
        }
        if (!pair) {
            double sum = 0.0;
            for (int p = 0; p < b; p++) {
                sum += alpha[p];
                double *zbar = w->adj_pair[L - 1] + (size_t)p * n;
                const double *s1 = w->s1[L - 1] + (size_t)p * n;
                for (int i = 0; i < n; i++)
                    zbar[i] = s1[i] * alpha[p] * wout[i];
            }
            grad[net->offset_b[L]] += sum;
        }
    }
    for (int l = L - 1; l >= 0; l--) {
        const int n = a->width[l], n_in = layer_in(a, l);
        double *zbar = w->adj_pair[l];
        const double *in = l == 0 ? w->input_pair : w->act_pair[l - 1];
        /* dW_l (n × n_in) += [z̄_l; q_l]ᵀ (n × depth) · [a_{l−1}; ȧ_{l−1}] (depth × n_in) */
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, n_in, depth, 1.0, zbar, n, in,
                    n_in, 1.0, grad + net->offset_w[l], n_in);
        double *gb = grad + net->offset_b[l];
        for (int p = 0; p < b; p++) {
            const double *zp = zbar + (size_t)p * n;
            for (int i = 0; i < n; i++)
                gb[i] += zp[i];
        }
        if (l == 0)
            break;
        /* ā_{l−1} (b × n_in) = z̄_l (b × n) · W_l (n × n_in) */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, b, n_in, n, 1.0, zbar, n,
                    net->params + net->offset_w[l], n_in, 0.0, w->tmp, n_in);
        /* z̄_{l−1} = σ'(z_{l−1}) ⊙ ā_{l−1} (+ c ⊙ ż already there for the pair) */
        double *zb = w->adj_pair[l - 1];
        const double *s1 = w->s1[l - 1];
        if (pair)
            for (size_t i = 0; i < (size_t)b * n_in; i++)
                zb[i] += s1[i] * w->tmp[i];
        else
            for (size_t i = 0; i < (size_t)b * n_in; i++)
                zb[i] = s1[i] * w->tmp[i];
    }
}

/* x·y with four independent partial sums: the compiler may not reassociate
 * a floating-point sum, and one chain would wait on the adder's latency. */
static inline double dot(const double *x, const double *y, int n)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += x[i] * y[i];
        s1 += x[i + 1] * y[i + 1];
        s2 += x[i + 2] * y[i + 2];
        s3 += x[i + 3] * y[i + 3];
    }
    for (; i < n; i++)
        s0 += x[i] * y[i];
    return (s0 + s1) + (s2 + s3);
}

/* Hessian of y in η at b points (on entry: forward_primal with s2 and
 * backward_input_gradient done; jac: b × m × d).  out: hess_h (b × d × d) =
 * Σ_l Ż_lᵀ diag(c_l) Ż_l with Ż_l = ∂z_l/∂η, i.e. J_hᵀ (∇²_h y) J_h.
 * Points go through in groups small enough that a group's tangents (g·d ×
 * n_l) stay in L2 between the dgemm that writes them and the loops that
 * read them. */
#define HESSIAN_GROUP_BYTES (192 * 1024)
static void hessian_network(const idnn *net, idnn_work *w, int b, const double *jac)
{
    const idnn_arch *a = &net->arch;
    const int d = w->d, m = a->n_inputs, L = a->n_layers;
    int wmax = m;
    for (int l = 0; l < L; l++)
        wmax = a->width[l] > wmax ? a->width[l] : wmax;
    int group = (int)(HESSIAN_GROUP_BYTES / (sizeof(double) * (size_t)d * wmax));
    group = group < 1 ? 1 : group;
    memset(w->hess_h, 0, sizeof(double) * (size_t)b * d * d);
    for (int p0 = 0; p0 < b; p0 += group) {
        const int gb = b - p0 < group ? b - p0 : group, rows = gb * d;
        /* tangent rows (p, j): ȧ_{−1} = column j of J_h at point p */
        for (int p = 0; p < gb; p++)
            for (int j = 0; j < d; j++)
                for (int k = 0; k < m; k++)
                    w->tan_in[((size_t)p * d + j) * m + k] =
                        jac[((size_t)(p0 + p) * m + k) * d + j];
        double *in = w->tan_in, *out = w->tan_out;
        for (int l = 0; l < L; l++) {
            const int n_in = layer_in(a, l), n = a->width[l];
            /* Ż_l (g·d × n) = Ȧ_{l−1} (g·d × n_in) · W_lᵀ (n_in × n) */
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, n, n_in, 1.0, in, n_in,
                        net->params + net->offset_w[l], n_in, 0.0, out, n);
            for (int p = 0; p < gb; p++) {
                const double *cp = w->c[l] + (size_t)(p0 + p) * n;
                const double *s1 = w->s1[l] + (size_t)(p0 + p) * n;
                double *zp = out + (size_t)p * d * n, *hp = w->hess_h + (size_t)(p0 + p) * d * d;
                double *cz = w->tmp; /* c_l ⊙ ż_j, n */
                for (int j = 0; j < d; j++) {
                    double *zj = zp + (size_t)j * n;
                    for (int i = 0; i < n; i++)
                        cz[i] = cp[i] * zj[i];
                    for (int k = j; k < d; k++)
                        hp[j * d + k] += dot(cz, zp + (size_t)k * n, n);
                    if (l + 1 < L) /* Ȧ_l = σ'(z_l) ⊙ Ż_l in place: rows k > j still unscaled */
                        for (int i = 0; i < n; i++)
                            zj[i] *= s1[i];
                }
            }
            double *t = in;
            in = out;
            out = t;
        }
    }
    for (int p = 0; p < b; p++) {
        double *hp = w->hess_h + (size_t)p * d * d;
        for (int j = 0; j < d; j++)
            for (int k = 0; k < j; k++)
                hp[j * d + k] = hp[k * d + j];
    }
}

static int check_shapes(const idnn *net, const invariant_set *inv, const idnn_work *work)
{
    if (!work)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "network: no work area (idnn_work_create failed?)");
    if (!same_arch(&net->arch, &work->arch))
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "network: work area made for another architecture");
    if (inv && (inv->m != net->arch.n_inputs || inv->d != work->d))
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "network: invariant set has m = %d, d = %d; the network takes %d "
                         "inputs and its work area d = %d",
                         inv->m, inv->d, net->arch.n_inputs, work->d);
    return ALFE_OK;
}

/* One chunk of b ≤ max_batch points with h in input_pair rows 0..b−1 and
 * J (b × m × d), K (b × m × d × d) where they are needed; outputs at g, mu,
 * hess (this chunk's rows). */
static void predict_chunk(const idnn *net, idnn_work *work, int b, const double *jac,
                          const double *khess, double *g, double *mu, double *hess)
{
    const idnn_arch *a = &net->arch;
    const int d = work->d, m = a->n_inputs;
    const double s = a->scale;
    forward_primal(net, work, b, hess != NULL, g);
    if (g)
        for (int p = 0; p < b; p++)
            g[p] /= s;
    if (!mu && !hess)
        return;
    /* ∇_h y (b × m) into the tangent half of input_pair, unused here */
    double *gh = work->input_pair + (size_t)b * m;
    backward_input_gradient(net, work, b, hess != NULL, gh);
    if (mu)
        for (int p = 0; p < b; p++) {
            const double *jp = jac + (size_t)p * m * d, *rp = gh + (size_t)p * m;
            double *mp = mu + (size_t)p * d;
            for (int j = 0; j < d; j++) {
                double sum = 0.0;
                for (int k = 0; k < m; k++)
                    sum += jp[k * d + j] * rp[k];
                mp[j] = sum / s;
            }
        }
    if (hess) {
        /* ∇²_η y = J_hᵀ(∇²_h y)J_h + Σ_k (∂y/∂h_k) ∇²_η h_k */
        hessian_network(net, work, b, jac);
        for (int p = 0; p < b; p++) {
            const double *hh = work->hess_h + (size_t)p * d * d, *rp = gh + (size_t)p * m;
            const double *kp = khess + (size_t)p * m * d * d;
            double *out = hess + (size_t)p * d * d;
            for (int e = 0; e < d * d; e++)
                out[e] = hh[e];
            for (int k = 0; k < m; k++)
                for (int e = 0; e < d * d; e++)
                    out[e] += rp[k] * kp[(size_t)k * d * d + e];
            for (int e = 0; e < d * d; e++)
                out[e] /= s;
        }
    }
}

int idnn_predict(const idnn *net, const invariant_set *inv, idnn_work *work, int n,
                 const double *eta, double *g, double *mu, double *hess)
{
    ALFE_CHECK(check_shapes(net, inv, work));
    if (!inv)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "network: idnn_predict needs the invariant set");
    const int d = work->d, m = net->arch.n_inputs, B = work->max_batch;
    for (int p0 = 0; p0 < n; p0 += B) {
        const int b = n - p0 < B ? n - p0 : B;
        for (int p = 0; p < b; p++)
            invariant_set_eval(inv, eta + (size_t)(p0 + p) * d, work->input_pair + (size_t)p * m,
                               (mu || hess) ? work->jac + (size_t)p * m * d : NULL,
                               hess ? work->khess + (size_t)p * m * d * d : NULL);
        predict_chunk(net, work, b, work->jac, work->khess, g ? g + p0 : NULL,
                      mu ? mu + (size_t)p0 * d : NULL, hess ? hess + (size_t)p0 * d * d : NULL);
    }
    return ALFE_OK;
}

int idnn_predict_features(const idnn *net, idnn_work *work, int n, const double *h,
                          const double *jac, const double *khess, double *g, double *mu,
                          double *hess)
{
    ALFE_CHECK(check_shapes(net, NULL, work));
    if (((mu || hess) && !jac) || (hess && !khess))
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "network: mu needs jac, the Hessian jac and khess");
    const int d = work->d, m = net->arch.n_inputs, B = work->max_batch;
    for (int p0 = 0; p0 < n; p0 += B) {
        const int b = n - p0 < B ? n - p0 : B;
        memcpy(work->input_pair, h + (size_t)p0 * m, sizeof(double) * (size_t)b * m);
        predict_chunk(net, work, b, jac ? jac + (size_t)p0 * m * d : NULL,
                      khess ? khess + (size_t)p0 * m * d * d : NULL, g ? g + p0 : NULL,
                      mu ? mu + (size_t)p0 * d : NULL, hess ? hess + (size_t)p0 * d * d : NULL);
    }
    return ALFE_OK;
}

/* ------------------------------------------------------------------------- */
/* Loss */

static int check_batch(const idnn_work *work, const invariant_set *inv, const idnn_batch *b)
{
    if (b->n < 0 || b->n_ref < 0)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "loss: negative point count (%d, %d)", b->n, b->n_ref);
    if (b->n > 0 && (!b->mu || !((b->h && b->jac) || (inv && b->eta))))
        return ALFE_FAIL(ALFE_ERR_RUNTIME,
                         "loss: %d points need mu and either eta with the invariants or h and jac",
                         b->n);
    if (b->n_ref > 0 && (!b->g_ref || !(b->h_ref || (inv && b->eta_ref))))
        return ALFE_FAIL(ALFE_ERR_RUNTIME,
                         "loss: %d reference points need g_ref and either eta_ref with the "
                         "invariants or h_ref",
                         b->n_ref);
    if (b->n > 0 && b->w_hess != 0.0 && b->hess && work && work->d > ALFE_MAX_DIM)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "loss: the curvature term needs d <= %d",
                         ALFE_MAX_DIM);
    if (b->n > 0 && b->w_hess != 0.0 && b->hess && !b->khess && !(inv && b->eta))
        return ALFE_FAIL(ALFE_ERR_RUNTIME,
                         "loss: the curvature term needs khess or eta with the invariants");
    (void)work;
    return ALFE_OK;
}

/* h (and J) of rows p0..p0+rows−1 into the work area: copied from the batch
 * when precomputed, else evaluated.  Returns the J to use (rows × m × d). */
static const double *load_features(const invariant_set *inv, idnn_work *w, int p0, int rows,
                                   const double *eta, const double *h, const double *jac,
                                   int want_jac)
{
    const int m = w->arch.n_inputs, d = w->d;
    if (h)
        memcpy(w->input_pair, h + (size_t)p0 * m, sizeof(double) * (size_t)rows * m);
    const int eval_jac = want_jac && !jac;
    if (!h || eval_jac)
        for (int p = 0; p < rows; p++)
            invariant_set_eval(inv, eta + (size_t)(p0 + p) * d,
                               h ? w->tmp : w->input_pair + (size_t)p * m,
                               eval_jac ? w->jac + (size_t)p * m * d : NULL, NULL);
    if (!want_jac)
        return NULL;
    return jac ? jac + (size_t)p0 * m * d : w->jac;
}

/* ------------------------------------------------------------------------- */
/* Curvature term (docs/idnn.md §4b)
 *
 * With E_p = ∇²_η g(η_p) − H_p = (∇²_η y − sH_p)/s (symmetric) and the
 * per-point weights C_p,jk = c_p ν_pjk (c_p = w_H ω_p/(n·d(d+1)/2)) the term
 * is Σ_p Σ_{j≤k} C_p,jk E_p,jk², and its differential Σ_p Σ_jk A_p,jk
 * d(∇²_η y)_p,jk with A_jj = 2C_jj E_jj/s, A_jk = C_jk E_jk/s (j ≠ k; the
 * full sum counts each pair twice).  ∇²_η y = Σ_l Ż_lᵀ diag(c_l) Ż_l + Σ_k r_{−1,k} K_k (K_k =
 * ∇²_η h_k), so for A held fixed the parameter gradient is that of
 *   T + U,  T = Σ_p Σ_l Σ_i c_{l,i} S_{l,i},  S_l = diag(Ż_l A Ż_lᵀ),
 *           U = Σ_p u_p·∇_h y,  u_p,k = tr(A_p K_pk).
 * U is the μ term's directional derivative (forward_tangent and
 * backward_params with the tangent u).  T by reverse mode over the three
 * recursions it depends on: the primal (σ', σ'' and σ''' of z_l), the
 * backward pass r_{l−1} = W_lᵀ(r_l ⊙ σ'_l) (c_l = r_l ⊙ σ''_l), and the
 * tangents Ż_l = W_l Ȧ_{l−1}, Ȧ_l = σ'_l ⊙ Ż_l.  Adjoints:
 *   tangents, l = L−1 … 0:  Ż̄_l = 2 c_l ⊙ (Ż_l A) + σ'_l ⊙ Ǡ_l  (Ǡ_{L−1} = 0),
 *       σ̄'_l += Σ_j Ǡ_l,j ⊙ Ż_l,j,  ∂W_l += Ż̄_lᵀ Ȧ_{l−1},  Ǡ_{l−1} = Ż̄_l W_l;
 *   backward pass, l = 0 … L−1:  r̄_l = S_l ⊙ σ''_l + q̄_l ⊙ σ'_l with
 *       q̄_l = W_l r̄_{l−1} (q̄_0 = 0), ∂W_l += q_l r̄_{l−1}ᵀ, σ̄'_l += q̄_l ⊙ r_l,
 *       σ̄''_l = S_l ⊙ r_l;  ∂w += r̄_{L−1};
 *   primal: z̄_l = σ̄'_l ⊙ σ''_l + σ̄''_l ⊙ σ'''_l + σ'_l ⊙ ā_l, which is
 *       backward_params' recursion with this direct part added to the
 *       tangent's c_l ⊙ ż_l — one pass for T and U together. */

static void hess_loss_work_create(const idnn_arch *a, idnn_work *w)
{
    const size_t B = (size_t)w->max_batch, D = (size_t)w->d, m = (size_t)a->n_inputs;
    size_t wmax = m, total = 0;
    for (int l = 0; l < a->n_layers; l++) {
        const size_t n = (size_t)a->width[l];
        wmax = n > wmax ? n : wmax;
        total += 2 * B * D * n + 5 * B * n;
    }
    total += B * D * m + 2 * B * D * wmax + 2 * B * wmax + B * D * D + D * wmax;
    struct hess_loss_work *hl = ALFE_CALLOC(1, sizeof *hl);
    hl->block = ALFE_CALLOC(total, sizeof(double));
    double *p = hl->block;
#define CARVE(ptr, count) do { (ptr) = p; p += (count); } while (0)
    for (int l = 0; l < a->n_layers; l++) {
        const size_t n = (size_t)a->width[l];
        CARVE(hl->zt[l], B * D * n);
        CARVE(hl->at[l], B * D * n);
        CARVE(hl->s2[l], B * n);
        CARVE(hl->s3[l], B * n);
        CARVE(hl->r[l], B * n);
        CARVE(hl->sv[l], B * n);
        CARVE(hl->sb1[l], B * n);
    }
    CARVE(hl->tin, B * D * m);
    CARVE(hl->zbar, B * D * wmax);
    CARVE(hl->abar, B * D * wmax);
    CARVE(hl->rbar, B * wmax);
    CARVE(hl->qbar, B * wmax);
    CARVE(hl->amat, B * D * D);
    CARVE(hl->za, D * wmax);
#undef CARVE
    w->hl = hl;
}

int idnn_hessian_weights(int d, const double *hess, const double *se, double max_rel,
                         double *weight)
{
    int kept = 0;
    for (int j = 0; j < d; j++)
        for (int k = j; k < d; k++) {
            const double hjj = fabs(hess[j * d + j]), hkk = fabs(hess[k * d + k]);
            const int ok = isfinite(hess[j * d + k]) && isfinite(se[j * d + k]) &&
                           se[j * d + j] < max_rel * hjj && se[k * d + k] < max_rel * hkk &&
                           se[j * d + k] < max_rel * sqrt(hjj * hkk);
            weight[j * d + k] = weight[k * d + j] = ok ? 1.0 / (hjj * hkk) : 0.0;
            kept += ok;
        }
    return kept;
}

/* One chunk of b rows of the curvature term.  On entry: h in input_pair rows
 * 0..b−1, jac (b × m × d), khess (b × m × d × d), hm and hw (b × d × d: the
 * measured Hessian and ν of these rows), omega (b or NULL), cscale =
 * w_H/(n·d(d+1)/2).  Adds the chunk's loss to *sum and, when grad, its
 * gradient. */
static void hess_loss_chunk(const idnn *net, idnn_work *w, int b, const double *jac,
                            const double *khess, const double *hm, const double *hw,
                            const double *omega, double cscale, double *sum, double *grad)
{
    const idnn_arch *a = &net->arch;
    const int d = w->d, m = a->n_inputs, L = a->n_layers;
    const double s = a->scale;
    struct hess_loss_work *hl = w->hl;
    const double *wout = net->params + net->offset_w[L];
    double *gh = w->input_pair + (size_t)b * m; /* ∇_h y, then u */

    /* primal with σ', σ''; then σ''' from a, σ', σ'' */
    forward_primal(net, w, b, 1, NULL);
    for (int l = 0; l < L; l++) {
        const size_t cnt = (size_t)b * a->width[l];
        const double *act = w->act_pair[l], *s1 = w->s1[l], *s2 = w->c[l];
        double *s3 = hl->s3[l];
        memcpy(hl->s2[l], s2, sizeof(double) * cnt);
        for (size_t i = 0; i < cnt; i++)
            switch (a->activation[l]) {
            case IDNN_TANH: s3[i] = s1[i] * (6.0 * act[i] * act[i] - 2.0); break;
            case IDNN_SOFTPLUS: s3[i] = s2[i] * (1.0 - 2.0 * s1[i]); break;
            default: s3[i] = s2[i] * (1.0 - 2.0 * act[i]) - 2.0 * s1[i] * s1[i]; break;
            }
    }
    /* backward pass keeping r_l: q_l into adj_pair[l] rows b..2b−1, c[l] = r_l ⊙ σ''_l */
    for (int l = L - 1; l >= 0; l--) {
        const int n = a->width[l], n_in = layer_in(a, l);
        double *q = w->adj_pair[l] + (size_t)b * n, *r = hl->r[l];
        for (int p = 0; p < b; p++) {
            double *rp = r + (size_t)p * n, *qp = q + (size_t)p * n, *cp = w->c[l] + (size_t)p * n;
            const double *s1 = w->s1[l] + (size_t)p * n;
            if (l == L - 1)
                memcpy(rp, wout, sizeof(double) * (size_t)n);
            for (int i = 0; i < n; i++) {
                qp[i] = rp[i] * s1[i];
                cp[i] *= rp[i];
            }
        }
        /* r_{l−1} (b × n_in) = q_l (b × n) · W_l (n × n_in) */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, b, n_in, n, 1.0, q, n,
                    net->params + net->offset_w[l], n_in, 0.0, l == 0 ? gh : hl->r[l - 1], n_in);
    }
    /* tangents: rows (p, j) of Ȧ_{−1} = column j of J_h at p */
    const int rows = b * d;
    for (int p = 0; p < b; p++)
        for (int j = 0; j < d; j++)
            for (int k = 0; k < m; k++)
                hl->tin[((size_t)p * d + j) * m + k] = jac[((size_t)p * m + k) * d + j];
    for (int l = 0; l < L; l++) {
        const int n = a->width[l], n_in = layer_in(a, l);
        const double *in = l == 0 ? hl->tin : hl->at[l - 1];
        /* Ż_l (b·d × n) = Ȧ_{l−1} (b·d × n_in) · W_lᵀ */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, n, n_in, 1.0, in, n_in,
                    net->params + net->offset_w[l], n_in, 0.0, hl->zt[l], n);
        for (int p = 0; p < b; p++) {
            const double *s1 = w->s1[l] + (size_t)p * n;
            for (int j = 0; j < d; j++) {
                const double *zj = hl->zt[l] + ((size_t)p * d + j) * n;
                double *aj = hl->at[l] + ((size_t)p * d + j) * n;
                for (int i = 0; i < n; i++)
                    aj[i] = s1[i] * zj[i];
            }
        }
    }
    /* ∇²_η y, the error E, the loss and A per point; u_p,k = tr(A_p K_pk) */
    for (int p = 0; p < b; p++) {
        double hy[ALFE_MAX_DIM * ALFE_MAX_DIM];
        for (int e = 0; e < d * d; e++)
            hy[e] = 0.0;
        for (int l = 0; l < L; l++) {
            const int n = a->width[l];
            const double *cp = w->c[l] + (size_t)p * n, *zp = hl->zt[l] + (size_t)p * d * n;
            double *cz = w->tmp;
            for (int j = 0; j < d; j++) {
                for (int i = 0; i < n; i++)
                    cz[i] = cp[i] * zp[(size_t)j * n + i];
                for (int k = j; k < d; k++)
                    hy[j * d + k] += dot(cz, zp + (size_t)k * n, n);
            }
        }
        const double *rp = gh + (size_t)p * m, *kp = khess + (size_t)p * m * d * d;
        const double *hmp = hm + (size_t)p * d * d, *hwp = hw ? hw + (size_t)p * d * d : NULL;
        double *ap = hl->amat + (size_t)p * d * d;
        const double cp = cscale * (omega ? omega[p] : 1.0);
        for (int j = 0; j < d; j++)
            for (int k = j; k < d; k++) {
                double v = hy[j * d + k];
                for (int t = 0; t < m; t++)
                    v += rp[t] * kp[(size_t)t * d * d + j * d + k];
                const double nu = hwp ? hwp[j * d + k] : 1.0;
                const double e = nu != 0.0 ? (v - s * hmp[j * d + k]) / s : 0.0; /* in g */
                const double cjk = cp * nu;
                *sum += cjk * e * e;
                ap[j * d + k] = ap[k * d + j] = (j == k ? 2.0 : 1.0) * cjk * e / s;
            }
    }
    if (!grad)
        return;
    for (int p = 0; p < b; p++) {
        const double *kp = khess + (size_t)p * m * d * d, *ap = hl->amat + (size_t)p * d * d;
        double *up = gh + (size_t)p * m;
        for (int t = 0; t < m; t++)
            up[t] = dot(ap, kp + (size_t)t * d * d, d * d);
    }
    /* tangent adjoints, top layer down; S_l on the way */
    for (int l = L - 1; l >= 0; l--) {
        const int n = a->width[l], n_in = layer_in(a, l);
        for (int p = 0; p < b; p++) {
            const double *ap = hl->amat + (size_t)p * d * d, *zp = hl->zt[l] + (size_t)p * d * n;
            const double *cp = w->c[l] + (size_t)p * n, *s1 = w->s1[l] + (size_t)p * n;
            const double *abp = hl->abar + (size_t)p * d * n;
            double *zbp = hl->zbar + (size_t)p * d * n;
            double *sv = hl->sv[l] + (size_t)p * n, *sb1 = hl->sb1[l] + (size_t)p * n;
            double *za = hl->za;
            /* za (d × n) = A_p (d × d) · Ż_l at p (d × n) */
            for (int j = 0; j < d; j++) {
                double *zaj = za + (size_t)j * n;
                for (int i = 0; i < n; i++)
                    zaj[i] = 0.0;
                for (int k = 0; k < d; k++) {
                    const double ajk = ap[j * d + k];
                    const double *zk = zp + (size_t)k * n;
                    for (int i = 0; i < n; i++)
                        zaj[i] += ajk * zk[i];
                }
            }
            for (int i = 0; i < n; i++)
                sv[i] = sb1[i] = 0.0;
            for (int j = 0; j < d; j++) {
                const double *zj = zp + (size_t)j * n, *zaj = za + (size_t)j * n;
                double *zbj = zbp + (size_t)j * n;
                for (int i = 0; i < n; i++) {
                    sv[i] += zj[i] * zaj[i];
                    zbj[i] = 2.0 * cp[i] * zaj[i];
                }
                if (l < L - 1) {
                    const double *abj = abp + (size_t)j * n;
                    for (int i = 0; i < n; i++) {
                        zbj[i] += s1[i] * abj[i];
                        sb1[i] += abj[i] * zj[i];
                    }
                }
            }
        }
        /* dW_l (n × n_in) += Ż̄_lᵀ (n × b·d) · Ȧ_{l−1} (b·d × n_in) */
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, n_in, rows, 1.0, hl->zbar, n,
                    l == 0 ? hl->tin : hl->at[l - 1], n_in, 1.0, grad + net->offset_w[l], n_in);
        if (l > 0) /* Ǡ_{l−1} (b·d × n_in) = Ż̄_l (b·d × n) · W_l */
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, n_in, n, 1.0, hl->zbar,
                        n, net->params + net->offset_w[l], n_in, 0.0, hl->abar, n_in);
    }
    /* backward-pass adjoints, bottom layer up; then the direct part of z̄_l */
    for (int l = 0; l < L; l++) {
        const int n = a->width[l];
        const size_t cnt = (size_t)b * n;
        const double *s1 = w->s1[l], *s2 = hl->s2[l], *s3 = hl->s3[l], *r = hl->r[l];
        const double *sv = hl->sv[l];
        double *sb1 = hl->sb1[l];
        if (l > 0) {
            const int n_in = layer_in(a, l);
            const double *q = w->adj_pair[l] + (size_t)b * n;
            /* q̄_l (b × n) = r̄_{l−1} (b × n_in) · W_lᵀ;  dW_l += q_lᵀ r̄_{l−1} */
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b, n, n_in, 1.0, hl->rbar, n_in,
                        net->params + net->offset_w[l], n_in, 0.0, hl->qbar, n);
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, n_in, b, 1.0, q, n, hl->rbar,
                        n_in, 1.0, grad + net->offset_w[l], n_in);
            for (size_t i = 0; i < cnt; i++) {
                sb1[i] += hl->qbar[i] * r[i];
                hl->rbar[i] = sv[i] * s2[i] + hl->qbar[i] * s1[i];
            }
        } else {
            for (size_t i = 0; i < cnt; i++)
                hl->rbar[i] = sv[i] * s2[i];
        }
        /* direct z̄_l = σ̄' ⊙ σ'' + σ̄'' ⊙ σ''' with σ̄'' = S ⊙ r */
        for (size_t i = 0; i < cnt; i++)
            sb1[i] = sb1[i] * s2[i] + sv[i] * r[i] * s3[i];
    }
    {
        const int n = a->width[L - 1];
        double *gw = grad + net->offset_w[L];
        for (int p = 0; p < b; p++)
            for (int i = 0; i < n; i++)
                gw[i] += hl->rbar[(size_t)p * n + i];
    }
    /* U's tangent (u in input_pair rows b..2b−1), T's direct z̄ added, one reverse pass */
    forward_tangent(net, w, b);
    for (int l = 0; l < L; l++) {
        const size_t cnt = (size_t)b * a->width[l];
        double *zb = w->adj_pair[l];
        for (size_t i = 0; i < cnt; i++)
            zb[i] += hl->sb1[l][i];
    }
    backward_params(net, w, b, 1, NULL, grad);
}

int idnn_loss(const idnn *net, const invariant_set *inv, idnn_work *work, const idnn_batch *b,
              double *loss, double *grad)
{
    ALFE_CHECK(check_shapes(net, inv, work));
    ALFE_CHECK(check_batch(work, inv, b));
    const idnn_arch *a = &net->arch;
    const int d = work->d, m = a->n_inputs, B = work->max_batch;
    const double s = a->scale;
    if (grad)
        memset(grad, 0, sizeof(double) * net->n_params);
    double total = 0.0;

    /* μ term: w_μ/(n·d) Σ_p ω_p |e_p|², e_p = s∇_η g − sμ_p = J_pᵀ∇_h y − sμ_p.
     * Its parameter gradient is that of D = Σ_p u_p·∇_h y with u_p =
     * 2 w_μ ω_p J_p e_p/(n·d) held fixed (ARCHITECTURE §3). */
    if (b->n > 0 && b->w_mu != 0.0) {
        const double scale_mu = b->w_mu / ((double)b->n * d);
        double sum = 0.0;
        for (int p0 = 0; p0 < b->n; p0 += B) {
            const int rows = b->n - p0 < B ? b->n - p0 : B;
            const double *jac = load_features(inv, work, p0, rows, b->eta, b->h, b->jac, 1);
            forward_primal(net, work, rows, grad != NULL, NULL);
            double *gh = work->input_pair + (size_t)rows * m; /* ∇_h y, then u */
            backward_input_gradient(net, work, rows, grad != NULL, gh);
            for (int p = 0; p < rows; p++) {
                const double *jp = jac + (size_t)p * m * d;
                const double *mup = b->mu + (size_t)(p0 + p) * d;
                double *ep = work->err + (size_t)p * d, *up = gh + (size_t)p * m;
                const double cp = scale_mu * (b->weight ? b->weight[p0 + p] : 1.0);
                double e2 = 0.0;
                for (int j = 0; j < d; j++) {
                    double e = -s * mup[j];
                    for (int k = 0; k < m; k++)
                        e += jp[k * d + j] * up[k];
                    ep[j] = e;
                    e2 += e * e;
                }
                sum += cp * e2;
                for (int k = 0; k < m; k++) {
                    double v = 0.0;
                    for (int j = 0; j < d; j++)
                        v += jp[k * d + j] * ep[j];
                    up[k] = 2.0 * cp * v;
                }
            }
            if (grad) {
                forward_tangent(net, work, rows);
                backward_params(net, work, rows, 1, NULL, grad);
            }
        }
        total += sum;
    }

    /* curvature term (docs/idnn.md §4b) */
    if (b->n > 0 && b->w_hess != 0.0 && b->hess) {
        if (!work->hl)
            hess_loss_work_create(a, work);
        const double cscale = b->w_hess / ((double)b->n * (d * (d + 1) / 2));
        double sum = 0.0;
        for (int p0 = 0; p0 < b->n; p0 += B) {
            const int rows = b->n - p0 < B ? b->n - p0 : B;
            const double *jac = load_features(inv, work, p0, rows, b->eta, b->h, b->jac, 1);
            const double *kh = b->khess ? b->khess + (size_t)p0 * m * d * d : work->khess;
            if (!b->khess)
                for (int p = 0; p < rows; p++)
                    invariant_set_eval(inv, b->eta + (size_t)(p0 + p) * d, work->tmp,
                                       NULL, work->khess + (size_t)p * m * d * d);
            hess_loss_chunk(net, work, rows, jac, kh, b->hess + (size_t)p0 * d * d,
                            b->hess_weight ? b->hess_weight + (size_t)p0 * d * d : NULL,
                            b->weight ? b->weight + p0 : NULL, cscale, &sum, grad);
        }
        total += sum;
    }

    /* g term: w_g/n_ref Σ_r (y_r/s − g_r)², ∂/∂y_r = 2 w_g (g_r' − g_r)/(s·n_ref) */
    if (b->n_ref > 0 && b->w_g != 0.0) {
        double sum = 0.0;
        for (int p0 = 0; p0 < b->n_ref; p0 += B) {
            const int rows = b->n_ref - p0 < B ? b->n_ref - p0 : B;
            load_features(inv, work, p0, rows, b->eta_ref, b->h_ref, NULL, 0);
            forward_primal(net, work, rows, 0, work->coef);
            for (int p = 0; p < rows; p++) {
                const double e = work->coef[p] / s - b->g_ref[p0 + p];
                sum += e * e;
                work->coef[p] = 2.0 * b->w_g * e / (s * b->n_ref);
            }
            if (grad)
                backward_params(net, work, rows, 0, work->coef, grad);
        }
        total += b->w_g * sum / b->n_ref;
    }
    *loss = total;
    return ALFE_OK;
}

/* ------------------------------------------------------------------------- */
/* Plain-loop twins: one point at a time, no BLAS, no work area. */

typedef struct {
    double *a[IDNN_MAX_LAYERS], *s1[IDNN_MAX_LAYERS], *s2[IDNN_MAX_LAYERS];
    double *r[IDNN_MAX_LAYERS], *q[IDNN_MAX_LAYERS];
    double *zdot[IDNN_MAX_LAYERS], *adot[IDNN_MAX_LAYERS];
    double *abar, *zbar, *rdot, *qdot;
    double *h, *rin, *u, *jac, *khess, *e, *hcol;
    double *block;
} naive_scratch;

static void naive_scratch_create(const idnn *net, int d, naive_scratch *ns)
{
    const idnn_arch *a = &net->arch;
    const size_t m = (size_t)a->n_inputs, D = (size_t)d;
    size_t wmax = m, total = 0;
    for (int l = 0; l < a->n_layers; l++) {
        if ((size_t)a->width[l] > wmax)
            wmax = (size_t)a->width[l];
        total += 7 * (size_t)a->width[l];
    }
    total += 4 * wmax + 3 * m + m * D + m * D * D + 2 * D;
    memset(ns, 0, sizeof *ns);
    ns->block = ALFE_CALLOC(total, sizeof(double));
    double *p = ns->block;
#define CARVE(ptr, count) do { (ptr) = p; p += (count); } while (0)
    for (int l = 0; l < a->n_layers; l++) {
        const size_t n = (size_t)a->width[l];
        CARVE(ns->a[l], n);
        CARVE(ns->s1[l], n);
        CARVE(ns->s2[l], n);
        CARVE(ns->r[l], n);
        CARVE(ns->q[l], n);
        CARVE(ns->zdot[l], n);
        CARVE(ns->adot[l], n);
    }
    CARVE(ns->abar, wmax);
    CARVE(ns->zbar, wmax);
    CARVE(ns->rdot, wmax);
    CARVE(ns->qdot, wmax);
    CARVE(ns->h, m);
    CARVE(ns->rin, m);
    CARVE(ns->u, m);
    CARVE(ns->jac, m * D);
    CARVE(ns->khess, m * D * D);
    CARVE(ns->e, D);
    CARVE(ns->hcol, D);
#undef CARVE
}

/* y at h; fills a, s1, s2 of every layer. */
static double naive_forward(const idnn *net, naive_scratch *ns)
{
    const idnn_arch *a = &net->arch;
    const double *in = ns->h;
    for (int l = 0; l < a->n_layers; l++) {
        const int n_in = layer_in(a, l), n = a->width[l];
        const double *W = net->params + net->offset_w[l], *bias = net->params + net->offset_b[l];
        for (int i = 0; i < n; i++) {
            double z = bias[i];
            for (int j = 0; j < n_in; j++)
                z += W[(size_t)i * n_in + j] * in[j];
            activation_eval(a->activation[l], z, &ns->a[l][i], &ns->s1[l][i], &ns->s2[l][i]);
        }
        in = ns->a[l];
    }
    const int L = a->n_layers, n = a->width[L - 1];
    double y = net->params[net->offset_b[L]];
    for (int i = 0; i < n; i++)
        y += net->params[net->offset_w[L] + i] * in[i];
    return y;
}

/* r_l = ∂y/∂a_l, q_l = ∂y/∂z_l of every layer, and rin = ∇_h y. */
static void naive_backward(const idnn *net, naive_scratch *ns)
{
    const idnn_arch *a = &net->arch;
    const int L = a->n_layers;
    for (int i = 0; i < a->width[L - 1]; i++)
        ns->r[L - 1][i] = net->params[net->offset_w[L] + i];
    for (int l = L - 1; l >= 0; l--) {
        const int n_in = layer_in(a, l), n = a->width[l];
        const double *W = net->params + net->offset_w[l];
        for (int i = 0; i < n; i++)
            ns->q[l][i] = ns->r[l][i] * ns->s1[l][i];
        double *out = l > 0 ? ns->r[l - 1] : ns->rin;
        for (int j = 0; j < n_in; j++) {
            double sum = 0.0;
            for (int i = 0; i < n; i++)
                sum += W[(size_t)i * n_in + j] * ns->q[l][i];
            out[j] = sum;
        }
    }
}

/* ż_l, ȧ_l of every layer for the input tangent v (m). */
static void naive_tangent(const idnn *net, naive_scratch *ns, const double *v)
{
    const idnn_arch *a = &net->arch;
    const double *in = v;
    for (int l = 0; l < a->n_layers; l++) {
        const int n_in = layer_in(a, l), n = a->width[l];
        const double *W = net->params + net->offset_w[l];
        for (int i = 0; i < n; i++) {
            double z = 0.0;
            for (int j = 0; j < n_in; j++)
                z += W[(size_t)i * n_in + j] * in[j];
            ns->zdot[l][i] = z;
            ns->adot[l][i] = ns->s1[l][i] * z;
        }
        in = ns->adot[l];
    }
}

int idnn_predict_naive(const idnn *net, const invariant_set *inv, int n, const double *eta,
                       double *g, double *mu, double *hess)
{
    const idnn_arch *a = &net->arch;
    if (inv->m != a->n_inputs)
        return ALFE_FAIL(ALFE_ERR_INPUT, "network: invariant set has m = %d; the network takes %d",
                         inv->m, a->n_inputs);
    const int d = inv->d, m = a->n_inputs, L = a->n_layers;
    const double s = a->scale;
    naive_scratch ns;
    naive_scratch_create(net, d, &ns);
    for (int p = 0; p < n; p++) {
        invariant_set_eval(inv, eta + (size_t)p * d, ns.h, ns.jac, ns.khess);
        const double y = naive_forward(net, &ns);
        if (g)
            g[p] = y / s;
        if (!mu && !hess)
            continue;
        naive_backward(net, &ns);
        if (mu)
            for (int j = 0; j < d; j++) {
                double sum = 0.0;
                for (int k = 0; k < m; k++)
                    sum += ns.jac[k * d + j] * ns.rin[k];
                mu[(size_t)p * d + j] = sum / s;
            }
        if (!hess)
            continue;
        /* Column j: forward over reverse along v = J e_j: ṙ_{L−1} = 0,
         * q̇_l = ṙ_l ⊙ σ' + r_l ⊙ σ'' ⊙ ż_l, ṙ_{l−1} = W_lᵀ q̇_l, so that
         * ṙ_{−1} = (∇²_h y) v. */
        for (int j = 0; j < d; j++) {
            for (int k = 0; k < m; k++)
                ns.u[k] = ns.jac[k * d + j];
            naive_tangent(net, &ns, ns.u);
            for (int i = 0; i < a->width[L - 1]; i++)
                ns.rdot[i] = 0.0;
            for (int l = L - 1; l >= 0; l--) {
                const int n_in = layer_in(a, l), nl = a->width[l];
                const double *W = net->params + net->offset_w[l];
                for (int i = 0; i < nl; i++)
                    ns.qdot[i] = ns.rdot[i] * ns.s1[l][i] + ns.r[l][i] * ns.s2[l][i] * ns.zdot[l][i];
                for (int jj = 0; jj < n_in; jj++) {
                    double sum = 0.0;
                    for (int i = 0; i < nl; i++)
                        sum += W[(size_t)i * n_in + jj] * ns.qdot[i];
                    ns.rdot[jj] = sum;
                }
            }
            for (int i = 0; i < d; i++) {
                double sum = 0.0;
                for (int k = 0; k < m; k++)
                    sum += ns.jac[k * d + i] * ns.rdot[k] +
                           ns.rin[k] * ns.khess[((size_t)k * d + i) * d + j];
                hess[((size_t)p * d + i) * d + j] = sum / s;
            }
        }
    }
    free(ns.block);
    return ALFE_OK;
}

/* Reverse sweep of one point into grad, with ā_{L−1} on entry in ns->abar
 * and, when tangent, the pair (z̄ gets r ⊙ σ'' ⊙ ż; dW gets q ȧᵀ). */
static void naive_reverse(const idnn *net, naive_scratch *ns, int tangent, double *grad)
{
    const idnn_arch *a = &net->arch;
    for (int l = a->n_layers - 1; l >= 0; l--) {
        const int n_in = layer_in(a, l), n = a->width[l];
        const double *in = l > 0 ? ns->a[l - 1] : ns->h;
        const double *in_dot = l > 0 ? ns->adot[l - 1] : ns->u;
        const double *W = net->params + net->offset_w[l];
        double *gW = grad + net->offset_w[l], *gb = grad + net->offset_b[l];
        for (int i = 0; i < n; i++) {
            double zb = ns->s1[l][i] * ns->abar[i];
            if (tangent)
                zb += ns->r[l][i] * ns->s2[l][i] * ns->zdot[l][i];
            ns->zbar[i] = zb;
            gb[i] += zb;
            for (int j = 0; j < n_in; j++)
                gW[(size_t)i * n_in + j] += zb * in[j] + (tangent ? ns->q[l][i] * in_dot[j] : 0.0);
        }
        for (int j = 0; j < n_in; j++) {
            double sum = 0.0;
            for (int i = 0; i < n; i++)
                sum += W[(size_t)i * n_in + j] * ns->zbar[i];
            ns->abar[j] = sum;
        }
    }
}

int idnn_loss_naive(const idnn *net, const invariant_set *inv, const idnn_batch *b, double *loss,
                    double *grad)
{
    const idnn_arch *a = &net->arch;
    if (!inv || inv->m != a->n_inputs)
        return ALFE_FAIL(ALFE_ERR_INPUT, "network: the plain-loop twin needs an invariant set "
                                         "with m = %d", a->n_inputs);
    if (b->n > 0 && !b->mu)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "loss: %d points need mu", b->n);
    if (b->w_hess != 0.0 && b->hess)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "loss: the plain-loop twin has no curvature term");
    if (b->n_ref > 0 && !b->g_ref)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "loss: %d reference points need g_ref", b->n_ref);
    const int d = inv->d;
    const int m = a->n_inputs, L = a->n_layers, nL = a->width[L - 1];
    const double s = a->scale;
    const double *wout = net->params + net->offset_w[L];
    naive_scratch ns;
    naive_scratch_create(net, d, &ns);
    if (grad)
        for (size_t i = 0; i < net->n_params; i++)
            grad[i] = 0.0;
    double total = 0.0;
    if (b->n > 0 && b->w_mu != 0.0) {
        double sum = 0.0;
        for (int p = 0; p < b->n; p++) {
            if (b->h) {
                for (int k = 0; k < m; k++)
                    ns.h[k] = b->h[(size_t)p * m + k];
            } else {
                invariant_set_eval(inv, b->eta + (size_t)p * d, ns.h, NULL, NULL);
            }
            if (b->jac) {
                for (int k = 0; k < m * d; k++)
                    ns.jac[k] = b->jac[(size_t)p * m * d + k];
            } else {
                invariant_set_eval(inv, b->eta + (size_t)p * d, ns.rin, ns.jac, NULL);
            }
            naive_forward(net, &ns);
            naive_backward(net, &ns);
            const double cp = b->w_mu * (b->weight ? b->weight[p] : 1.0) / ((double)b->n * d);
            for (int j = 0; j < d; j++) {
                double e = -s * b->mu[(size_t)p * d + j];
                for (int k = 0; k < m; k++)
                    e += ns.jac[k * d + j] * ns.rin[k];
                ns.e[j] = e;
                sum += cp * e * e;
            }
            if (!grad)
                continue;
            for (int k = 0; k < m; k++) {
                double v = 0.0;
                for (int j = 0; j < d; j++)
                    v += ns.jac[k * d + j] * ns.e[j];
                ns.u[k] = 2.0 * cp * v;
            }
            naive_tangent(net, &ns, ns.u);
            /* D = w·ȧ_{L−1}: ∂D/∂w = ȧ_{L−1}, ā_{L−1} = 0 */
            for (int i = 0; i < nL; i++) {
                grad[net->offset_w[L] + i] += ns.adot[L - 1][i];
                ns.abar[i] = 0.0;
            }
            naive_reverse(net, &ns, 1, grad);
        }
        total += sum;
    }
    if (b->n_ref > 0 && b->w_g != 0.0) {
        double sum = 0.0;
        for (int r = 0; r < b->n_ref; r++) {
            if (b->h_ref) {
                for (int k = 0; k < m; k++)
                    ns.h[k] = b->h_ref[(size_t)r * m + k];
            } else {
                invariant_set_eval(inv, b->eta_ref + (size_t)r * d, ns.h, NULL, NULL);
            }
            const double e = naive_forward(net, &ns) / s - b->g_ref[r];
            sum += e * e;
            if (!grad)
                continue;
            const double alpha = 2.0 * b->w_g * e / (s * b->n_ref);
            grad[net->offset_b[L]] += alpha;
            for (int i = 0; i < nL; i++) {
                grad[net->offset_w[L] + i] += alpha * ns.a[L - 1][i];
                ns.abar[i] = alpha * wout[i];
            }
            naive_reverse(net, &ns, 0, grad);
        }
        total += b->w_g * sum / b->n_ref;
    }
    *loss = total;
    free(ns.block);
    return ALFE_OK;
}
