// ReleaseFreeHeap: only a large scrape's text makes it ask glibc to trim (one node's scrape must cost nothing).
#include "exporter/heap_release.h"

#include <gtest/gtest.h>

namespace patroni_exporter {
namespace {

TEST(HeapRelease, OneNodeScrapeDoesNotTrim) {
  EXPECT_FALSE(ReleaseFreeHeap(0));
  EXPECT_FALSE(ReleaseFreeHeap(20 * 1024));  // about one node's exposition
  EXPECT_FALSE(ReleaseFreeHeap(kReleaseAfterTextBytes - 1));
}

TEST(HeapRelease, LargeScrapeTrims) {
  EXPECT_TRUE(ReleaseFreeHeap(kReleaseAfterTextBytes));
  EXPECT_TRUE(ReleaseFreeHeap(3 * 1024 * 1024));  // about 500 members
}

}  // namespace
}  // namespace patroni_exporter
