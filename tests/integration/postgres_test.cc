// PostgreSQL's own replication view, with the real binary on the real local cluster (scripts/lab.sh): each
// member's PostgreSQL 15 reached at the address /cluster gives, compared with pg_stat_replication read by hand,
// replay paused under writes, a standby gone, a role without pg_monitor, and a role with unusual session settings.
#include <curl/curl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>

#include "tests/support/lab.h"
#include "tests/support/testdata.h"

namespace patroni_exporter {
namespace {

using namespace patroni_exporter::testing;
using std::chrono::milliseconds;
using std::chrono::seconds;

class PostgresTest : public LabClusterTest {
 protected:
  std::unique_ptr<ExporterProcess> Start(const std::string& dsn_template) {
    std::vector<std::string> flags = {"--patroni.discovery", "on", "--postgres.dsn-template", dsn_template};
    for (const std::string& url : urls_) flags.insert(flags.end(), {"--patroni.url", url});
    auto exporter = std::make_unique<ExporterProcess>(flags);
    EXPECT_TRUE(exporter->ready());
    return exporter;
  }
  std::string Template() const {
    return "user=postgres dbname=postgres sslmode=disable passfile=" + lab_.at("LAB_PGPASSFILE");
  }
  // psql as the lab's superuser on member `i`.
  std::string Psql(std::size_t i, const std::string& sql) const {
    return RunCommand("PGPASSFILE=" + lab_.at("LAB_PGPASSFILE") + " psql -X -q -At -h 127.0.0.1 -p " + ports_[i] +
                      " -U postgres -d postgres -c \"" + sql + "\" 2>&1");
  }
  std::size_t Leader(const std::string& text) const { return PrimaryIndex(text, names_); }
};

TEST_F(PostgresTest, IdleClusterShowsNoLagAndAgreesWithPgStatReplication) {
  auto exporter = Start(Template());
  std::string text = exporter->Get("/metrics");
  const std::size_t leader = Leader(text);
  ASSERT_LT(leader, names_.size());
  for (const std::string& n : names_) {
    EXPECT_EQ(Find(text, "patroni_pg_up", {"name=\"" + n + "\""}), 1) << n;
    EXPECT_EQ(Find(text, "patroni_pg_monitor_privilege", {"name=\"" + n + "\""}), 1) << n;
  }
  // By hand: the standbys the leader streams to. An earlier test (a failover, a stopped member) may leave a
  // standby still reconnecting, so wait until every one streams (seen in the ASan run), at most 30 s.
  std::string by_hand;
  for (int attempt = 0; attempt < 120; ++attempt) {
    by_hand = Psql(leader, "SELECT application_name FROM pg_stat_replication ORDER BY 1");
    bool all = true;
    for (std::size_t i = 0; i < names_.size(); ++i)
      all = all && (i == leader || by_hand.find(names_[i]) != std::string::npos);
    if (all) break;
    std::this_thread::sleep_for(milliseconds(250));
  }
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (i == leader) continue;
    EXPECT_NE(by_hand.find(names_[i]), std::string::npos) << by_hand;
    const std::vector<std::string> who = {"name=\"" + names_[leader] + "\"", "application_name=\"" + names_[i] + "\""};
    // Idle: nothing in flight (Patroni itself writes nothing between checkpoints).
    EXPECT_TRUE(WaitFor(*exporter, seconds(20), [&](const std::string& t) {
      return Find(t, "patroni_pg_replication_replay_lag_bytes", who) == 0 &&
             Find(t, "patroni_pg_replay_delay_seconds", {"name=\"" + names_[i] + "\""}) == 0;
    })) << names_[i];
    text = exporter->Get("/metrics");
    EXPECT_EQ(Find(text, "patroni_pg_in_recovery", {"name=\"" + names_[i] + "\""}), 1);
    EXPECT_EQ(Find(text, "patroni_pg_wal_receiver_streaming", {"name=\"" + names_[i] + "\""}), 1);
    EXPECT_EQ(Find(text, "patroni_pg_replication_slot_active",
                   {"name=\"" + names_[leader] + "\"", "slot_name=\"" + names_[i] + "\""}),
              1);
  }
  EXPECT_EQ(Find(text, "patroni_pg_in_recovery", {"name=\"" + names_[leader] + "\""}), 0);
}

TEST_F(PostgresTest, PausedReplayGrowsReplayLagButNotWriteLag) {
  auto exporter = Start(Template());
  const std::size_t leader = Leader(exporter->Get("/metrics"));
  ASSERT_LT(leader, names_.size());
  const std::size_t standby = (leader + 1) % names_.size();
  // The delay is the age of the last replayed commit, and pg_last_xact_replay_timestamp() is NULL until the
  // standby replays one after its start: if an earlier test restarted it, the delay is unknown (no sample, as it
  // must be). So one commit replayed first.
  Psql(leader, "CREATE TABLE IF NOT EXISTS exporter_lag_test AS SELECT g FROM generate_series(1, 1) g");
  Psql(leader, "INSERT INTO exporter_lag_test VALUES (0)");
  bool replayed_once = false;
  for (int i = 0; i < 80 && !replayed_once; ++i) {
    replayed_once = Psql(standby, "SELECT pg_last_xact_replay_timestamp() IS NOT NULL") == "t\n";
    if (!replayed_once) std::this_thread::sleep_for(milliseconds(250));
  }
  ASSERT_TRUE(replayed_once) << "standby " << names_[standby] << " replayed no commit in 20 s";
  // Patroni 3.0.2 undoes pg_wal_replay_pause() within one loop unless the cluster is paused (docs/lab.md, pitfall 11).
  Lab("patronictl pause --wait");
  const std::string paused = Psql(standby, "SELECT pg_wal_replay_pause(); SELECT pg_is_wal_replay_paused()");
  EXPECT_EQ(paused, "\nt\n") << paused;
  Psql(leader, "INSERT INTO exporter_lag_test SELECT generate_series(1, 200000)");
  const std::vector<std::string> who = {"name=\"" + names_[leader] + "\"",
                                        "application_name=\"" + names_[standby] + "\""};
  double first_delay = 0;
  const bool lagging = WaitFor(*exporter, seconds(20), [&](const std::string& t) {
    const auto replay = Find(t, "patroni_pg_replication_replay_lag_bytes", who);
    const auto write = Find(t, "patroni_pg_replication_write_lag_bytes", who);
    const auto delay = Find(t, "patroni_pg_replay_delay_seconds", {"name=\"" + names_[standby] + "\""});
    first_delay = delay.value_or(0);
    return replay > 1e6 && write && *write < 1e6 && delay > 0;
  });
  std::this_thread::sleep_for(seconds(2));
  const std::string later = exporter->Get("/metrics");
  Psql(standby, "SELECT pg_wal_replay_resume()");
  Psql(leader, "DROP TABLE IF EXISTS exporter_lag_test");
  Lab("patronictl resume --wait");
  EXPECT_TRUE(lagging);
  // Seconds grow while replay stands still.
  EXPECT_GT(Find(later, "patroni_pg_replay_delay_seconds", {"name=\"" + names_[standby] + "\""}).value_or(0),
            first_delay + 1);
  EXPECT_GT(Find(later, "patroni_pg_replay_lag_bytes", {"name=\"" + names_[standby] + "\""}).value_or(0), 1e6);
  // And recovers once replay resumes.
  EXPECT_TRUE(WaitFor(*exporter, seconds(30), [&](const std::string& t) {
    return Find(t, "patroni_pg_replication_replay_lag_bytes", who) < 1e6;
  }));
}

TEST_F(PostgresTest, RoleWithoutPgMonitorGivesTheExplicitSignal) {
  auto probe = Start(Template());
  const std::size_t leader = Leader(probe->Get("/metrics"));
  ASSERT_LT(leader, names_.size());
  probe.reset();
  // A login role with nothing granted, its password in a passfile of its own.
  Psql(leader, "DROP ROLE IF EXISTS exporter_nomon");
  Psql(leader, "CREATE ROLE exporter_nomon LOGIN PASSWORD 'nomon-planted-secret'");
  const std::string passfile = ::testing::TempDir() + "/nomon.pgpass";
  WriteFile(passfile, "*:*:*:exporter_nomon:nomon-planted-secret\n");
  chmod(passfile.c_str(), 0600);
  auto exporter = Start("user=exporter_nomon dbname=postgres sslmode=disable passfile=" + passfile);
  const std::string name = "name=\"" + names_[leader] + "\"";
  // The leader's four samples in the latest scrape (WaitFor shows each scrape to the second callback first),
  // also for the failure message.
  std::optional<double> up, privilege, hidden, replay_lag;
  const bool signalled = WaitFor(
      *exporter, seconds(20),
      [&](const std::string&) { return up == 1 && privilege == 0 && hidden == 2 && !replay_lag; },
      [&](const std::string& t) {
        up = Find(t, "patroni_pg_up", {name});
        privilege = Find(t, "patroni_pg_monitor_privilege", {name});
        hidden = Find(t, "patroni_pg_replication_hidden_rows", {name});
        replay_lag = Find(t, "patroni_pg_replication_replay_lag_bytes", {name});
      });
  const auto shown = [](std::optional<double> v) { return v ? std::to_string(*v) : std::string("absent"); };
  const std::string last_seen = "pg_up " + shown(up) + ", monitor_privilege " + shown(privilege) +
                                ", hidden_rows " + shown(hidden) + ", a replay_lag_bytes " + shown(replay_lag);
  const std::string text = exporter->Get("/metrics");
  exporter.reset();
  // What the leader's PostgreSQL itself counts, as the lab's superuser sees it.
  const std::string streaming = Psql(leader, "SELECT count(*) FROM pg_stat_replication");
  Psql(leader, "DROP ROLE IF EXISTS exporter_nomon");
  EXPECT_TRUE(signalled) << names_[leader] << " last seen: " << last_seen
                         << "; pg_stat_replication rows now: " << streaming;
  EXPECT_EQ(text.find("nomon-planted-secret"), std::string::npos);
}

// A monitoring role whose own session settings change how PostgreSQL prints intervals, dates and floats (ALTER
// ROLE ... SET, as a DBA may do for humans using that role) must see the same values as the lab's superuser with
// the defaults: the exporter's SQL returns plain numbers, so no setting can turn a lag into an unreadable text.
TEST_F(PostgresTest, RoleSessionSettingsDoNotChangeLagSeconds) {
  auto reference = Start(Template());
  const std::size_t leader = Leader(reference->Get("/metrics"));
  ASSERT_LT(leader, names_.size());
  Psql(leader, "DROP ROLE IF EXISTS exporter_iso");
  Psql(leader, "CREATE ROLE exporter_iso LOGIN PASSWORD 'iso-planted-secret' IN ROLE pg_monitor");
  for (const char* setting : {"IntervalStyle = 'iso_8601'", "DateStyle = 'SQL, DMY'", "TimeZone = 'Pacific/Chatham'",
                              "extra_float_digits = -15"}) {
    Psql(leader, std::string("ALTER ROLE exporter_iso SET ") + setting);
  }
  const std::string passfile = ::testing::TempDir() + "/iso.pgpass";
  WriteFile(passfile, "*:*:*:exporter_iso:iso-planted-secret\n");
  chmod(passfile.c_str(), 0600);
  auto iso = Start("user=exporter_iso dbname=postgres sslmode=disable passfile=" + passfile);
  Psql(leader, "CREATE TABLE IF NOT EXISTS exporter_iso_test (g int)");
  // write_lag, flush_lag and replay_lag are NULL on an idle primary: a commit just before each pair of scrapes
  // makes PostgreSQL show the lags it measured for it. Both exporters then scrape back to back.
  struct Sample {
    std::string family;
    std::vector<std::string> labels;
  };
  std::vector<Sample> samples;
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (i == leader) continue;
    const std::vector<std::string> sender = {"name=\"" + names_[leader] + "\"",
                                             "application_name=\"" + names_[i] + "\""};
    for (const char* family :
         {"patroni_pg_replication_write_lag_seconds", "patroni_pg_replication_flush_lag_seconds",
          "patroni_pg_replication_replay_lag_seconds", "patroni_pg_replication_reply_age_seconds"}) {
      samples.push_back({family, sender});
    }
    const std::vector<std::string> standby = {"name=\"" + names_[i] + "\""};
    samples.push_back({"patroni_pg_replay_delay_seconds", standby});
    samples.push_back({"patroni_pg_wal_receiver_last_message_age_seconds", standby});
  }
  std::string reference_text, iso_text;
  bool all_in_reference = false;
  for (int attempt = 0; attempt < 40 && !all_in_reference; ++attempt) {
    Psql(leader, "INSERT INTO exporter_iso_test VALUES (1)");
    std::this_thread::sleep_for(milliseconds(300));
    reference_text = reference->Get("/metrics");
    iso_text = iso->Get("/metrics");
    all_in_reference = true;
    for (const Sample& s : samples) all_in_reference = all_in_reference && Find(reference_text, s.family, s.labels);
  }
  iso.reset();
  Psql(leader, "DROP TABLE IF EXISTS exporter_iso_test");
  Psql(leader, "DROP ROLE IF EXISTS exporter_iso");
  ASSERT_TRUE(all_in_reference) << "the superuser's exporter never showed every lag at once:\n" << reference_text;
  EXPECT_EQ(Find(iso_text, "patroni_pg_monitor_privilege", {"name=\"" + names_[leader] + "\""}), 1);
  for (const Sample& s : samples) {
    const std::optional<double> want = Find(reference_text, s.family, s.labels);
    const std::optional<double> got = Find(iso_text, s.family, s.labels);
    if (!got) {
      ADD_FAILURE() << s.family << " " << s.labels.back() << " missing for the role with its own settings";
      continue;
    }
    // Two scrapes a few milliseconds apart: ages grow between them, measured lags may be refreshed.
    EXPECT_NEAR(*got, *want, 0.5) << s.family << " " << s.labels.back();
  }
  // extra_float_digits = -15 makes PostgreSQL print a float8 with one significant digit ("0.4"): ages measured
  // to the microsecond must keep theirs. Two digits or fewer in every one of them is no chance.
  bool precise = false;
  for (const Sample& s : samples) {
    if (s.family.find("_age_seconds") == std::string::npos) continue;
    const std::optional<double> got = Find(iso_text, s.family, s.labels);
    char two_digits[32];
    std::snprintf(two_digits, sizeof two_digits, "%.2g", got.value_or(0));
    precise = precise || (got && *got != std::strtod(two_digits, nullptr));
  }
  EXPECT_TRUE(precise) << "ages rounded by the role's extra_float_digits";
  if (HasFailure()) ADD_FAILURE() << "the role with its own settings saw:\n" << iso_text;
}

TEST_F(PostgresTest, UnreachableDatabaseIsUpZeroAndTheRestIntact) {
  // A template pointing every member at a port nobody listens on.
  auto exporter = Start(Template() + " port=" + std::to_string(FreePort()) + " connect_timeout=2");
  const std::string text = exporter->Get("/metrics");
  for (const std::string& n : names_) {
    EXPECT_EQ(Find(text, "patroni_pg_up", {"name=\"" + n + "\""}), 0) << n;
    EXPECT_EQ(Find(text, "patroni_postgres_running", {"name=\"" + n + "\""}), 1) << n;  // Patroni's view intact
  }
}

TEST_F(PostgresTest, PrimaryViewFollowsASwitchover) {
  auto exporter = Start(Template());
  const std::size_t leader = Leader(exporter->Get("/metrics"));
  ASSERT_LT(leader, names_.size());
  const std::size_t candidate = (leader + 1) % names_.size();
  Lab("patronictl switchover --leader " + names_[leader] + " --candidate " + names_[candidate] + " --force");
  // No reconfiguration: the addresses come from /cluster, so the new primary's senders appear under its name.
  const std::vector<std::string> streaming_to_old = {"name=\"" + names_[candidate] + "\"",
                                                     "application_name=\"" + names_[leader] + "\""};
  EXPECT_TRUE(WaitFor(*exporter, seconds(90), [&](const std::string& t) {
    return Find(t, "patroni_pg_in_recovery", {"name=\"" + names_[candidate] + "\""}) == 0 &&
           Find(t, "patroni_pg_in_recovery", {"name=\"" + names_[leader] + "\""}) == 1 &&
           Find(t, "patroni_pg_replication_replay_lag_bytes", streaming_to_old).has_value() &&
           Find(t, "patroni_pg_wal_receiver_streaming", {"name=\"" + names_[leader] + "\""}) == 1;
  }));
}

TEST_F(PostgresTest, GoneStandbyLeavesAnInactiveSlot) {
  auto exporter = Start(Template());
  const std::size_t leader = Leader(exporter->Get("/metrics"));
  ASSERT_LT(leader, names_.size());
  const std::size_t standby = (leader + 2) % names_.size();
  // Without its Patroni, the standby's PostgreSQL killed stays down; its slot on the leader stays until the
  // member's key expires (ttl), inactive.
  Lab("kill-patroni " + names_[standby]);
  Lab("kill-postgres " + names_[standby]);
  const std::vector<std::string> slot = {"name=\"" + names_[leader] + "\"", "slot_name=\"" + names_[standby] + "\""};
  const bool inactive = WaitFor(*exporter, seconds(15), [&](const std::string& t) {
    return Find(t, "patroni_pg_replication_slot_active", slot) == 0 &&
           Find(t, "patroni_pg_replication_slot_retained_bytes", slot) >= 0 &&
           Find(t, "patroni_pg_up", {"name=\"" + names_[standby] + "\""}) != 1;
  });
  Lab("start-patroni " + names_[standby]);
  EXPECT_TRUE(inactive);
  EXPECT_TRUE(WaitFor(*exporter, seconds(90), [&](const std::string& t) {
    return Find(t, "patroni_pg_up", {"name=\"" + names_[standby] + "\""}) == 1 &&
           Find(t, "patroni_pg_wal_receiver_streaming", {"name=\"" + names_[standby] + "\""}) == 1;
  }));
}

}  // namespace
}  // namespace patroni_exporter
