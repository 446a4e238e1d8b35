// Naming a member by its REST API from one scrape's cluster view (collectors/patroni/member_naming.h).
#include "collectors/patroni/member_naming.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace patroni_exporter {
namespace {

BaseUrl Url(const std::string& text) {
  std::string error;
  const std::optional<BaseUrl> url = ParseBaseUrl(text, &error);
  EXPECT_TRUE(url) << text << ": " << error;
  return url.value_or(BaseUrl{});
}

ClusterMember Member(const std::string& name, std::optional<std::string> api_url) {
  ClusterMember m;
  m.name = name;
  m.api_url = std::move(api_url);
  return m;
}

TEST(MemberNamesTest, FindsTheMemberWithTheSameSchemeHostAndPort) {
  ClusterView view;
  view.members = {Member("node1", "http://127.0.0.1:8008/patroni"), Member("node2", "http://127.0.0.1:8009/patroni"),
                  Member("tls", "https://127.0.0.1:8010/patroni"), Member("no-url", std::nullopt),
                  Member("bad-url", "not a url")};
  const MemberNames names(ListedMembers(view));
  EXPECT_EQ(names.Find(Url("http://127.0.0.1:8009")), "node2");
  EXPECT_EQ(names.Find(Url("http://127.0.0.1:8008/patroni")), "node1");  // the path does not matter
  EXPECT_EQ(names.Find(Url("https://127.0.0.1:8010")), "tls");
  EXPECT_EQ(names.Find(Url("http://127.0.0.1:8010")), std::nullopt);  // another scheme is another API
  EXPECT_EQ(names.Find(Url("http://127.0.0.2:8008")), std::nullopt);
  EXPECT_EQ(names.Find(Url("http://127.0.0.1:8011")), std::nullopt);
}

TEST(MemberNamesTest, TheFirstListedMemberWinsASharedApiUrl) {
  ClusterView view;
  view.members = {Member("first", "http://127.0.0.1:8008"), Member("second", "http://127.0.0.1:8008/patroni")};
  EXPECT_EQ(MemberNames(ListedMembers(view)).Find(Url("http://127.0.0.1:8008")), "first");
}

TEST(MemberNamesTest, ResolveMemberNamePrefersOwnNameThenViewThenDirectoryThenHostPort) {
  ClusterView view;
  view.members = {Member("node1", "http://127.0.0.1:8008")};
  const MemberNames names(ListedMembers(view));
  MemberDirectory directory(std::chrono::hours(1));
  const BaseUrl listed = Url("http://127.0.0.1:8008");
  const BaseUrl unknown = Url("http://127.0.0.1:9999");
  EXPECT_EQ(ResolveMemberName(std::string("own"), &names, listed, directory), "own");
  EXPECT_EQ(ResolveMemberName(std::nullopt, &names, listed, directory), "node1");
  EXPECT_EQ(ResolveMemberName(std::nullopt, nullptr, listed, directory), "127.0.0.1:8008");
  EXPECT_EQ(ResolveMemberName(std::nullopt, &names, unknown, directory), "127.0.0.1:9999");
  directory.ObservePatroniAnswer("c", unknown, "demo", "remembered", false, MemberDirectory::Clock::now());
  EXPECT_EQ(ResolveMemberName(std::nullopt, &names, unknown, directory), "remembered");
  EXPECT_EQ(ResolveMemberName(std::nullopt, &names, listed, directory), "node1");  // the view before the directory
}

}  // namespace
}  // namespace patroni_exporter
