// Addresses and HTTP helpers through tollgate.hpp: IpSet built from a CIDR list (lookups by
// bytes, text and in batches, IPv4-mapped, tags compared with a naive prefix matcher over the
// same list), list errors with explain(), images copied (load_copy) and borrowed (load_view,
// misaligned, truncated, corrupted), moves and clones, the built-in ACS view and acs_allows;
// HostSet the same way against a naive host-name matcher;
// bearer_token and check_api_key with every key container; OpenID configuration; the ABI check.
// argv[1] is the repository root.
#include "tollgate.hpp"

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "check.hpp"

namespace {

const char kList[] =
    "# test list\r\n"
    "10.0.0.0/8 1\r\n"
    "10.1.0.0/16 2\n"
    "192.0.2.7\n"
    "2001:db8::/32 4\n"
    "2001:db8:1::/48 8 # nested\n";

// The naive oracle: the OR of the tags of every prefix of kList containing addr (IPv4 only).
std::uint32_t naive_v4(std::uint32_t addr) {
  struct Prefix {
    std::uint32_t net;
    unsigned len;
    std::uint32_t tags;
  };
  const Prefix prefixes[] = {{0x0A000000u, 8, 1}, {0x0A010000u, 16, 2}, {0xC0000207u, 32, 1}};
  std::uint32_t tags = 0;
  for (const Prefix& p : prefixes) {
    std::uint32_t mask = p.len == 0 ? 0 : ~std::uint32_t(0) << (32 - p.len);
    if ((addr & mask) == p.net) tags |= p.tags;
  }
  return tags;
}

void test_build_and_lookup() {
  auto built = tollgate::IpSet::build(kList);
  CHECK_NAME(built, "ok");
  if (!built.ok()) return;
  tollgate::IpSet set = std::move(built).value();
  CHECK(!set.empty() && set.owns_storage());
  CHECK(reinterpret_cast<std::uintptr_t>(set.image_data()) % tollgate::IpSet::kAlign == 0);

  const std::uint8_t a1[4] = {10, 1, 2, 3}, a4[4] = {192, 0, 2, 8};
  const std::uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9};
  const std::uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 0, 1};
  CHECK(set.lookup(a1) == 3);
  CHECK(set.lookup(a4) == 0);
  CHECK(set.lookup(v6) == 12);
  CHECK(set.lookup(mapped) == 3);
  CHECK(set.lookup(a1, 3) == 0);
  CHECK(set.lookup(nullptr, 4) == 0);

  // Every IPv4 address in a spread of /8s, compared with the naive matcher; text and batch
  // lookups agree with byte lookups.
  std::vector<std::uint8_t> batch;
  std::vector<std::uint32_t> want;
  for (std::uint32_t i = 0; i < 4096; i++) {
    std::uint32_t addr = (i * 0x9E3779B1u) ^ (i & 1 ? 0x0A010000u : 0x0A000000u);
    if (i % 7 == 0) addr = 0xC0000200u | (i & 15);  // around 192.0.2.7
    if (i % 5 == 0) addr = 0x0A000000u | (addr & 0x0001FFFFu);  // 10.0/16 and 10.1/16
    std::uint8_t b[4] = {std::uint8_t(addr >> 24), std::uint8_t(addr >> 16), std::uint8_t(addr >> 8),
                         std::uint8_t(addr)};
    std::uint32_t expect = naive_v4(addr);
    CHECK(set.lookup(b) == expect);
    char text[16];
    std::snprintf(text, sizeof text, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
    auto by_text = set.lookup_text(text);
    CHECK(by_text.ok() && *by_text == expect);
    batch.insert(batch.end(), b, b + 4);
    want.push_back(expect);
  }
  std::vector<std::uint32_t> got(want.size(), 0xFFFFFFFFu);
  CHECK_NAME(set.lookup_many(batch.data(), 4, want.size(), got.data()), "ok");
  CHECK(got == want);
  std::uint32_t untouched = 77;
  CHECK_NAME(set.lookup_many(batch.data(), 5, 1, &untouched), "invalid_argument");
  CHECK(untouched == 77);

  CHECK(set.lookup_text("::ffff:10.1.0.1").value_or(0) == 3);
  CHECK(set.lookup_text("2001:db8:1:2::").value_or(0) == 12);
  CHECK_NAME(set.lookup_text("010.1.2.3"), "invalid_address");
  CHECK_NAME(set.lookup_text("fe80::1%eth0"), "invalid_address");
  CHECK_NAME(set.lookup_text(std::string_view("10.1.2.3\0", 9)), "invalid_address");
  CHECK_NAME(set.lookup_text(""), "invalid_address");

  // Moving keeps the table where it is; the moved-from set is empty and answers safely.
  const std::byte* where = set.image_data();
  tollgate::IpSet moved(std::move(set));
  CHECK(moved.image_data() == where && moved.lookup(a1) == 3);
  CHECK(moved.raw() != nullptr && ::tollgate_ipset_image(moved.raw()) == where);
  CHECK(set.empty() && !set.owns_storage() && set.image_data() == nullptr);  // NOLINT: use after move is defined here
  CHECK(set.lookup(a1) == 0 && set.image_size() == 0);
  CHECK_NAME(set.lookup_text("10.1.2.3"), "null_pointer");
  CHECK_NAME(set.lookup_many(batch.data(), 4, 1, got.data()), "null_pointer");
  CHECK_NAME(set.clone(), "null_pointer");
  tollgate::IpSet assigned;
  assigned = std::move(moved);
  CHECK(assigned.lookup(a1) == 3 && moved.empty());
  tollgate::IpSet& alias = assigned;
  assigned = std::move(alias);  // self-move leaves it intact
  CHECK(assigned.lookup(a1) == 3);
  static_assert(!std::is_copy_constructible<tollgate::IpSet>::value, "move-only");

  // clone() is a deep copy: it survives the original.
  auto cloned = assigned.clone();
  CHECK_NAME(cloned, "ok");
  CHECK(cloned->owns_storage() && cloned->image_data() != assigned.image_data());
  CHECK(cloned->image_size() == assigned.image_size());
  { tollgate::IpSet gone = std::move(assigned); }
  CHECK(cloned->lookup(a1) == 3 && cloned->lookup(v6) == 12);

  // An empty list is a valid, empty table.
  auto none = tollgate::IpSet::build("");
  CHECK_NAME(none, "ok");
  CHECK(none.ok() && !none->empty() && none->lookup(a1) == 0);
  auto comments = tollgate::IpSet::build(std::string_view());
  CHECK_NAME(comments, "ok");
}

void test_list_errors() {
  const char bad[] = "10.0.0.0/8\n# ok\n10.1.2.3/8\n";
  CHECK_NAME(tollgate::IpSet::build(bad), "host_bits_set");
  auto why = tollgate::IpSet::explain(bad);
  CHECK_NAME(why, "ok");
  CHECK(why.ok() && !why->valid());
  CHECK(why->text() == "line 3: host_bits_set: did you mean 10.0.0.0/8?");
  auto fine = tollgate::IpSet::explain(kList);
  CHECK(fine.ok() && fine->valid() && fine->text().empty());
  CHECK_NAME(tollgate::IpSet::explain(std::string_view("1.2.3.4\0", 8)), "invalid_text");
  CHECK_NAME(tollgate::IpSet::build("1.2.3.4 x"), "invalid_list_line");
  CHECK_NAME(tollgate::IpSet::build("1.2.3.4/33"), "invalid_prefix_length");
  CHECK_NAME(tollgate::IpSet::build("1.2.3"), "invalid_address");
  CHECK_NAME(tollgate::IpSet::build(std::string_view("1.2.3.4\0", 8)), "invalid_text");
}

// 16-byte aligned heap bytes for images (an array of max-aligned blocks).
struct alignas(16) Block {
  unsigned char b[16];
};

void test_images() {
  auto built = tollgate::IpSet::build(kList);
  CHECK_NAME(built, "ok");
  if (!built.ok()) return;
  const std::size_t len = built->image_size();
  CHECK(len > 0);
  const std::uint8_t a1[4] = {10, 1, 2, 3};

  // load_copy needs no alignment from the caller and keeps nothing of its memory.
  std::unique_ptr<unsigned char[]> odd(new unsigned char[len + 1]);
  std::memcpy(odd.get() + 1, built->image_data(), len);
  auto copied = tollgate::IpSet::load_copy(odd.get() + 1, len);
  CHECK_NAME(copied, "ok");
  std::memset(odd.get(), 0xA5, len + 1);
  odd.reset();
  CHECK(copied.ok() && copied->owns_storage() && copied->lookup(a1) == 3);

  // load_view borrows aligned memory (no copy); misaligned memory is refused.
  std::unique_ptr<Block[]> blocks(new Block[len / 16 + 2]);
  unsigned char* aligned = blocks[0].b;
  std::memcpy(aligned, built->image_data(), len);
  auto view = tollgate::IpSet::load_view(aligned, len);
  CHECK_NAME(view, "ok");
  CHECK(view.ok() && !view->owns_storage());
  CHECK(reinterpret_cast<const unsigned char*>(view->image_data()) == aligned);
  CHECK(view->lookup(a1) == 3);
  std::memmove(aligned + 4, aligned, len);
  CHECK_NAME(tollgate::IpSet::load_view(aligned + 4, len), "misaligned");
  std::memmove(aligned, aligned + 4, len);

  // Every truncation and every single-byte corruption is refused, copied or borrowed.
  for (std::size_t cut = 0; cut < len; cut += (cut < 64 ? 1 : 97)) {
    CHECK_NAME(tollgate::IpSet::load_copy(aligned, cut), "image_truncated");
    CHECK_NAME(tollgate::IpSet::load_view(aligned, cut), "image_truncated");
  }
  int refused = 0;
  for (std::size_t i = 0; i < len; i++) {
    aligned[i] ^= 0x40;
    auto bad = tollgate::IpSet::load_copy(aligned, len);
    if (!bad.ok()) refused++;
    CHECK(!bad.ok());
    CHECK(!tollgate::IpSet::load_view(aligned, len).ok());
    aligned[i] ^= 0x40;
  }
  CHECK(refused == static_cast<int>(len));
  aligned[0] ^= 0xFF;
  CHECK_NAME(tollgate::IpSet::load_copy(aligned, len), "image_bad_magic");
  aligned[0] ^= 0xFF;
  CHECK_NAME(tollgate::IpSet::load_copy(nullptr, 5), "null_pointer");
  CHECK_NAME(tollgate::IpSet::load_view(nullptr, 0), "null_pointer");
  CHECK_NAME(tollgate::IpSet::load_copy(aligned, len), "ok");
}

void test_acs() {
  tollgate::IpSet acs = tollgate::IpSet::acs();
  CHECK(!acs.empty() && !acs.owns_storage());
  CHECK(acs.lookup_text("52.112.0.1").value_or(0) == (tollgate::kAcsMedia | tollgate::kAcsCallback));
  CHECK(acs.lookup_text("2620:1ec:6::1").value_or(0) == tollgate::kAcsCallback);
  CHECK(acs.lookup_text("8.8.8.8").value_or(99) == 0);
  // The view is of static data: destroying or moving views never frees it.
  {
    tollgate::IpSet other = tollgate::IpSet::acs();
    tollgate::IpSet taken = std::move(other);
    CHECK(taken.image_data() == acs.image_data());
    CHECK(taken.image_data() == ::tollgate_ipset_image(::tollgate_acs_ipset()));
    CHECK(taken.raw() != nullptr && taken.raw() != ::tollgate_acs_ipset());  // a copy of the handle
  }
  CHECK(acs.lookup_text("52.112.0.1").ok());
  auto owned = acs.clone();
  CHECK_NAME(owned, "ok");
  CHECK(owned.ok() && owned->owns_storage() && owned->image_size() == acs.image_size());
  CHECK(owned->lookup_text("52.112.0.1").value_or(0) == (tollgate::kAcsMedia | tollgate::kAcsCallback));

  using tollgate::Protocol;
  const std::uint8_t media[4] = {52, 112, 9, 9};
  const std::uint8_t callback_only[16] = {0x26, 0x20, 0x01, 0xec, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  CHECK(tollgate::acs_allows(media, Protocol::udp, 3478).value_or(false));
  CHECK(tollgate::acs_allows(media, Protocol::tcp, 443).value_or(false));
  CHECK(!tollgate::acs_allows(media, Protocol::tcp, 3478).value_or(true));
  CHECK(!tollgate::acs_allows(callback_only, Protocol::udp, 3479).value_or(true));
  CHECK(tollgate::acs_allows(callback_only, Protocol::udp, 443).value_or(false));
  CHECK_NAME(tollgate::acs_allows(media, static_cast<Protocol>(1), 443), "unknown_protocol");
  CHECK_NAME(tollgate::acs_allows(media, Protocol::tcp, 70000), "invalid_argument");
  CHECK_NAME(tollgate::acs_allows(media, 5, Protocol::tcp, 443), "invalid_argument");
  CHECK_NAME(tollgate::acs_allows(nullptr, 4, Protocol::tcp, 443), "null_pointer");
}

// The naive host-name oracle: exact entries match the name, `*.d` entries every name ending
// in `.d`; ASCII case-insensitive, one trailing dot ignored. Queries here are valid names.
struct HostEntry {
  std::string name;
  bool wildcard;
  std::uint32_t tags;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return out;
}

std::uint32_t naive_host(const std::vector<HostEntry>& entries, std::string_view query) {
  if (!query.empty() && query.back() == '.') query.remove_suffix(1);
  const std::string q = lower(query);
  std::uint32_t tags = 0;
  for (const HostEntry& e : entries) {
    const std::string n = lower(e.name);
    bool hit = e.wildcard ? q.size() > n.size() + 1 && q.compare(q.size() - n.size(), n.size(), n) == 0 &&
                                q[q.size() - n.size() - 1] == '.'
                          : q == n;
    if (hit) tags |= e.tags;
  }
  return tags;
}

void test_hostset() {
  // A random list over few labels (so queries hit often), against the oracle.
  const char* labels[] = {"a", "b", "Teams", "xn--p1ai", "lync", "c-d", "0"};
  std::uint32_t rng = 12345;
  auto next = [&rng](std::uint32_t n) {
    rng = rng * 1103515245u + 12345u;
    return (rng >> 16) % n;
  };
  auto name = [&](std::uint32_t most) {
    std::string out;
    std::uint32_t count = 1 + next(most);
    for (std::uint32_t i = 0; i < count; i++) {
      if (i) out += '.';
      out += labels[next(7)];
    }
    return out;
  };
  std::vector<HostEntry> entries;
  std::string list = "# hosts\n";
  for (int i = 0; i < 60; i++) {
    HostEntry e{name(3), next(2) == 0, std::uint32_t{1} << next(8)};
    list += (e.wildcard ? "*." : "") + e.name + " " + std::to_string(e.tags) + "\n";
    entries.push_back(e);
  }
  auto built = tollgate::HostSet::build(list);
  CHECK_NAME(built, "ok");
  if (!built.ok()) return;
  tollgate::HostSet set = std::move(built).value();
  CHECK(!set.empty() && set.owns_storage());
  CHECK(reinterpret_cast<std::uintptr_t>(set.image_data()) % tollgate::HostSet::kAlign == 0);
  for (int i = 0; i < 2000; i++) {
    std::string q = name(6) + (next(5) == 0 ? "." : "");
    auto got = set.lookup(q);
    CHECK_NAME(got, "ok");
    CHECK(got.value_or(0xFFFFFFFFu) == naive_host(entries, q));
  }
  for (std::string_view bad : {"", ".", "a..b", "*.a", "x.a:80", "x a", "-x.a", "x_y.a"}) {
    CHECK_NAME(set.lookup(bad), "invalid_host_name");
  }

  // Moves keep the image where it is; the moved-from set is empty and fails safely.
  const std::byte* where = set.image_data();
  const std::string probe = entries[0].wildcard ? "x." + entries[0].name : entries[0].name;
  const std::uint32_t want = naive_host(entries, probe);
  CHECK(want != 0);
  tollgate::HostSet moved(std::move(set));
  CHECK(moved.image_data() == where && moved.lookup(probe).value_or(0) == want);
  CHECK(moved.raw() != nullptr && ::tollgate_hostset_image(moved.raw()) == where);
  CHECK(set.empty() && set.image_data() == nullptr && set.image_size() == 0);  // NOLINT: defined
  CHECK_NAME(set.lookup(probe), "null_pointer");
  CHECK_NAME(set.clone(), "null_pointer");
  tollgate::HostSet assigned;
  assigned = std::move(moved);
  CHECK(assigned.lookup(probe).value_or(0) == want && moved.empty());
  static_assert(!std::is_copy_constructible<tollgate::HostSet>::value, "move-only");

  // Images: copied (any alignment, survives the source), borrowed, refused when damaged.
  const std::size_t len = assigned.image_size();
  std::unique_ptr<unsigned char[]> odd(new unsigned char[len + 1]);
  std::memcpy(odd.get() + 1, assigned.image_data(), len);
  auto copied = tollgate::HostSet::load_copy(odd.get() + 1, len);
  CHECK_NAME(copied, "ok");
  std::memset(odd.get(), 0xA5, len + 1);
  odd.reset();
  CHECK(copied.ok() && copied->owns_storage() && copied->lookup(probe).value_or(0) == want);
  std::unique_ptr<Block[]> blocks(new Block[len / 16 + 2]);
  unsigned char* aligned = blocks[0].b;
  std::memcpy(aligned, assigned.image_data(), len);
  auto view = tollgate::HostSet::load_view(aligned, len);
  CHECK_NAME(view, "ok");
  CHECK(view.ok() && !view->owns_storage() &&
        reinterpret_cast<const unsigned char*>(view->image_data()) == aligned);
  CHECK_NAME(tollgate::HostSet::load_view(aligned + 4, len - 4), "misaligned");
  CHECK_NAME(tollgate::HostSet::load_copy(aligned, len - 8), "image_truncated");
  aligned[len - 1] ^= 0x40;
  CHECK(!tollgate::HostSet::load_copy(aligned, len).ok());
  aligned[len - 1] ^= 0x40;
  CHECK_NAME(tollgate::HostSet::load_copy(nullptr, 5), "null_pointer");
  auto cloned = assigned.clone();
  CHECK_NAME(cloned, "ok");
  { tollgate::HostSet gone = std::move(assigned); }
  CHECK(cloned.ok() && cloned->image_data() != where && cloned->lookup(probe).value_or(0) == want);

  // List errors, explained by line.
  CHECK_NAME(tollgate::HostSet::build("ok.example\nbad..name\n"), "invalid_host_name");
  auto why = tollgate::HostSet::explain("ok.example\nbad..name\n");
  CHECK_NAME(why, "ok");
  CHECK(why.ok() && why->text().substr(0, 7) == "line 2:");
  CHECK(tollgate::HostSet::explain("a.example 3\n").value_or(tollgate::ListExplanation()).valid());
  CHECK_NAME(tollgate::HostSet::build("a.example zz\n"), "invalid_list_line");

  // The ACS names: a view of static data; copies of the handle refer to the same image.
  tollgate::HostSet acs = tollgate::HostSet::acs();
  CHECK(!acs.empty() && !acs.owns_storage());
  CHECK(acs.lookup("teams.microsoft.com").value_or(0) == tollgate::kAcsCallback);
  CHECK(acs.lookup("X.Lync.com.").value_or(0) == tollgate::kAcsCallback);
  CHECK(acs.lookup("lync.com").value_or(99) == 0);
  {
    tollgate::HostSet taken = tollgate::HostSet::acs();
    CHECK(taken.image_data() == acs.image_data());
    CHECK(taken.image_data() == ::tollgate_hostset_image(::tollgate_acs_hostset()));
  }
  CHECK(acs.lookup("teams.microsoft.com").ok());
}

void test_bearer() {
  std::string value = "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
  auto token = tollgate::bearer_token(value);
  CHECK_NAME(token, "ok");
  CHECK(token.ok() && token->data() == value.data() + 7 && token->size() == value.size() - 7);
  // No terminator needed: an exact-size heap copy.
  const std::string_view text = "bearer   abc==";
  std::unique_ptr<char[]> exact(new char[text.size()]);
  std::memcpy(exact.get(), text.data(), text.size());
  auto t2 = tollgate::bearer_token(std::string_view(exact.get(), text.size()));
  CHECK(t2.ok() && *t2 == "abc==");
  for (std::string_view bad : {"Basic dXNlcjpwYXNz", "Bearer", "Bearer\tabc", "Bearer a b",
                               "Bearer a,b", ""}) {
    CHECK_NAME(tollgate::bearer_token(bad), "invalid_authorization");
  }
  CHECK_NAME(tollgate::bearer_token(std::string_view("Bearer ab\0c", 11)), "invalid_authorization");
  CHECK_NAME(tollgate::bearer_token(std::string_view()), "invalid_authorization");
}

void test_api_keys() {
  const char* uri = "https://api.example.com/webhook?token=8f2d9c63a7b14d32b53c9e12a1f47fcb";
  CHECK_NAME(tollgate::check_api_key(uri, "token", {"retiring-key", "8f2d9c63a7b14d32b53c9e12a1f47fcb"}),
             "ok");
  CHECK_NAME(tollgate::check_api_key(uri, "token", {"retiring-key"}), "key_mismatch");
  std::vector<std::string> keys = {"retiring-key", "8f2d9c63a7b14d32b53c9e12a1f47fcb"};
  CHECK_NAME(tollgate::check_api_key(uri, "token", keys), "ok");
  std::array<std::string_view, 1> one = {"8f2d9c63a7b14d32b53c9e12a1f47fcb"};
  CHECK_NAME(tollgate::check_api_key(uri, "token", one), "ok");
  std::string_view ptrs[2] = {"x", "retiring-key"};
  CHECK_NAME(tollgate::check_api_key("/webhook?a=1&token=retiring-key#x", "token", ptrs, 2), "ok");
  CHECK_NAME(tollgate::check_api_key("/webhook?token=retiring%2Dkey", "token", ptrs, 2), "ok");
  CHECK_NAME(tollgate::check_api_key("/webhook?token=retiring-ke", "token", ptrs, 2), "key_mismatch");
  CHECK_NAME(tollgate::check_api_key("/webhook", "token", ptrs, 2), "missing_parameter");
  CHECK_NAME(tollgate::check_api_key("/w?token=x&token=retiring-key", "token", ptrs, 2),
             "duplicate_parameter");
  CHECK_NAME(tollgate::check_api_key("/w?token=%zz", "token", ptrs, 2), "invalid_uri");
  CHECK_NAME(tollgate::check_api_key("/w?token=x", "token", ptrs, 0), "invalid_argument");
  CHECK_NAME(tollgate::check_api_key("/w?token=x", "", ptrs, 2), "invalid_argument");
  CHECK_NAME(tollgate::check_api_key("/w?token=x", "token", {""}), "invalid_argument");
  CHECK_NAME(tollgate::check_api_key("/w?token=x", "token", nullptr, 1), "null_pointer");
  // More keys than the C++ helper passes at once: a clear error, not an overflow.
  std::vector<std::string> many(tollgate::kMaxApiKeys, "k");
  many.back() = "x";
  CHECK_NAME(tollgate::check_api_key("/w?token=x", "token", many), "ok");
  many.push_back("y");
  CHECK_NAME(tollgate::check_api_key("/w?token=x", "token", many), "invalid_argument");
  std::vector<std::string_view> many_views(many.begin(), many.end());
  CHECK_NAME(tollgate::check_api_key("/w?token=x", "token", many_views.data(), many_views.size()),
             "invalid_argument");
}

void test_openid_configuration(const std::string& root) {
  std::string doc;
  {
    std::FILE* f = std::fopen((root + "/tests/fixtures/sample/acs-openid-configuration.json").c_str(), "rb");
    CHECK(f != nullptr);
    if (f == nullptr) return;
    char chunk[4096];
    std::size_t n;
    while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) doc.append(chunk, n);
    std::fclose(f);
  }
  std::unique_ptr<char[]> buf(new char[2 * doc.size()]);
  auto config = tollgate::parse_openid_configuration(doc, buf.get(), 2 * doc.size());
  CHECK_NAME(config, "ok");
  CHECK(config.ok() && config->issuer == "https://acscallautomation.communication.azure.com");
  CHECK(config.ok() &&
        config->jwks_uri == "https://acscallautomation.communication.azure.com/calling/keys");
  CHECK(config.ok() && config->issuer.data() == buf.get());
  char small[20];
  CHECK_NAME(tollgate::parse_openid_configuration(doc, small, sizeof small), "buffer_too_small");
  CHECK_NAME(tollgate::parse_openid_configuration("{\"issuer\":\"i\",\"jwks_uri\":\"http://h/k\"}",
                                                  small, sizeof small),
             "insecure_jwks_uri");
  CHECK_NAME(tollgate::parse_openid_configuration("[]", small, sizeof small), "invalid_discovery");
  CHECK_NAME(tollgate::parse_openid_configuration(doc, nullptr, 8), "null_pointer");
}

}  // namespace

int main(int argc, char** argv) {
  CHECK(tollgate::abi_matches());
  test_build_and_lookup();
  test_list_errors();
  test_images();
  test_acs();
  test_hostset();
  test_bearer();
  test_api_keys();
  test_openid_configuration(argc > 1 ? argv[1] : ".");
  if (check::failures == 0) std::printf("test_net_http (C++): ok\n");
  return check::failures == 0 ? 0 : 1;
}
