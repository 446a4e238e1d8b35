// The Prometheus text exposition format (version 0.0.4): what a scrape's families become on the wire, and the
// UTF-8 care label values need on the way there.
//
// Pure: no I/O, no globals; never throws except std::bad_alloc. Thread-safe (no shared state).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "collectors/metric_set.h"
#include "prometheus/metric_family.h"

namespace patroni_exporter {

// `text` cut to at most `max_bytes` without splitting a UTF-8 sequence (label values must stay valid UTF-8).
std::string TruncateUtf8(const std::string& text, std::size_t max_bytes);

// Serializes families in the Prometheus text exposition format (version 0.0.4), byte for byte as
// prometheus::TextSerializer 1.0.1 writes counters, gauges and untyped families (values as %.16g, NaN as "Nan",
// infinities as "+Inf"/"-Inf"; label values escape \\, " and newline; HELP text as given), in one preallocated
// string instead of an ostream, which made it the largest CPU cost of a large scrape (docs/performance.md).
// Handles what MetricSet (collectors/metric_set.h) makes, counters and gauges without timestamps: a sample's
// timestamp_ms is not written, and a summary or histogram family is left out whole.
std::string SerializeText(const std::vector<prometheus::MetricFamily>& families);

// The same text, byte for byte, read straight from a MetricSet's compact form (the scrape's path: no
// prometheus-cpp model is built). Equal to SerializeText(set.families()).
std::string SerializeText(const MetricSet& set);

}  // namespace patroni_exporter
