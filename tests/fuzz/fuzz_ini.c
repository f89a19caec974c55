/* fuzz_ini.c — the INI configuration reader (src/io/config.c):
 * config_load_for of the input written as a file, for a run and for `alfe
 * mc`.  The scratch directory is the working directory and holds symbolic
 * links lco/ and zro/ to the shipped inputs and an empty out/, so the seed
 * configurations (inputs/NAME.ini) resolve their files and get past the file
 * checks to the combination checks.
 * Checks: no memory error; a configuration that loads has a canonical text
 * and a value for every key of the table. */
#include "fuzz_common.h"

#include "alfe/io/config.h"

#include <sys/stat.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = fuzz_scratch();
    char link[600];
    snprintf(link, sizeof link, "%s/lco", dir);
    if (symlink(ALFE_SOURCE_DIR "/inputs/lco", link) != 0)
        perror(link);
    snprintf(link, sizeof link, "%s/zro", dir);
    if (symlink(ALFE_SOURCE_DIR "/inputs/zro", link) != 0)
        perror(link);
    snprintf(link, sizeof link, "%s/out", dir);
    if (mkdir(link, 0700) != 0)
        perror(link);
    if (chdir(dir) != 0) {
        perror(dir);
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_file("fuzz.ini", data, size);
    static const enum config_purpose purposes[2] = {CONFIG_FOR_RUN, CONFIG_FOR_MC};
    for (int i = 0; i < 2; i++) {
        alfe_config *cfg = NULL;
        int status = config_load_for(path, purposes[i], &cfg);
        fuzz_check_status(status);
        if (status == ALFE_OK) {
            if (!cfg)
                abort();
            for (int k = 0; k < config_key_count(); k++) {
                const char *section, *key;
                int fixed;
                config_key_info(k, &section, &key, &fixed);
                char buf[64];
                (void)config_value_string(cfg, section, key, buf, sizeof buf);
            }
        } else if (cfg) {
            abort();
        }
        config_destroy(&cfg);
    }
    return 0;
}
