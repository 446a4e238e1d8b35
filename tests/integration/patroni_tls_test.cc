// The real exporter binary against a real Patroni 3.0.2 whose REST API speaks HTTPS and requires client
// certificates (scripts/lab.sh with LAB_TLS=1: restapi certfile/keyfile/cafile, verify_client: required).
//
// Needs that lab: PATRONI_EXPORTER_TLS_LAB_DIR (default /tmp/patroni-exporter-tls-lab) holding its lab.env.
// ctest starts and stops it as the fixture patroni_tls_lab (tests/CMakeLists.txt); run by hand, the tests skip
// with a message saying how to start it. Checks: CA + client certificate gives every native node family and up
// 1 from every member, discovered over https; no client certificate, a certificate of an unrelated CA, or no
// CA (system trust) each give up 0 with the reason in the log; --patroni.insecure-skip-verify still sends the
// client certificate, works, and warns at startup; --config.file's per-cluster TLS and /probe over https.
#include <curl/curl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <thread>

#include "collectors/http_client.h"
#include "tests/support/lab.h"
#include "tests/support/testdata.h"

namespace patroni_exporter {
namespace {

using namespace patroni_exporter::testing;
using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

class PatroniTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { curl_global_init(CURL_GLOBAL_DEFAULT); }

  void SetUp() override {
    std::string why_not;
    lab_ = ReadTlsLabEnv(&why_not);
    if (lab_.empty()) GTEST_SKIP() << why_not;
    urls_ = Split(lab_["LAB_PATRONI_URLS"]);
    names_ = Split(lab_["LAB_MEMBER_NAMES"]);
    ASSERT_GE(urls_.size(), 2u) << "the TLS lab needs 2 members, so that discovery has someone to find";
    ASSERT_EQ(urls_.size(), names_.size());
    for (const std::string& url : urls_) ASSERT_EQ(url.rfind("https://", 0), 0u) << url;
    log_file_ = ::testing::TempDir() + "patroni_tls_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".log";
    std::remove(log_file_.c_str());
  }

  // The exporter with the first member as its only seed and discovery on, plus `flags`; its output in log_file_.
  std::unique_ptr<ExporterProcess> Start(const std::vector<std::string>& flags) {
    std::vector<std::string> all = {
        "--patroni.url",     urls_[0], "--patroni.discovery",           "on", "--log.level", "debug",
        "--patroni.timeout", "3s",     "--collector.node.legacy-master"};
    all.insert(all.end(), flags.begin(), flags.end());
    auto exporter = std::make_unique<ExporterProcess>(all, ExporterLaunch{log_file_, {}});
    EXPECT_TRUE(exporter->ready()) << ReadFile(log_file_);
    return exporter;
  }
  std::vector<std::string> Ca() const { return {"--patroni.ca-file", lab_.at("LAB_TLS_CA_FILE")}; }
  std::vector<std::string> ClientCert() const {
    return {"--patroni.cert-file", lab_.at("LAB_TLS_CERT_FILE"), "--patroni.key-file", lab_.at("LAB_TLS_KEY_FILE")};
  }
  static std::vector<std::string> Join(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }
  // Scrapes until `condition` holds or `limit` passes; returns the last scrape.
  static std::string ScrapeUntil(ExporterProcess& exporter, seconds limit,
                                 const std::function<bool(const std::string&)>& condition) {
    const auto end = std::chrono::steady_clock::now() + limit;
    std::string text = exporter.Get("/metrics");
    while (!condition(text) && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      text = exporter.Get("/metrics");
    }
    return text;
  }
  std::optional<double> Up(const std::string& text, std::size_t member) const {
    return Find(text, "patroni_up", {"target=\"" + urls_[member] + "\""});
  }
  // The log so far, once the exporter has stopped (so nothing is left unflushed).
  std::string StopAndReadLog(std::unique_ptr<ExporterProcess>& exporter) {
    EXPECT_TRUE(exporter->Stop());
    return ReadFile(log_file_);
  }
  // Expects up 0 for the seed, a failure line for each of its two requests (/patroni and /cluster), and
  // `reason` (a regex) in at least one of them. Not in each: when the server refuses after the client's side of
  // a TLS 1.3 handshake, a request that writes before the alert is read fails with whatever the closed socket
  // gives it first (seen: "getpeername() failed", "Send failure: Connection reset by peer").
  void ExpectRefused(const std::vector<std::string>& flags, const std::string& reason) {
    auto exporter = Start(flags);
    const std::string text = exporter->Get("/metrics");
    EXPECT_EQ(Up(text, 0), 0) << text;
    EXPECT_EQ(Find(text, "patroni_cluster_up", {"target=\"" + urls_[0] + "\""}), 0);
    EXPECT_FALSE(Find(text, "patroni_primary", {})) << "no member data without a TLS session";
    const std::string log = StopAndReadLog(exporter);
    std::vector<std::string> failed_lines;
    bool reason_given = false;
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);) {
      if (line.find("Patroni target failed") == std::string::npos) continue;
      if (line.find("target=" + urls_[0] + " ") == std::string::npos &&
          line.find("target=" + urls_[0] + "/cluster ") == std::string::npos) {
        continue;
      }
      failed_lines.push_back(line);
      reason_given = reason_given || ::testing::Matches(MatchesRegex(".*(" + reason + ").*"))(line);
    }
    EXPECT_EQ(failed_lines.size(), 2u) << log;
    EXPECT_TRUE(reason_given) << "no failure line of the seed matches " << reason << ":\n" << log;
  }

  std::map<std::string, std::string> lab_;
  std::vector<std::string> urls_, names_;
  std::string log_file_;
};

TEST_F(PatroniTlsTest, CaAndClientCertificateGiveEveryNodeFamilyOfEveryMember) {
  auto exporter = Start(Join(Ca(), ClientCert()));
  const std::string text = ScrapeUntil(*exporter, seconds(15), [&](const std::string& t) {
    for (std::size_t i = 0; i < urls_.size(); ++i) {
      if (Up(t, i) != 1) return false;
    }
    return true;
  });
  // Discovery over https: only urls_[0] is a seed; /cluster's api_url (https) named the others.
  for (std::size_t i = 0; i < urls_.size(); ++i) EXPECT_EQ(Up(text, i), 1) << urls_[i] << "\n" << text;
  EXPECT_EQ(Find(text, "patroni_cluster_up", {"target=\"" + urls_[0] + "\""}), 1);

  // Every family Patroni's own /metrics exports for a member, fetched over the same mutual TLS, is ours too.
  HttpClientOptions options;
  options.tls = {lab_["LAB_TLS_CA_FILE"], lab_["LAB_TLS_CERT_FILE"], lab_["LAB_TLS_KEY_FILE"], false};
  const HttpClient client(options);
  for (std::size_t i = 0; i < urls_.size(); ++i) {
    const HttpResponse native = client.Get(urls_[i] + "/metrics");
    ASSERT_TRUE(native.ok()) << urls_[i] << ": " << native.FailureReason();
    std::set<std::string> families;
    std::istringstream lines(native.body);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("# TYPE ", 0) == 0) families.insert(Split(line)[2]);
    }
    EXPECT_GE(families.size(), 15u) << native.body;
    for (const std::string& family : families) {
      EXPECT_TRUE(Find(text, family, {"name=\"" + names_[i] + "\""}).has_value()) << family << " of " << names_[i];
    }
  }
  for (const std::string& name : names_) {
    EXPECT_TRUE(Find(text, "patroni_cluster_member_info", {"member=\"" + name + "\""}).has_value()) << name;
  }
  const std::string log = StopAndReadLog(exporter);
  EXPECT_THAT(log, Not(HasSubstr("Patroni target failed")));
  EXPECT_THAT(log, Not(HasSubstr("verification"))) << "no insecure warning when verifying";
}

TEST_F(PatroniTlsTest, WithoutClientCertificatePatroniRefusesTheHandshake) {
  // TLS 1.3: the client's side of the handshake is done before Patroni checks for a certificate, so the
  // "certificate required" alert arrives with the first read (of one request at least: ExpectRefused).
  ExpectRefused(Ca(), "certificate required|handshake|alert");
}

TEST_F(PatroniTlsTest, ClientCertificateOfAnUnrelatedCaIsRefused) {
  ExpectRefused(Join(Ca(), {"--patroni.cert-file", lab_["LAB_TLS_OTHER_CERT_FILE"], "--patroni.key-file",
                            lab_["LAB_TLS_OTHER_KEY_FILE"]}),
                // Patroni aborts the handshake (unknown ca); curl names the alert or the dropped connection.
                "unknown ca|alert|handshake|getpeername|reset");
}

TEST_F(PatroniTlsTest, SystemTrustDoesNotTrustTheLabCa) {
  ExpectRefused(ClientCert(), "SSL certificate problem|certificate verify failed");
}

TEST_F(PatroniTlsTest, InsecureSkipVerifyStillSendsTheClientCertificateAndWarns) {
  auto exporter = Start(Join(ClientCert(), {"--patroni.insecure-skip-verify"}));
  const std::string text = ScrapeUntil(*exporter, seconds(15), [&](const std::string& t) { return Up(t, 1) == 1; });
  for (std::size_t i = 0; i < urls_.size(); ++i) EXPECT_EQ(Up(text, i), 1) << urls_[i];
  const std::string log = StopAndReadLog(exporter);
  EXPECT_THAT(log, HasSubstr("TLS verification of Patroni's certificate is off"));
  EXPECT_THAT(log, HasSubstr("level=warn"));
}

TEST_F(PatroniTlsTest, ConfigFileTlsPerClusterAndProbeOverHttps) {
  const std::string file = ::testing::TempDir() + "patroni_tls_config.yml";
  {
    std::ofstream out(file);
    out << "clusters:\n"
        << "  - name: tls\n"
        << "    seeds: [" << urls_[0] << "]\n"
        << "    discovery: on\n"
        << "    tls:\n"
        << "      ca_file: " << lab_["LAB_TLS_CA_FILE"] << "\n"
        << "      cert_file: " << lab_["LAB_TLS_CERT_FILE"] << "\n"
        << "      key_file: " << lab_["LAB_TLS_KEY_FILE"] << "\n";
  }
  // No --patroni.* TLS flags: the file's cluster brings its own.
  auto exporter =
      std::make_unique<ExporterProcess>(std::vector<std::string>{"--config.file", file}, ExporterLaunch{log_file_, {}});
  ASSERT_TRUE(exporter->ready()) << ReadFile(log_file_);
  const std::string text = ScrapeUntil(*exporter, seconds(15), [&](const std::string& t) { return Up(t, 1) == 1; });
  for (std::size_t i = 0; i < urls_.size(); ++i) EXPECT_EQ(Up(text, i), 1) << urls_[i];
  // /probe of the configured seed uses that cluster's TLS settings.
  long status = 0;
  const std::string probe = exporter->Get("/probe?target=" + urls_[0], &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(Find(probe, "probe_success", {}), 1) << probe;
  EXPECT_EQ(Find(probe, "patroni_up", {"target=\"" + urls_[0] + "\""}), 1);
  std::remove(file.c_str());
}

}  // namespace
}  // namespace patroni_exporter
