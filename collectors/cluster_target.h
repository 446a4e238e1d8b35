// ClusterTarget: one configured Patroni cluster (from --patroni.url or --config.file), as every collector and
// /probe read it. Plain data, validated by exporter/config.cc.
#pragma once

#include <string>
#include <vector>

#include "collectors/http_client.h"
#include "collectors/url.h"

namespace patroni_exporter {

struct ClusterTarget {
  std::string name;            // for logs ("default" for --patroni.url)
  std::vector<BaseUrl> seeds;  // REST APIs of members; the first that answers /cluster speaks for the cluster
  bool discovery = false;      // poll every member /cluster lists
  TlsClientOptions tls;
};

}  // namespace patroni_exporter
