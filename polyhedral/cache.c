/* cache.c - what a family of analyses (poly_deps_update) keeps between queries. */
#include <stdlib.h>

#include "poly_private.h"

void poly_cache_free(poly_family *fam) {
  (void)fam;
}
