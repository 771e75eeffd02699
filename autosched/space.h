/* space.h - the tuner's choices beyond the rules' own params, applied through the typed API to
 * a function the rules scheduled (tune.c calls it after as_rules_apply for each candidate). */
#ifndef TIR_AUTOSCHED_SPACE_H
#define TIR_AUTOSCHED_SPACE_H

#include "rules.h"

/* With p->unroll_k > 1: in each register tile the rules made (an innermost vectorized loop
 * with the block's innermost reduction loop outside it, serial, and only spatial loops
 * between), split that reduction loop by p->unroll_k and unroll the inner part.  A block
 * where a step is refused is left as the rules made it.  Returns the blocks changed. */
int as_space_apply(sched_state *s, const as_params *p);

#endif
