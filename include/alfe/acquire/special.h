/* special.h — the special-points criterion: configured points (end members,
 * wells, vertices) and evenly spaced points on lines between configured
 * pairs.  The caller passes the points as an array (acquire_special); reading
 * the file is run/'s job (base/table.h table_read).
 * Owns: special_propose.  Must not read files or the configuration. */
#ifndef ALFE_SPECIAL_H
#define ALFE_SPECIAL_H

#include "alfe/acquire/criterion.h"

/* The configured points in their order, then for each line (a, b) its
 * line_points interior points η_a + t(η_b − η_a), t = k/(line_points+1),
 * k = 1..line_points.  Candidate index: the point's position in that list;
 * score −index (configuration order is the ranking).  Points outside the
 * domain are kept: select_perturb brings them in and counts them. */
int special_propose(const criterion_input *in, const criterion_settings *s,
                    acquire_candidate **out, int *n_out);

/* Number of candidates special_propose returns for sp. */
int special_count(const acquire_special *sp);

#endif
