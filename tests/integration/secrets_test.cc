// A planted password never leaves the exporter: not in its logs (at debug level, logfmt and json), not in
// labels or values, error messages, the landing page, /probe or /-/healthy.
//
// The password is planted in every place one can legitimately give one: PGPASSWORD, a passfile, a client key
// file (whose content is secret) and a basic_auth_users password of --web.config.file (sent by clients, right
// and wrong); and in the one place that is refused, the DSN template. The real binary runs through errors (wrong
// password from each source, unreachable database, a bad DSN, bad TLS) against the TLS lab's real Patroni and
// PostgreSQL (see patroni_tls_test.cc for that lab), and everything it printed (stdout and stderr) and served is
// searched for the password. Each run also checks that its error really happened, so a run that never reached the
// failing code cannot pass by accident.
#include <crypt.h>
#include <curl/curl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <thread>

#include "tests/support/lab.h"
#include "tests/support/testdata.h"

namespace patroni_exporter {
namespace {

using namespace patroni_exporter::testing;
using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> Join(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

void WriteSecretFile(const std::string& path, const std::string& content) {
  std::ofstream(path) << content;
  chmod(path.c_str(), 0600);
}

// One run of the exporter: what it was given, what it printed, what it served.
struct ExporterRun {
  std::string what;
  std::vector<std::string> flags;
  std::vector<std::string> env;
  std::string printed;
  std::string served;
  std::string metrics;  // the last /metrics
  int exit_code = -1;   // when it exited on its own (a refused flag)
};

class SecretsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { curl_global_init(CURL_GLOBAL_DEFAULT); }

  void SetUp() override {
    std::string why_not;
    lab_ = ReadTlsLabEnv(&why_not);
    if (lab_.empty()) GTEST_SKIP() << why_not;
    urls_ = Split(lab_["LAB_PATRONI_URLS"]);
    names_ = Split(lab_["LAB_MEMBER_NAMES"]);
    ASSERT_FALSE(urls_.empty());
    std::random_device random;
    char suffix[17];
    std::snprintf(suffix, sizeof suffix, "%08x%08x", random(), random());
    secret_ = std::string("pe-planted-") + suffix;
    dir_ = ::testing::TempDir() + "secrets-" + suffix;
    mkdir(dir_.c_str(), 0700);
  }

  void TearDown() override {
    if (!HasFailure() && !dir_.empty()) RunCommand("rm -rf '" + dir_ + "'");  // kept for a look when failed
  }

  std::vector<std::string> Tls(const std::string& key_file) const {
    return {"--patroni.ca-file",          lab_.at("LAB_TLS_CA_FILE"), "--patroni.cert-file",
            lab_.at("LAB_TLS_CERT_FILE"), "--patroni.key-file",       key_file};
  }
  // The DSN template the runs share: no password, so libpq takes it from PGPASSWORD or the passfile.
  static std::string Dsn(const std::string& extra = "") {
    return "user=postgres dbname=postgres sslmode=disable connect_timeout=3" + extra;
  }

  // Starts the exporter (seed: the first member, discovery on, debug logs in `format`), scrapes until
  // `reached` holds for /metrics (at most 20 s), then every other endpoint, and stops it.
  void Execute(ExporterRun& run, const std::string& format, const std::function<bool(const std::string&)>& reached) {
    const std::string out = dir_ + "/" + run.what + "-" + format + ".out";
    std::vector<std::string> flags = {"--patroni.url",     urls_[0], "--patroni.discovery", "on",
                                      "--patroni.timeout", "3s",     "--log.level",         "debug",
                                      "--log.format",      format};
    flags.insert(flags.end(), run.flags.begin(), run.flags.end());
    // No passfile or password from this test process's own environment unless the run sets one.
    std::vector<std::string> env = {"PGPASSFILE=" + dir_ + "/none", "PGPASSWORD="};
    env.insert(env.end(), run.env.begin(), run.env.end());
    ExporterProcess exporter(flags, ExporterLaunch{out, env});
    if (exporter.Exited(&run.exit_code)) {
      run.printed = ReadFile(out);
      return;
    }
    ASSERT_TRUE(exporter.ready()) << run.what << ": " << ReadFile(out);
    const auto end = std::chrono::steady_clock::now() + seconds(20);
    do {
      run.metrics = exporter.Get("/metrics");
      run.served += run.metrics;
      if (reached(run.metrics)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    } while (std::chrono::steady_clock::now() < end);
    EXPECT_TRUE(reached(run.metrics)) << run.what << " (" << format << ") never reached its error:\n"
                                      << run.metrics << ReadFile(out);
    long status = 0;
    run.served += exporter.Get("/", &status);
    EXPECT_EQ(status, 200);
    run.served += exporter.Get("/-/healthy", &status);
    EXPECT_EQ(status, 200);
    run.served += exporter.Get("/probe?target=" + urls_[0], &status);  // a configured seed: allowed
    EXPECT_EQ(status, 200);
    run.served += exporter.Get("/probe?target=https://127.0.0.1:1", &status);  // not configured: refused
    EXPECT_EQ(status, 403);
    run.served += exporter.Get("/metrics");
    EXPECT_TRUE(exporter.Stop());
    run.printed = ReadFile(out);
  }

  // A bcrypt hash of `password` at the lowest cost (the exporter accepts any cost; this keeps the test fast).
  static std::string Bcrypt(const std::string& password) {
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    if (crypt_gensalt_rn("$2b$", 4, nullptr, 0, salt, sizeof salt) == nullptr) return "";
    crypt_data data{};
    const char* hash = crypt_r(password.c_str(), salt, &data);
    return hash != nullptr && hash[0] == '$' ? hash : "";
  }
  // GET base + path with basic auth; the body, the status in *status.
  static std::string AuthGet(const std::string& url, const std::string& user, const std::string& password,
                             long* status) {
    std::string body;
    CURL* curl = curl_easy_init();
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_USERNAME, user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, password.c_str());
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 15L);
    curl_easy_setopt(
        curl, CURLOPT_WRITEFUNCTION, +[](char* p, size_t size, size_t n, void* out) {
          static_cast<std::string*>(out)->append(p, size * n);
          return size * n;
        });
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    *status = 0;
    if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(curl);
    return body;
  }
  // Starts the exporter behind basic auth (user `scraper` has the planted password), sends the password with
  // the right user (200), with an unknown user and as the wrong password of `other` (401 each), and stops it.
  void ExecuteWithBasicAuth(ExporterRun& run, const std::string& format) {
    const std::string out = dir_ + "/" + run.what + "-" + format + ".out";
    std::vector<std::string> flags = {"--patroni.url", urls_[0], "--patroni.timeout", "3s",
                                      "--log.level",   "debug",  "--log.format",      format};
    flags.insert(flags.end(), run.flags.begin(), run.flags.end());
    ExporterProcess exporter(flags, ExporterLaunch{out, {}});
    ASSERT_TRUE(exporter.ready()) << run.what << ": " << ReadFile(out);
    long status = 0;
    for (const std::string& path : std::vector<std::string>{"/metrics", "/", "/probe?target=" + urls_[0]}) {
      run.served += AuthGet(exporter.base_url() + path, "scraper", secret_, &status);
      EXPECT_EQ(status, 200) << path;
      run.served += AuthGet(exporter.base_url() + path, "nobody-" + secret_.substr(0, 4), secret_, &status);
      EXPECT_EQ(status, 401) << path;
      run.served += AuthGet(exporter.base_url() + path, "other", secret_, &status);
      EXPECT_EQ(status, 401) << path;
    }
    run.served += exporter.Get("/metrics", &status);  // no credentials at all
    EXPECT_EQ(status, 401);
    EXPECT_TRUE(exporter.Stop());
    run.printed = ReadFile(out);
    EXPECT_THAT(run.printed, HasSubstr("other"));  // the failed checks were logged (by user name)
  }

  void ExpectNoSecret(const ExporterRun& run, const std::vector<std::string>& also_secret = {}) {
    EXPECT_FALSE(run.printed.empty()) << run.what << ": nothing printed at debug level?";
    for (const std::string& s : also_secret) {
      EXPECT_THAT(run.printed, Not(HasSubstr(s))) << run.what << " printed a secret";
      EXPECT_THAT(run.served, Not(HasSubstr(s))) << run.what << " served a secret";
    }
    EXPECT_THAT(run.printed, Not(HasSubstr(secret_))) << run.what << " printed the password:\n" << run.printed;
    EXPECT_THAT(run.served, Not(HasSubstr(secret_))) << run.what << " served the password";
  }
  std::function<bool(const std::string&)> PgUpIs(double value) const {
    return [this, value](const std::string& t) {
      for (const std::string& n : names_) {
        if (Find(t, "patroni_pg_up", {"name=\"" + n + "\""}) != value) return false;
      }
      return true;
    };
  }

  std::map<std::string, std::string> lab_;
  std::vector<std::string> urls_, names_;
  std::string secret_, dir_;
};

TEST_F(SecretsTest, PlantedPasswordIsNeverPrintedOrServed) {
  // The base64 lines of the real client key: its content is as secret as a password.
  std::vector<std::string> key_lines;
  {
    std::istringstream key(ReadFile(lab_["LAB_TLS_KEY_FILE"]));
    for (std::string line; std::getline(key, line);) {
      if (!line.empty() && line.rfind("-----", 0) != 0) key_lines.push_back(line);
    }
    ASSERT_FALSE(key_lines.empty());
  }
  const std::string passfile = dir_ + "/pgpass";
  WriteSecretFile(passfile, "*:*:*:postgres:" + secret_ + "\n");
  const std::string bad_key = dir_ + "/bad-client.key";  // not a key: the password where the key should be
  WriteSecretFile(bad_key, "-----BEGIN PRIVATE KEY-----\n" + secret_ + "\n-----END PRIVATE KEY-----\n");

  for (const std::string format : {"logfmt", "json"}) {
    SCOPED_TRACE(format);
    // 1. A wrong password from PGPASSWORD, with the real client key: PostgreSQL refuses, Patroni answers.
    ExporterRun pgpassword{"pgpassword",
                           Join(Tls(lab_["LAB_TLS_KEY_FILE"]), {"--postgres.dsn-template", Dsn()}),
                           {"PGPASSWORD=" + secret_}};
    Execute(pgpassword, format, PgUpIs(0));
    EXPECT_THAT(pgpassword.printed, HasSubstr("password authentication failed"));
    EXPECT_EQ(Find(pgpassword.metrics, "patroni_up", {"target=\"" + urls_[0] + "\""}), 1);
    ExpectNoSecret(pgpassword, key_lines);

    // 2. A wrong password from a passfile.
    ExporterRun from_passfile{
        "passfile", Join(Tls(lab_["LAB_TLS_KEY_FILE"]), {"--postgres.dsn-template", Dsn(" passfile=" + passfile)})};
    Execute(from_passfile, format, PgUpIs(0));
    EXPECT_THAT(from_passfile.printed, HasSubstr("password authentication failed"));
    ExpectNoSecret(from_passfile, key_lines);

    // 3. An unreachable database (a port nobody listens on), password in PGPASSWORD.
    ExporterRun unreachable{
        "unreachable",
        Join(Tls(lab_["LAB_TLS_KEY_FILE"]), {"--postgres.dsn-template", Dsn(" port=" + std::to_string(FreePort()))}),
        {"PGPASSWORD=" + secret_}};
    Execute(unreachable, format, PgUpIs(0));
    EXPECT_THAT(unreachable.printed, HasSubstr("refused"));
    ExpectNoSecret(unreachable, key_lines);

    // 4. Bad TLS: the key file holds the password instead of a key. Patroni is out of reach: up 0.
    ExporterRun bad_tls{"bad-tls", Join(Tls(bad_key), {"--postgres.dsn-template", Dsn()}), {"PGPASSWORD=" + secret_}};
    Execute(bad_tls, format,
            [&](const std::string& t) { return Find(t, "patroni_up", {"target=\"" + urls_[0] + "\""}) == 0; });
    EXPECT_THAT(bad_tls.printed, HasSubstr("key"));
    ExpectNoSecret(bad_tls);

    // 5. The password in the DSN template: refused at start (exit 2) without repeating it, in each shape.
    for (const std::string& dsn : {"user=postgres password=" + secret_, "postgresql://postgres:" + secret_ + "@x/",
                                   "user=postgres " + secret_, "user=postgres password='" + secret_}) {
      ExporterRun refused{"dsn", {"--postgres.dsn-template", dsn}};
      Execute(refused, format, [](const std::string&) { return false; });
      EXPECT_EQ(refused.exit_code, 2) << dsn << ": " << refused.printed;
      EXPECT_THAT(refused.printed, HasSubstr("--postgres.dsn-template"));
      ExpectNoSecret(refused);
    }

    // 6. Basic auth (--web.config.file): the password of a basic_auth_users entry, sent by a client with the
    //    right and with a wrong user, and sent as the wrong password of another user. Only its bcrypt hash is in
    //    the file (the hash is not the password; the test checks the password alone).
    const std::string web_config = dir_ + "/web.yml";
    WriteSecretFile(web_config, "basic_auth_users:\n  scraper: '" + Bcrypt(secret_) + "'\n  other: '" +
                                    Bcrypt("not-" + secret_) + "'\n");
    ExporterRun basic_auth{"basic-auth", {"--web.config.file", web_config}};
    ExecuteWithBasicAuth(basic_auth, format);
    ExpectNoSecret(basic_auth);
  }
}

}  // namespace
}  // namespace patroni_exporter
