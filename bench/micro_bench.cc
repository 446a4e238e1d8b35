// micro_bench: the pure CPU costs of a scrape, without network (Google Benchmark).
//
//   Node*       GET /patroni body (patroni_replica_v4.1.0.json) -> NodeStatus -> families, per member
//   Cluster*/N  GET /cluster body of N members (cluster_lsn_v4.1.0.json's entries repeated) -> ClusterView ->
//               families; the `member` counter is the time per member
//   Serialize/N MetricSet -> text exposition for N series; the `per1000` counter is the time per 1000 series
//   Merge/N     MetricSet::Merge of N series into the scrape's set (what Scraper::CollectAll does per collector)
//   ProcessCollect  the process_* families from /proc/self (every scrape)
//   Scrape/N    everything a discovery scrape of N members computes: N /patroni parse + translate, the /cluster
//               parse + translate, the merge and the serialization; `member` is the time per member
// Bodies are real fixtures from tests/testdata/patroni/ (the same the fake fleet serves).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "collectors/exposition.h"
#include "collectors/metric_set.h"
#include "collectors/patroni/cluster_parse.h"
#include "collectors/patroni/cluster_translate.h"
#include "collectors/patroni/node_status_parse.h"
#include "collectors/patroni/node_status_translate.h"
#include "collectors/process/process_collector.h"
#include "prometheus/text_serializer.h"

namespace {

using namespace patroni_exporter;

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(PATRONI_EXPORTER_TESTDATA) + "/patroni/" + name);
  std::ostringstream out;
  out << in.rdbuf();
  if (out.str().empty()) std::abort();
  return out.str();
}

const std::string& NodeBody() {
  static const std::string body = Fixture("patroni_replica_v4.1.0.json");
  return body;
}

// Member i's /patroni body: the replica fixture with patroni.name rewritten, as the fake fleet serves it.
std::string NodeBodyFor(int i) {
  nlohmann::json status = nlohmann::json::parse(NodeBody());
  status["patroni"]["name"] = "member" + std::to_string(i);
  return status.dump(2);
}

// A /cluster body listing `members` members: the fixture's leader, then its streaming replica repeated.
std::string ClusterBody(int members) {
  nlohmann::json cluster = nlohmann::json::parse(Fixture("cluster_lsn_v4.1.0.json"));
  const nlohmann::json leader = cluster["members"][0];
  const nlohmann::json replica = cluster["members"][1];
  nlohmann::json list = nlohmann::json::array();
  for (int i = 0; i < members; ++i) {
    nlohmann::json entry = i == 0 ? leader : replica;
    entry["name"] = "member" + std::to_string(i);
    entry["api_url"] = "http://127.0.0.1:" + std::to_string(20000 + i) + "/patroni";
    entry["host"] = "127.0.0.1";
    list.push_back(entry);
  }
  cluster["members"] = list;
  return cluster.dump(2);
}

void PerMember(benchmark::State& state, double members) {
  state.counters["member"] =
      benchmark::Counter(members, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void NodeParse(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(ParseNodeStatus(NodeBody()));
  PerMember(state, 1);
}
BENCHMARK(NodeParse);

void NodeTranslate(benchmark::State& state) {
  const NodeStatus status = *ParseNodeStatus(NodeBody()).value;
  for (auto _ : state) {
    MetricSet out;
    TranslateNodeStatus(status, "member1", {}, &out);
    benchmark::DoNotOptimize(out);
  }
  PerMember(state, 1);
}
BENCHMARK(NodeTranslate);

void NodeParseTranslate(benchmark::State& state) {
  for (auto _ : state) {
    MetricSet out;
    TranslateNodeStatus(*ParseNodeStatus(NodeBody()).value, "member1", {}, &out);
    benchmark::DoNotOptimize(out);
  }
  PerMember(state, 1);
}
BENCHMARK(NodeParseTranslate);

void ClusterParse(benchmark::State& state) {
  const std::string body = ClusterBody(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(ParseCluster(body));
  PerMember(state, static_cast<double>(state.range(0)));
}
BENCHMARK(ClusterParse)->Arg(3)->Arg(100)->Arg(1000);

void ClusterTranslate(benchmark::State& state) {
  const ClusterView view = *ParseCluster(ClusterBody(static_cast<int>(state.range(0)))).value;
  for (auto _ : state) {
    MetricSet out;
    TranslateCluster(view, "batman", &out);
    benchmark::DoNotOptimize(out);
  }
  PerMember(state, static_cast<double>(state.range(0)));
}
BENCHMARK(ClusterTranslate)->Arg(3)->Arg(100)->Arg(1000);

// A MetricSet of about `series` series: node families of as many members as it takes.
MetricSet NodeSeries(int series) {
  MetricSet out;
  const NodeStatus status = *ParseNodeStatus(NodeBody()).value;
  for (int i = 0; static_cast<int>(out.SampleCount()) < series; ++i) {
    TranslateNodeStatus(status, "member" + std::to_string(i), {}, &out);
  }
  return out;
}

void Serialize(benchmark::State& state) {
  const MetricSet set = NodeSeries(static_cast<int>(state.range(0)));
  const std::size_t series = set.SampleCount();
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string text = SerializeText(set);
    bytes = text.size();
    benchmark::DoNotOptimize(text);
  }
  state.counters["series"] = static_cast<double>(series);
  state.counters["per1000"] = benchmark::Counter(static_cast<double>(series) / 1000,
                                                 benchmark::Counter::kIsIterationInvariantRate |
                                                     benchmark::Counter::kInvert);
  state.SetBytesProcessed(static_cast<int64_t>(bytes * state.iterations()));
}
BENCHMARK(Serialize)->Arg(1000)->Arg(25000);

void Merge(benchmark::State& state) {
  const MetricSet source = NodeSeries(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    state.PauseTiming();
    MetricSet copy = source;
    state.ResumeTiming();
    MetricSet out;
    out.Merge(std::move(copy));
    benchmark::DoNotOptimize(out);
  }
  state.counters["per1000"] = benchmark::Counter(static_cast<double>(source.SampleCount()) / 1000,
                                                 benchmark::Counter::kIsIterationInvariantRate |
                                                     benchmark::Counter::kInvert);
}
BENCHMARK(Merge)->Arg(1000);

void Scrape(benchmark::State& state) {
  const int members = static_cast<int>(state.range(0));
  std::vector<std::string> bodies;
  for (int i = 0; i < members; ++i) bodies.push_back(NodeBodyFor(i));
  const std::string cluster = ClusterBody(members);
  std::size_t series = 0;
  for (auto _ : state) {
    MetricSet collected;
    for (int i = 0; i < members; ++i) {
      NodeStatusParseResult parsed = ParseNodeStatus(bodies[i]);
      TranslateNodeStatus(*parsed.value, *parsed.value->name, {}, &collected);
    }
    TranslateCluster(*ParseCluster(cluster).value, "batman", &collected);
    series = collected.SampleCount();
    MetricSet out;
    out.Merge(std::move(collected));
    benchmark::DoNotOptimize(SerializeText(out));
  }
  state.counters["series"] = static_cast<double>(series);
  PerMember(state, members);
}
BENCHMARK(Scrape)->Arg(3)->Arg(500)->Arg(1000)->Unit(benchmark::kMillisecond);

// The exporter's own process_* families, read from /proc/self once per scrape.
void ProcessCollect(benchmark::State& state) {
  ProcessCollector collector;
  for (auto _ : state) {
    MetricSet out;
    benchmark::DoNotOptimize(collector.Collect({}, &out));
  }
}
BENCHMARK(ProcessCollect);

// SerializeText must print exactly what prometheus-cpp's TextSerializer prints: every fixture's families, and
// the awkward values and labels, from prometheus-cpp's model and (where a MetricSet holds them) from the set's
// compact form. Checked before timing anything.
bool SerializerMatchesPrometheusCpp() {
  auto same = [](const std::vector<prometheus::MetricFamily>& families, const std::string& what) {
    std::ostringstream reference;
    prometheus::TextSerializer().Serialize(reference, families);
    if (SerializeText(families) == reference.str()) return true;
    std::fprintf(stderr, "SerializeText differs from prometheus::TextSerializer for %s\n", what.c_str());
    return false;
  };
  auto same_set = [&same](const MetricSet& set, const std::string& what) {
    const std::vector<prometheus::MetricFamily> families = set.families();
    if (!same(families, what)) return false;
    if (SerializeText(set) == SerializeText(families)) return true;
    std::fprintf(stderr, "SerializeText(MetricSet) differs from SerializeText(families) for %s\n", what.c_str());
    return false;
  };
  bool ok = true;
  const std::string dir = std::string(PATRONI_EXPORTER_TESTDATA) + "/patroni";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".json") continue;
    MetricSet set;
    if (name.rfind("patroni_", 0) == 0) {
      NodeStatusParseResult parsed = ParseNodeStatus(Fixture(name));
      if (parsed.value) TranslateNodeStatus(*parsed.value, "member", {}, &set);
    } else if (name.rfind("cluster_", 0) == 0) {
      ClusterParseResult parsed = ParseCluster(Fixture(name));
      if (parsed.value) TranslateCluster(*parsed.value, "scope", &set);
    }
    ok = same_set(set, name) && ok;
  }
  const double values[] = {0.0, -0.0, 1, -1, 0.1, 1e-7, 1.5e300, 123456789012345678.0, 1760393137.660428,
                           12079595680, 9007199254740993.0, 1e16, 1e15 + 0.5, 2.0 / 3,
                           std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max(),
                           std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                           -std::numeric_limits<double>::infinity()};
  MetricSet set;
  int i = 0;
  for (const double value : values) {
    const std::string n = std::to_string(i++);
    set.AddGauge("g", "Help with \\ backslash, \"quotes\" and\na newline.", {{"i", n}, {"v", "a\"b\\c\nd \xc3\xa9"}}, value);
    set.AddCounter("c_total", "", {{"i", n}}, value);
  }
  set.AddGauge("bare", "No labels.", {}, 42);
  ok = same_set(set, "values and labels of a set") && ok;
  std::vector<prometheus::MetricFamily> families = set.families();
  prometheus::MetricFamily untyped;
  untyped.name = "u";
  untyped.type = prometheus::MetricType::Untyped;
  untyped.metric.emplace_back();
  untyped.metric.back().untyped.value = 3.25;
  families.push_back(untyped);
  // No summary, histogram or timestamp: SerializeText leaves them out (collectors/exposition.h), MetricSet makes none.
  return same(families, "values and labels") && ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (!SerializerMatchesPrometheusCpp()) return 1;
  std::printf("SerializeText matches prometheus::TextSerializer on every fixture and edge value\n");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
