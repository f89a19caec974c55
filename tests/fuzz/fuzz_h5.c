/* fuzz_h5.c — the campaign and model readers (src/io/): the input written
 * as an HDF5 file and read as `alfe info` does (campaign_print_info) and as
 * `alfe predict` does (model_read of the latest round and of round 0,
 * model_read_q, and the committee's prediction with Hessians at two
 * points).  Seeds: real small campaign and model files written by
 * tests/fuzz/make_h5_seeds.sh; libFuzzer mutates their bytes.
 * Checks: no memory error and no crash on any file; a failure has a message.
 * These readers are serial HDF5 (no MPI), as in `alfe info`/`alfe predict`,
 * and run in-process (ALFE_H5_SANDBOX=0): the crashes inside HDF5 that the
 * commands survive through their checking child process still show here.
 *
 * Helper for make_h5_seeds.sh (not fuzzing): with ALFE_FUZZ_WRITE_MODEL =
 * "CAMPAIGN.h5:MODEL.h5" the binary writes the campaign's latest committee
 * as a standalone alfe-model file and exits. */
#include "fuzz_common.h"

#include "alfe/io/campaign_info.h"
#include "alfe/io/campaign_io.h"
#include "alfe/io/model_io.h"
#include "alfe/network/idnn_committee.h"

static FILE *devnull;

static void write_model(const char *spec)
{
    char campaign[1024];
    snprintf(campaign, sizeof campaign, "%s", spec);
    char *colon = strchr(campaign, ':');
    if (!colon) {
        fprintf(stderr, "ALFE_FUZZ_WRITE_MODEL=CAMPAIGN.h5:MODEL.h5\n");
        exit(2);
    }
    *colon = '\0';
    idnn_committee *c = NULL;
    int status = model_read(campaign, -1, &c);
    if (status == ALFE_OK)
        status = model_write(colon + 1, c, "tests/fuzz/make_h5_seeds.sh");
    if (status != ALFE_OK)
        fprintf(stderr, "fuzz_h5: %s\n", alfe_error_message());
    idnn_committee_destroy(&c);
    exit(status);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* The readers themselves, in this process: alfe's commands make their
     * first read of a file in a checking child process
     * (src/io/campaign_sandbox.c), which would hide every crash from the
     * fuzzer. */
    setenv("ALFE_H5_SANDBOX", "0", 1);
    campaign_library_init();
    const char *spec = getenv("ALFE_FUZZ_WRITE_MODEL");
    if (spec)
        write_model(spec);
    devnull = fopen("/dev/null", "w");
    if (!devnull)
        abort();
    return 0;
}

static void predict(const char *path, int round)
{
    idnn_committee *c = NULL;
    int status = model_read(path, round, &c);
    fuzz_check_status(status);
    if (status != ALFE_OK) {
        if (c)
            abort();
        return;
    }
    /* d is bounded by the invariants' limit: a larger one is a reader bug. */
    if (!c || c->d < 1 || c->d > POLYNOMIAL_MAX_VARS || c->n_members < 1)
        abort();
    double *q = NULL;
    int qd = 0, qm = 0;
    status = model_read_q(path, &q, &qd, &qm);
    fuzz_check_status(status);
    free(q);
    const size_t d = (size_t)c->d, n = 2;
    double *eta = calloc(n * d, sizeof(double));
    double *buf = calloc(n * (2 + 3 * d + d * d), sizeof(double));
    if (!eta || !buf)
        abort();
    for (size_t j = 0; j < d; j++)
        eta[d + j] = 0.1 * (double)(j + 1);
    idnn_committee_output out = {buf, buf + n, buf + 2 * n, buf + 2 * n + n * d,
                                 buf + 2 * n + 2 * n * d, buf + 2 * n + 2 * n * d + n * d * d};
    status = idnn_committee_predict(c, (int)n, eta, &out);
    fuzz_check_status(status);
    free(eta);
    free(buf);
    idnn_committee_destroy(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_file("input.h5", data, size);
    int status = campaign_print_info(path, devnull);
    fuzz_check_status(status);
    predict(path, -1);
    predict(path, 0);
    return 0;
}
