#include "exporter/heap_release.h"

#include <malloc.h>

namespace patroni_exporter {

bool ReleaseFreeHeap(std::size_t text_bytes) {
  if (text_bytes < kReleaseAfterTextBytes) return false;
  // Pad 0: keep nothing spare at the top; the next large scrape grows the heap again as it needs.
  malloc_trim(0);
  return true;
}

}  // namespace patroni_exporter
