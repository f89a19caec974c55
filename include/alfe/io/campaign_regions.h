/* campaign_regions.h — /regions of a campaign file: the named regions of
 * [metrics] (η and reference μ per row, with their source and definition),
 * written once when the campaign is created and read back on resume
 * (docs/campaign-file.md).
 *
 *   /regions                  group, attrs names (strings, in order), description
 *   /regions/NAME/eta         n × d (float64)
 *   /regions/NAME/mu          n × d (float64, eV per prim cell)
 *     attrs source ("file:PATH" or "auto:KIND"), definition (text), rows
 *
 * Owns: region_set.  Must not call MPI except through comm.h. */
#ifndef ALFE_CAMPAIGN_REGIONS_H
#define ALFE_CAMPAIGN_REGIONS_H

#include "alfe/io/campaign_io.h"

typedef struct {
    char name[32];
    char *source;       /* "file:PATH" or "auto:KIND" */
    char *definition;   /* how the rows were made */
    int n;              /* rows (may be 0) */
    double *eta, *mu;   /* n × d each */
} campaign_region;

typedef struct {
    int d, n;
    campaign_region r[ROUND_MAX_REGIONS];
} region_set;

void region_set_destroy(region_set **set);

/* Any rank: 1 when the file has /regions. */
int campaign_has_regions(campaign *c);
/* Collective: write /regions (every rank passes the same set), protected by
 * the backup boundary. */
int campaign_write_regions(campaign *c, const region_set *set);
/* Any rank: read /regions into a new set. */
int campaign_read_regions(campaign *c, region_set **out);

#endif
