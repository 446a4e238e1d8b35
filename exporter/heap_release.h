// Giving the heap a large scrape left behind back to the kernel.
//
// A scrape of hundreds of members builds its families on the heap (500 members: about 19 MB at the peak,
// docs/performance.md, "Issue 18: memory") and frees them once the text is serialized. glibc returns only the
// top of the heap to the kernel (M_TRIM_THRESHOLD); the free chunks below a live one stay resident until the next
// large scrape reuses them. ReleaseFreeHeap asks glibc (malloc_trim) to hand every free page back after a scrape
// whose text was at least kReleaseAfterTextBytes long, a size one node's scrape never reaches (about 20 KB), so a
// sidecar pays nothing for it. What it costs a large scrape: the next one faults the pages in again (500 members:
// a few ms of about 100 ms of CPU). Changes no output; thread-safe (glibc locks the arena); never throws.
#pragma once

#include <cstddef>

namespace patroni_exporter {

// 256 KiB of text is about 50 members, whose families took about 1.5 MB of heap.
inline constexpr std::size_t kReleaseAfterTextBytes = 256 * 1024;

// Returns whether it asked glibc to release free heap pages (text_bytes >= kReleaseAfterTextBytes).
bool ReleaseFreeHeap(std::size_t text_bytes);

}  // namespace patroni_exporter
