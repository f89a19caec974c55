/* bench_mc.c — Monte Carlo throughput at fixed pass counts (no convergence
 * stop), for the systems of issue 3's benchmark: the embedded LCO-like
 * system, CASM's ZrO example (10×10×10 prim cells, 2000 variable sites) and a
 * simple-cubic Li/Va binary with one NN pair ECI of 0.12 eV (12³ sites), all
 * at 300 K.  Prints attempts/s, passes/s, acceptance and the memory of the
 * chain's tables; median of 5 repetitions, timed in CPU seconds of the
 * thread (the machines are shared; r.seconds, wall time, is not used).
 * Usage: bench_mc SYSTEM PASSES [sgc P T]   (SYSTEM = lco | zro | binary)
 * Default: umbrella-biased (κ0 = ½, φ0 = 50) as a campaign runs it.
 * `sgc P T`: unbiased (φ = 0), semi-grand canonical at exchange potential P
 * (eV per counted site) and temperature T (K) — the way CASM's reference
 * figures are taken; also prints the median count of accepted attempts per
 * second, so that run_bench.sh can separate the cost of a rejected attempt
 * from that of an accepted one (docs/performance.md). */
#include "alfe/lattice/clex.h"
#include "alfe/space/domain.h"
#include "alfe/base/error.h"
#include "alfe/lattice/mc.h"
#include "alfe/lattice/orderparam.h"
#include "alfe/base/rng.h"
#include "alfe/lattice/supercell.h"
#include "alfe/base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CPU seconds of this thread: on a shared machine (other jobs on the same
 * cores) wall time measures the scheduler, CPU time the chain. */
static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int read_q(const char *path, int d, double **q, int *m)
{
    return domain_read_q(path, d, q, m);
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 6) {
        fprintf(stderr, "usage: bench_mc lco|zro|binary PASSES [sgc P T]\n");
        return 2;
    }
    const int sgc = argc == 6 && !strcmp(argv[3], "sgc");
    if (argc == 6 && !sgc) {
        fprintf(stderr, "usage: bench_mc lco|zro|binary PASSES [sgc P T]\n");
        return 2;
    }
    const char *system = argv[1];
    const long passes = atol(argv[2]);
    const char *prim, *eci;
    int t[3][3] = {{10, 0, 0}, {0, 10, 0}, {0, 0, 10}};
    int o[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    double q_sc[1] = {1.0};
    double q_zro[4] = {0.5, 0.5, 0.5, -0.5};
    double *q = NULL;
    int d = 1, m = 1;
    mc_params p;
    memset(&p, 0, sizeof p);
    p.temperature = 300.0;
    if (!strcmp(system, "lco")) {
        prim = "inputs/lco/prim.json";
        eci = "inputs/lco/eci.json";
        for (int i = 0; i < 3; i++)
            o[i][i] = 2;
        d = 7;
        if (read_q("inputs/lco/Q.txt", d, &q, &m) != ALFE_OK) {
            fprintf(stderr, "%s\n", alfe_error_message());
            return 1;
        }
        p.kappa[0] = 0.5;
        p.phi[0] = 50;
        for (int j = 1; j < d; j++)
            p.phi[j] = 0.05;
    } else if (!strcmp(system, "zro")) {
        prim = "inputs/zro/prim.json";
        eci = "inputs/zro/formation_energy_eci.json";
        d = 2;
        m = 2;
        q = q_zro;
        p.kappa[0] = 0.5;
        p.phi[0] = 50;
        p.phi[1] = 0.05;
    } else {
        prim = "bench/data/sc_binary/prim.json";
        eci = "bench/data/sc_binary/eci.json";
        for (int i = 0; i < 3; i++)
            t[i][i] = 12;
        q = q_sc;
        p.kappa[0] = 0.5;
        p.phi[0] = 50;
    }
    clex_model *model;
    supercell *sc;
    orderparam *op;
    mc_chain *chain;
    if (clex_load(prim, eci, &model) != ALFE_OK || supercell_create(model, t, &sc) != ALFE_OK ||
        orderparam_create(sc, o, q, d, m, NULL, &op) != ALFE_OK ||
        mc_chain_create(sc, op, &chain) != ALFE_OK) {
        fprintf(stderr, "bench_mc: %s\n", alfe_error_message());
        return 1;
    }
    if (sgc) {
        /* unbiased: no φ, the composition set by the exchange potential */
        p.exchange_potential = atof(argv[4]);
        p.temperature = atof(argv[5]);
        for (int j = 0; j < d; j++)
            p.phi[j] = 0.0;
    }
    p.min_passes = p.max_passes = passes;
    p.check_every = (int)(passes + 1);
    p.mu_precision = 1e-3;
    p.confidence = 0.95;
    double rate[5], acc_rate[5], acc[5];
    for (int rep = 0; rep < 5; rep++) {
        mc_result r;
        p.seed = rng_stream_seed(1, (uint64_t)rep, RNG_PURPOSE_POINT);
        const double c0 = cpu_seconds();
        if (mc_chain_run(chain, &p, &r) != ALFE_OK) {
            fprintf(stderr, "bench_mc: %s\n", alfe_error_message());
            return 1;
        }
        const double cpu = cpu_seconds() - c0;
        rate[rep] = (double)r.passes * sc->n_var / cpu;
        acc[rep] = r.acceptance;
        acc_rate[rep] = rate[rep] * r.acceptance;
    }
    qsort(rate, 5, sizeof rate[0], compare);
    qsort(acc, 5, sizeof acc[0], compare);
    qsort(acc_rate, 5, sizeof acc_rate[0], compare);
    const double accept = acc[2];
    /* Peak resident memory of the whole process (model, tables, chain). */
    long peak_kb = 0;
    FILE *status = fopen("/proc/self/status", "r");
    if (status) {
        char line[256];
        while (fgets(line, sizeof line, status))
            if (sscanf(line, "VmHWM: %ld kB", &peak_kb) == 1)
                break;
        fclose(status);
    }
    size_t table_bytes = (size_t)sc->n_inst * (1 + CLEX_MAX_CLUSTER * 5 + 8) +
                         (size_t)sc->member_start[sc->n_var] * 5 +
                         (size_t)sc->n_var * (8 * sc->max_func + 8 * 2 + 16);
    if (sgc)
        printf("%-7s sgc p %+8.4f T %6.0f  acceptance %.5f  %12.3e attempts/s (min %.3e max %.3e)  "
               "%11.3e accepted/s\n",
               system, p.exchange_potential, p.temperature, accept, rate[2], rate[0], rate[4],
               acc_rate[2]);
    else
        printf("%-7s %6d sites %6d terms  acceptance %.4f  %12.3e attempts/s (min %.3e max %.3e)  "
               "%9.1f passes/s  tables %.1f MB  peak RSS %.1f MB\n",
               system, sc->n_var, model->n_terms, accept, rate[2], rate[0], rate[4],
               rate[2] / sc->n_var, table_bytes / 1e6, peak_kb / 1024.0);
    mc_chain_destroy(&chain);
    orderparam_destroy(&op);
    supercell_destroy(&sc);
    clex_destroy(&model);
    if (q != q_sc && q != q_zro)
        free(q);
    return 0;
}
