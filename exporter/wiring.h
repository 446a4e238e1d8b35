// The one place where collectors are chosen and built from the validated Config.
#pragma once

#include <memory>
#include <vector>

#include "collectors/collector.h"
#include "exporter/config.h"

namespace patroni_exporter {

std::vector<std::unique_ptr<Collector>> BuildCollectors(const Config& config);

}  // namespace patroni_exporter
