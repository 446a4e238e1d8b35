// The one place where components are chosen and built from the validated Config.
#pragma once

#include <memory>

#include "collectors/http_client.h"
#include "exporter/config.h"
#include "exporter/probe.h"
#include "exporter/scraper.h"

namespace patroni_exporter {

struct Components {
  std::shared_ptr<const HttpClient> client;
  std::unique_ptr<Scraper> scraper;  // /metrics
  std::unique_ptr<Prober> prober;    // /probe; reads the member directory the scrape fills
};

Components BuildComponents(const Config& config);

}  // namespace patroni_exporter
