/* bench_oracle.c — cost of one oracle point evaluation (saddle-point Newton
 * in 7-D) on inputs/oracle_quick.ini's system, without I/O.  Prints the
 * median over 5 repetitions of 20000 billiard-walk points. */
#include "alfe/acquire/acquire.h"
#include "alfe/io/config.h"
#include "alfe/space/domain.h"
#include "alfe/base/error.h"
#include "alfe/space/oracle.h"
#include "alfe/run/system.h"
#include "alfe/base/util.h"

#include <stdio.h>
#include <stdlib.h>

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "inputs/oracle_quick.ini";
    alfe_config *cfg;
    domain *dom;
    if (config_load(path, &cfg) != ALFE_OK || domain_create(cfg->q, cfg->dimension, cfg->q_m, &dom) != ALFE_OK) {
        fprintf(stderr, "bench_oracle: %s\n", alfe_error_message());
        return 1;
    }
    oracle_model o;
    oracle_params op;
    system_oracle_params(cfg, &op);
    oracle_init(&o, dom, &op);
    const int n = 20000;
    acquire_settings as;
    system_acquire_settings(cfg, &as);
    as.global_points = n;
    point_input *in;
    int64_t got;
    round_record rec;
    if (acquire_round(&as, dom, 0, 0, 0, NULL, &in, &got, &rec) != ALFE_OK) {
        fprintf(stderr, "bench_oracle: %s\n", alfe_error_message());
        return 1;
    }
    double times[5];
    long failed = 0;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = alfe_wall_time();
        for (int i = 0; i < n; i++) {
            point_result r;
            oracle_evaluate(&o, &in[i], &r);
            failed += r.status != POINT_DONE;
        }
        times[rep] = (alfe_wall_time() - t0) / n;
    }
    qsort(times, 5, sizeof times[0], compare);
    printf("oracle evaluation: median %.2f us/point (min %.2f, max %.2f) over 5 x %d points, "
           "d = %d, %ld failed\n",
           1e6 * times[2], 1e6 * times[0], 1e6 * times[4], n, cfg->dimension, failed);
    free(in);
    domain_destroy(&dom);
    config_destroy(&cfg);
    return 0;
}
