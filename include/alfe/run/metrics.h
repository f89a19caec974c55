/* metrics.h — the [metrics] regions of a campaign: file regions read with
 * the number-table reader (d η columns then d reference μ columns), automatic
 * regions made from the oracle's truth (acquire/regions.h), stored once in
 * /regions (io/campaign_regions.h) and reused on resume; and `alfe regions`,
 * which writes the automatic regions of a configuration as text files.
 * Owns: nothing.  MPI only through comm.h. */
#ifndef ALFE_METRICS_H
#define ALFE_METRICS_H

#include "alfe/io/campaign_regions.h"
#include "alfe/run/system.h"

/* Rank-local: the regions of the configuration (files read, automatic ones
 * made from the system's oracle with the campaign seed); *out = NULL when
 * there are none.  autos_only: leave the file regions out.  Errors name the
 * configuration file, line and key (and the region file's line). */
int metrics_make_regions(const alfe_system *sys, int autos_only, region_set **out);

/* Collective: the campaign's regions on every rank.  made (rank 0, may be
 * NULL; taken over) is the set made before the file was created; a file
 * with /regions keeps its own, one without gets made (or given) and
 * written.  *out = NULL when the configuration has no regions. */
int metrics_campaign_regions(const alfe_system *sys, campaign *c, region_set *made,
                             region_set **out);

/* `alfe regions CONFIG -o DIR [--force]` (serial). */
int metrics_regions_command(const char *config_path, const char *dir, int force);

#endif
