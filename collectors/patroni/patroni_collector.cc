#include "collectors/patroni/patroni_collector.h"

#include <future>
#include <map>
#include <set>
#include <system_error>
#include <utility>

#include "collectors/log.h"
#include "collectors/patroni/cluster_translate.h"
#include "collectors/patroni/dynamic_config_translate.h"
#include "collectors/patroni/history_translate.h"
#include "collectors/patroni/member_naming.h"
#include "collectors/patroni/translate_dispatch.h"

namespace patroni_exporter {

using Clock = std::chrono::steady_clock;

struct PatroniCollector::Scrape {
  Scrape(const std::vector<ClusterTarget>& clusters, std::vector<HealthRequest> health)
      : plan(clusters, std::move(health)),
        views(clusters.size()),
        listed(clusters.size()),
        speaker(clusters.size()),
        answered_scope(clusters.size()),
        scope(clusters.size()),
        signals(clusters.size()),
        config_slot(clusters.size()),
        history_slot(clusters.size()),
        cluster_families(clusters.size()) {}

  RequestPlan plan;
  Clock::time_point now;
  std::vector<DirectoryMember> remembered;  // the directory when the scrape began
  std::vector<std::size_t> seed_cluster_slots;
  std::set<std::size_t> valid_cluster_slots;                            // /cluster slots whose answer parsed
  std::vector<std::optional<ClusterView>> views;                        // per cluster: the first valid /cluster
  std::vector<std::vector<ListedMember>> listed;                        // per cluster: its view's members, parsed
  std::vector<std::optional<std::size_t>> speaker;                      // per cluster: the slot whose /cluster won
  std::vector<std::optional<std::string>> answered_scope;               // per cluster: a scope a /patroni answer named
  std::vector<std::optional<std::string>> scope;                        // per cluster: the view's resolved scope
  std::vector<ClusterWideSignals> signals;                              // per cluster with a view: of the view
  std::vector<std::optional<std::size_t>> config_slot;                  // per cluster: /config asked this scrape
  std::vector<std::optional<std::size_t>> history_slot;                 // per cluster: /history asked this scrape
  std::map<std::string, std::pair<std::string, std::string>> identity;  // target -> (scope, name)
  std::map<std::string, double> version;                                // target -> patroni_version's number
  // patroni_up samples, emitted once the views' scopes are resolved (EmitClusters).
  struct Up {
    std::string target;
    std::size_t cluster;
    bool up;
    std::optional<std::string> scope;
  };
  std::vector<Up> ups;
  std::size_t other_failures = 0;  // no_api_url, missing_scope
  // Per slot: its /patroni answer read as it arrived (discovery's member round), so EmitMembers need not.
  struct PatroniRead {
    std::optional<NodeStatus> status;
    SlotFailure failure;
  };
  std::vector<std::optional<PatroniRead>> patroni_read;
  // Per cluster: its view's families, made while the members were still answering (FetchAll), when the view names
  // its own scope; EmitClusters takes them instead of translating the view again.
  std::vector<std::optional<MetricSet>> cluster_families;
};

namespace {

// The whole URL, unlike SameRestApi: two seeds behind one reverse proxy differ only by their path prefix.
bool IsSeed(const ClusterTarget& cluster, const BaseUrl& url) {
  for (const BaseUrl& seed : cluster.seeds) {
    if (seed == url) return true;
  }
  return false;
}

void Append(std::vector<std::size_t>* to, const std::vector<std::size_t>& more) {
  to->insert(to->end(), more.begin(), more.end());
}

// The scope of a target as far as it is known without its cluster view: what its own /patroni named this scrape
// (`identity`), else what the directory remembers of that REST API. patroni_up and patroni_cluster_up both ask.
std::optional<std::string> KnownScope(const std::map<std::string, std::pair<std::string, std::string>>& identity,
                                      const MemberDirectory& directory, const BaseUrl& url) {
  if (const auto who = identity.find(url.ToString()); who != identity.end()) return who->second.first;
  if (const std::optional<DirectoryMember> known = directory.FindByApiUrl(url)) return known->scope;
  return std::nullopt;
}

// {target} plus `scope` when one is known.
Labels TargetLabels(const std::string& target, const std::optional<std::string>& scope) {
  Labels labels = {{"target", target}};
  if (scope && !scope->empty()) labels.emplace_back("scope", *scope);
  return labels;
}

}  // namespace

PatroniCollector::PatroniCollector(PatroniCollectorOptions options, std::shared_ptr<const HttpClient> client,
                                   std::shared_ptr<MemberDirectory> directory,
                                   std::shared_ptr<RequestFailures> failures)
    : options_(std::move(options)),
      client_(std::move(client)),
      directory_(std::move(directory)),
      failures_(std::move(failures)),
      cache_(options_.clusters.size()) {}

PatroniCollector::ClusterWideSignals PatroniCollector::ClusterWideSignals::Of(const ClusterView& view) {
  ClusterWideSignals signals;
  signals.paused = view.pause.value_or(false);
  for (const ClusterMember& m : view.members) {
    if (m.role == "leader" || m.role == "standby_leader") {
      signals.leader = m.name;
      signals.leader_timeline = m.timeline;
    }
    if (m.timeline && (!signals.max_timeline || *m.timeline > *signals.max_timeline)) signals.max_timeline = m.timeline;
    if (m.pending_restart.value_or(false)) signals.pending_restart.push_back(m.name);
    if (m.role == "sync_standby" || m.role == "quorum_standby") signals.synchronous.push_back(m.name);
  }
  return signals;
}

template <typename T>
bool PatroniCollector::NeedsFetch(const CachedAnswer<T>& cached, const ClusterWideSignals& signals,
                                  Clock::time_point now) const {
  return options_.cluster_wide_refresh_interval.count() <= 0 || !cached.value || cached.recheck ||
         !(cached.signals == signals) || now - cached.fetched >= options_.cluster_wide_refresh_interval;
}

// The first valid /cluster of each cluster, in slot order (configured seeds first, then remembered members).
void PatroniCollector::PickViews(Scrape* s, const std::vector<std::size_t>& indices) {
  for (const std::size_t i : indices) {
    if (s->plan.slot(i).endpoint != Endpoint::kCluster) continue;
    std::optional<ClusterView> view = ReadClusterAnswer(s->plan.response(i), &s->plan.failure(i));
    if (!view) continue;
    s->valid_cluster_slots.insert(i);
    const std::size_t c = s->plan.slot(i).cluster;
    if (!s->views[c]) {
      s->views[c] = std::move(view);
      s->listed[c] = ListedMembers(*s->views[c]);  // once per scrape: EmitMembers and EmitClusters read it
      s->speaker[c] = i;
    }
  }
}

void PatroniCollector::FetchAll(const ScrapeContext& context, Scrape* s) const {
  const std::vector<ClusterTarget>& clusters = options_.clusters;
  const bool health = options_.health_view;
  const bool want_cluster = options_.cluster_view || options_.config_view || options_.history_view;
  RequestPlan& plan = s->plan;

  // Round 1: members (seeds, and with discovery every remembered member) beside the seeds' /cluster.
  std::vector<std::size_t> members;
  std::vector<std::size_t> cluster_slots;
  bool discovery = false;
  for (std::size_t c = 0; c < clusters.size(); ++c) {
    for (const BaseUrl& seed : clusters[c].seeds) Append(&members, plan.AddMember(c, seed, health));
    if (clusters[c].discovery) {
      discovery = true;
      for (const DirectoryMember& m : s->remembered) {
        if (m.cluster == clusters[c].name && m.api_url) Append(&members, plan.AddMember(c, *m.api_url, health));
      }
    }
    if (!clusters[c].discovery && !want_cluster) continue;
    for (const BaseUrl& seed : clusters[c].seeds)
      cluster_slots.push_back(plan.Add(Endpoint::kCluster, c, seed, "/cluster"));
  }
  s->seed_cluster_slots = cluster_slots;
  // With discovery, the members' requests run on their own thread, beside /cluster and the later rounds, so a
  // slow member never holds back the others (500 members answering in 100 ms: 309 ms a scrape with two rounds,
  // 217 ms with this; docs/performance.md). Without discovery one GetAll costs less than a thread.
  // Each /patroni answer is parsed as it arrives, on the members' thread, while the others are still in flight;
  // the families are made later, in slot order (EmitMembers), so the output does not depend on arrival order.
  struct MemberAnswers {
    std::vector<HttpResponse> responses;
    std::vector<std::optional<Scrape::PatroniRead>> read;  // per request: its /patroni answer, read
  };
  std::future<MemberAnswers> member_answers;
  if (discovery && !members.empty()) {
    std::vector<std::optional<std::string>> patroni_targets;  // per request: its target when it is a /patroni
    patroni_targets.reserve(members.size());
    for (const std::size_t i : members) {
      const Slot& slot = plan.slot(i);
      patroni_targets.push_back(slot.endpoint == Endpoint::kPatroni ? std::optional(slot.url.ToString())
                                                                    : std::nullopt);
    }
    auto get = [this, requests = plan.Requests(members), deadline = context.deadline,
                targets = std::move(patroni_targets)] {
      MemberAnswers answers;
      answers.read.resize(requests.size());
      answers.responses = client_->GetAll(requests, deadline, [&](std::size_t k, HttpResponse& response) {
        if (!targets[k]) return;
        Scrape::PatroniRead& read = answers.read[k].emplace();
        read.status = ReadPatroniAnswer(response, *targets[k], &read.failure);
        std::string().swap(response.body);  // parsed: nothing reads it again
      });
      return answers;
    };
    try {
      member_answers = std::async(std::launch::async, get);
    } catch (const std::system_error&) {  // no thread to be had: ask them after the other rounds instead
      member_answers = std::async(std::launch::deferred, get);
    }
  } else {
    Append(&cluster_slots, members);
    members.clear();
  }
  plan.Fetch(*client_, cluster_slots, context.deadline);
  PickViews(s, cluster_slots);

  // Round 2: no seed's /cluster is valid: the remembered members stand in as seeds.
  std::vector<std::size_t> fallback;
  for (std::size_t c = 0; c < clusters.size(); ++c) {
    if (!clusters[c].discovery || s->views[c]) continue;
    for (const DirectoryMember& m : s->remembered) {
      if (m.cluster != clusters[c].name || !m.api_url || IsSeed(clusters[c], *m.api_url)) continue;
      fallback.push_back(plan.Add(Endpoint::kCluster, c, *m.api_url, "/cluster"));
    }
  }
  plan.Fetch(*client_, fallback, context.deadline);
  PickViews(s, fallback);

  // Round 3: members the views list that round 1 did not ask; /config and /history from each view's speaker.
  std::vector<std::size_t> more;
  for (std::size_t c = 0; c < clusters.size(); ++c) {
    if (!s->views[c]) continue;
    if (clusters[c].discovery) {
      for (const ListedMember& member : s->listed[c]) {  // api_urls parsed once (PickViews)
        if (member.api_url) Append(&more, plan.AddMember(c, *member.api_url, health));
      }
    }
    // Cluster-wide answers: asked only when the kept ones may no longer hold (patroni_collector.h).
    const BaseUrl speaker = plan.slot(*s->speaker[c]).url;
    s->signals[c] = ClusterWideSignals::Of(*s->views[c]);
    if (options_.config_view && NeedsFetch(cache_[c].config, s->signals[c], s->now)) {
      s->config_slot[c] = plan.Add(Endpoint::kConfig, c, speaker, "/config");
      more.push_back(*s->config_slot[c]);
    }
    if (options_.history_view && NeedsFetch(cache_[c].history, s->signals[c], s->now)) {
      s->history_slot[c] = plan.Add(Endpoint::kHistory, c, speaker, "/history");
      more.push_back(*s->history_slot[c]);
    }
  }
  plan.Fetch(*client_, more, context.deadline);
  if (member_answers.valid()) {
    // The members' answers are still coming in, and this thread would only wait for them: it makes the cluster
    // views' families now (a few ms at 500 members) rather than after the last answer. Only a view that names its
    // scope (Patroni 3.2+) can be translated this early: EmitClusters resolves the others' scope from the answers.
    for (std::size_t c = 0; c < clusters.size() && options_.cluster_view; ++c) {
      if (s->views[c] && s->views[c]->scope) {
        TranslateCluster(*s->views[c], *s->views[c]->scope, &s->cluster_families[c].emplace());
      }
    }
    MemberAnswers answers = member_answers.get();
    s->patroni_read.resize(plan.slots().size());
    for (std::size_t k = 0; k < members.size() && k < answers.read.size(); ++k) {
      s->patroni_read[members[k]] = std::move(answers.read[k]);
    }
    plan.Store(members, std::move(answers.responses));
  }
}

void PatroniCollector::EmitMembers(Scrape* s, MetricSet* out) const {
  // Per cluster view, built once, not once per member (fleets of a thousand members): the REST APIs (HOST:PORT, any
  // scheme) it lists now, and its members by REST API (scheme, host and port) for naming the members whose
  // /patroni carries no name (before 3.2). And the REST APIs the directory had listed before this scrape.
  std::vector<std::set<std::string>> listed_now(options_.clusters.size());
  std::vector<std::optional<MemberNames>> names(options_.clusters.size());
  for (std::size_t c = 0; c < options_.clusters.size(); ++c) {
    if (!s->views[c]) continue;
    for (const ListedMember& m : s->listed[c]) {
      if (m.api_url) listed_now[c].insert(m.api_url->HostPort());
    }
    names[c].emplace(s->listed[c]);
  }
  std::set<std::string> listed_before;
  for (const DirectoryMember& m : s->remembered) {
    if (m.listed && m.api_url) listed_before.insert(m.api_url->HostPort());
  }
  std::set<std::pair<std::string, std::string>> members_seen;
  std::map<std::string, int> running_primaries;  // scope -> count, in first-seen order of scopes below
  std::vector<std::string> scopes_in_order;
  for (std::size_t i = 0; i < s->plan.slots().size(); ++i) {
    const Slot& slot = s->plan.slot(i);
    if (slot.endpoint != Endpoint::kPatroni) continue;
    const std::size_t c = slot.cluster;
    const std::string target = slot.url.ToString();
    std::optional<NodeStatus> status;
    if (i < s->patroni_read.size() && s->patroni_read[i]) {
      status = std::move(s->patroni_read[i]->status);
      s->plan.failure(i) = std::move(s->patroni_read[i]->failure);
    } else {
      status = ReadPatroniAnswer(s->plan.response(i), target, &s->plan.failure(i));
    }
    if (status) {
      const std::string member =
          ResolveMemberName(status->name, names[c] ? &*names[c] : nullptr, slot.url, *directory_);
      s->identity[target] = {status->scope, member};
      if (status->patroni_version) s->version[target] = status->patroni_version->AsNumber();
      if (members_seen.emplace(status->scope, member).second) {
        TranslateNodeStatus(*status, member, options_.node, out);
      } else {
        Log(LogLevel::kWarn, "two targets are the same Patroni member; exporting it once",
            {{"collector", "patroni"}, {"target", target}, {"scope", status->scope}, {"name", member}});
      }
      if (!s->answered_scope[c]) s->answered_scope[c] = status->scope;
      if (running_primaries.emplace(status->scope, 0).second) scopes_in_order.push_back(status->scope);
      const bool primary = status->role == "master" || status->role == "primary";
      if (primary && status->state == "running") ++running_primaries[status->scope];
      directory_->ObservePatroniAnswer(options_.clusters[c].name, slot.url, status->scope, member,
                                       primary || status->role == "standby_leader", s->now);
    } else {
      directory_->ObservePatroniFailure(slot.url);
    }
    // A remembered member that /cluster no longer lists and whose Patroni is gone was removed (scale-in) or died:
    // no up sample, so it pages nobody; its PostgreSQL is still queried (patroni_pg_orphaned_primary).
    const bool listed = (s->views[c] ? listed_now[c] : listed_before).count(slot.url.HostPort()) > 0;
    // Looked up now, before EmitClusters records this scrape's views in the directory.
    if (status || listed || IsSeed(options_.clusters[c], slot.url)) {
      s->ups.push_back({target, c, bool(status), KnownScope(s->identity, *directory_, slot.url)});
    }
    const SlotFailure& f = s->plan.failure(i);
    failures_->Record(target, "/patroni", f.kind, f.detail);
  }
  for (const std::string& scope : scopes_in_order) {
    out->AddGauge("patroni_cluster_running_primaries",
                  "Members polled in this scrape whose own GET /patroni says primary with PostgreSQL running; "
                  "more than 1 is split brain.",
                  {{"scope", scope}}, running_primaries[scope]);
  }
}

void PatroniCollector::EmitClusters(Scrape* s, MetricSet* out) const {
  for (std::size_t c = 0; c < options_.clusters.size(); ++c) {
    if (!s->views[c]) continue;
    const ClusterTarget& cluster = options_.clusters[c];
    const std::size_t speaker = *s->speaker[c];
    s->scope[c] = ResolveScope(*s->views[c], s->answered_scope[c], s->plan.slot(speaker).url, cluster.name,
                               s->remembered, *directory_);
    if (!s->scope[c]) {
      s->plan.failure(speaker) = {"missing_scope",
                                  "GET /cluster has no scope (Patroni < 3.2) and no member of cluster " + cluster.name +
                                      " has answered GET /patroni to name it: cluster-wide families "
                                      "skipped"};
      continue;
    }
    directory_->ObserveCluster(cluster.name, *s->scope[c], s->listed[c], s->now);
    if (options_.cluster_view) {
      // Made in FetchAll under the view's own scope, which ResolveScope returns first: the same families, and
      // added to `out` at the same point as translating here would.
      if (s->cluster_families[c] && s->views[c]->scope == s->scope[c]) {
        out->Merge(std::move(*s->cluster_families[c]));
      } else {
        TranslateCluster(*s->views[c], *s->scope[c], out);
      }
    }
    if (!cluster.discovery) continue;
    for (std::size_t i = 0; i < s->views[c]->members.size(); ++i) {
      if (s->listed[c][i].api_url) continue;  // parsed once (PickViews); the error is read again for the few without
      const ClusterMember& m = s->views[c]->members[i];
      std::string error;
      if (m.api_url) ParseBaseUrl(*m.api_url, &error);
      ++s->other_failures;
      failures_->Record(*s->scope[c] + "/" + m.name, "/patroni", "no_api_url",
                        "member " + m.name + " of scope " + *s->scope[c] +
                            " is listed by GET /cluster without a "
                            "usable api_url" +
                            (error.empty() ? "" : " (" + error + ")") + ": discovery cannot poll it");
    }
  }
  // After the views: a target's scope is what its own /patroni named this scrape, else what the directory
  // remembers of that REST API, else its cluster's resolved scope (a seed or a listed member that is down).
  for (const Scrape::Up& u : s->ups) {
    out->AddGauge("patroni_up",
                  "1 if the Patroni REST API at target answered GET /patroni with a valid status, 0 otherwise.",
                  TargetLabels(u.target, u.scope ? u.scope : s->scope[u.cluster]), u.up ? 1 : 0);
  }
  for (const std::size_t i : s->seed_cluster_slots) {
    const Slot& slot = s->plan.slot(i);
    const std::string target = slot.url.ToString();
    std::optional<std::string> scope = KnownScope(s->identity, *directory_, slot.url);
    if (!scope) scope = s->scope[slot.cluster];
    out->AddGauge("patroni_cluster_up",
                  "1 if the Patroni REST API at target answered GET /cluster with a valid cluster, 0 otherwise.",
                  TargetLabels(target, scope), s->valid_cluster_slots.count(i) ? 1 : 0);
  }
  for (std::size_t i = 0; i < s->plan.slots().size(); ++i) {
    const Slot& slot = s->plan.slot(i);
    if (slot.endpoint != Endpoint::kCluster) continue;
    const SlotFailure& f = s->plan.failure(i);
    failures_->Record(slot.url.ToString() + "/cluster", "/cluster", f.kind, f.detail);
  }
}

namespace {

// The timeline the newest row of /history switched to (1 for an empty history); empty when that row is unreadable.
std::optional<double> LastHistoryTimeline(const History& history) {
  if (history.rows.empty()) return 1;
  if (!history.rows.back()) return std::nullopt;
  return static_cast<double>(history.rows.back()->timeline) + 1;
}

}  // namespace

// The answer asked this scrape replaces the kept one, or drops it when it failed (counted and logged as without
// the cache); whichever answer is left is what the families show.
void PatroniCollector::EmitClusterWide(Scrape* s, MetricSet* out) {
  const bool cached = options_.cluster_wide_refresh_interval.count() > 0;
  for (std::size_t c = 0; c < options_.clusters.size(); ++c) {
    if (!s->views[c]) continue;
    const std::optional<std::string>& scope = s->scope[c];
    if (options_.config_view) {
      CachedAnswer<DynamicConfig>& kept = cache_[c].config;
      if (const std::optional<std::size_t> i = s->config_slot[c]) {
        SlotFailure& f = s->plan.failure(*i);
        kept = {ReadConfigAnswer(s->plan.response(*i), &f), s->now, s->signals[c]};
        const Slot& slot = s->plan.slot(*i);
        failures_->Record(slot.url.ToString() + slot.path, slot.path, f.kind, f.detail);
      }
      if (kept.value && scope) {
        TranslateDynamicConfig(*kept.value, *scope, out);
        if (const std::optional<bool> failsafe_mode = FailsafeModeOf(*kept.value)) {
          EmitFailsafeEnabled(*s, *scope, *failsafe_mode, out);
        }
      }
    }
    if (options_.history_view) {
      CachedAnswer<History>& kept = cache_[c].history;
      if (const std::optional<std::size_t> i = s->history_slot[c]) {
        SlotFailure& f = s->plan.failure(*i);
        kept = {ReadHistoryAnswer(s->plan.response(*i), &f), s->now, s->signals[c]};
        // A failover's new row lands a loop or so after the timeline shows it: until then, ask at every scrape.
        if (kept.value) {
          const std::optional<double> last = LastHistoryTimeline(*kept.value);
          kept.recheck = last && s->signals[c].max_timeline && *last < *s->signals[c].max_timeline;
        }
        const Slot& slot = s->plan.slot(*i);
        failures_->Record(slot.url.ToString() + slot.path, slot.path, f.kind, f.detail);
      }
      if (kept.value && scope) TranslateHistory(*kept.value, *scope, out);
    }
  }
  if (!cached) return;
  for (std::size_t c = 0; c < options_.clusters.size(); ++c) {
    if (!s->views[c] || !s->scope[c]) continue;
    const auto age = [&](const Clock::time_point fetched, const char* endpoint) {
      out->AddGauge("patroni_exporter_cached_answer_age_seconds",
                    "Seconds since the GET /config or /history answer whose families this scrape shows was fetched "
                    "(--patroni.config-refresh-interval).",
                    {{"scope", *s->scope[c]}, {"endpoint", endpoint}},
                    std::chrono::duration<double>(s->now - fetched).count());
    };
    if (options_.config_view && cache_[c].config.value) age(cache_[c].config.fetched, "/config");
    if (options_.history_view && cache_[c].history.value) age(cache_[c].history.fetched, "/history");
  }
}

// Native patroni_failsafe_mode_enabled (Patroni's main branch after 4.1.4) is each process's reading of the
// dynamic configuration (ha.is_failsafe_mode); /patroni does not carry it, so the scope's /config stands in, for
// each member of that scope this scrape polled, once per member. Failsafe mode exists from Patroni 3.0.0: older
// members get no sample.
void PatroniCollector::EmitFailsafeEnabled(const Scrape& s, const std::string& scope, bool enabled, MetricSet* out) {
  constexpr double kFailsafeSince = 30000;  // 3.0.0
  // Sorted by member name, not by target: targets sort by their ports, which would make the order of the
  // samples depend on where the members listen.
  std::set<std::string> named;
  for (const auto& [target, who] : s.identity) {
    if (who.first != scope) continue;
    const auto version = s.version.find(target);
    if (version == s.version.end() || version->second < kFailsafeSince) continue;
    named.insert(who.second);
  }
  for (const std::string& name : named) {
    out->AddGauge("patroni_failsafe_mode_enabled",
                  "Value is 1 if failsafe_mode is enabled in the scope's dynamic configuration (GET /config), 0 "
                  "otherwise.",
                  {{"scope", scope}, {"name", name}}, enabled ? 1 : 0);
  }
}

void PatroniCollector::EmitHealth(Scrape* s, MetricSet* out) const {
  for (std::size_t i = 0; i < s->plan.slots().size(); ++i) {
    const Slot& slot = s->plan.slot(i);
    if (slot.endpoint != Endpoint::kHealth) continue;
    const auto who = s->identity.find(slot.url.ToString());
    SlotFailure& f = s->plan.failure(i);
    const std::optional<bool> healthy = ReadHealthAnswer(s->plan.response(i), &f);
    // The member's /patroni failed too: its up gauge and log line already say so.
    if (who == s->identity.end()) {
      f = {};
      continue;
    }
    // An endpoint newer than the member's Patroni: its generic answer (503) would read as "down"; no sample, and
    // nothing failed. An unknown version is not assumed new enough.
    if (slot.since > 0) {
      const auto version = s->version.find(slot.url.ToString());
      if (version == s->version.end() || version->second < slot.since) {
        f = {};
        continue;
      }
    }
    if (healthy) {
      out->AddGauge("patroni_health_check",
                    "1 if the member's health endpoint answers 200 (what a load balancer or probe sees), 0 if 503.",
                    {{"scope", who->second.first}, {"name", who->second.second}, {"endpoint", slot.path}},
                    *healthy ? 1 : 0);
    }
    failures_->Record(slot.url.ToString() + slot.path, slot.path, f.kind, f.detail, f.expected);
  }
}

std::string PatroniCollector::Finish(Scrape* s, MetricSet* out) {
  if (options_.export_failure_counter) failures_->AddTo(out);
  std::size_t failed = s->other_failures;
  for (const SlotFailure& f : s->plan.failures()) failed += f.failed() && !f.expected ? 1 : 0;
  if (failed == 0) return "";
  return std::to_string(failed) + " of " + std::to_string(s->plan.slots().size()) + " Patroni requests failed";
}

std::string PatroniCollector::Collect(const ScrapeContext& context, MetricSet* out) {
  std::lock_guard<std::mutex> lock(mutex_);
  // Marked done however this ends: the postgres collector may be waiting for it (WaitForUpdatesBegun).
  directory_->BeginUpdate();
  struct Done {
    MemberDirectory& directory;
    ~Done() { directory.MarkUpdated(); }
  } done{*directory_};
  Scrape s(options_.clusters,
           options_.health_view ? HealthRequests(options_.health_max_lag) : std::vector<HealthRequest>{});
  s.now = Clock::now();
  s.remembered = directory_->Snapshot(s.now);
  FetchAll(context, &s);
  EmitMembers(&s, out);
  EmitClusters(&s, out);
  EmitClusterWide(&s, out);
  EmitHealth(&s, out);
  return Finish(&s, out);
}

}  // namespace patroni_exporter
