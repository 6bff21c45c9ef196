// Token verification through tollgate.hpp: every case of the PyJWT manifest
// (tests/fixtures/pyjwt/manifest.json, minted by an independent library) is verified with a
// KeySet, a Policy and a Verifier, and the verdict's stable name compared with the manifest's;
// accepted tokens' claims are compared with the manifest's claims. Also: exact-size heap scratch
// (ASan sees overruns), too-small Verifiers, claim getters, the load report, policy setters,
// copies and moves of KeySet/Policy, a default KeySet, bearer_token on the way in, and the
// abort on using a failed Result's value. argv[1] is the repository root.
#include "tollgate.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "check.hpp"

namespace {

std::string root = ".";

std::string read_file(const std::string& rel) {
  std::ifstream in(root + "/" + rel, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot open %s/%s\n", root.c_str(), rel.c_str());
    std::exit(2);
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// ---- A reader for the manifest's flat, generated layout (json.dump with indent).

[[noreturn]] void bad_manifest(std::string_view what) {
  std::fprintf(stderr, "manifest: %.*s\n", static_cast<int>(what.size()), what.data());
  std::exit(2);
}

// The string value of `"key": "..."` in `text` (no escapes expected), or nullopt.
std::optional<std::string> str_field(std::string_view text, std::string_view key) {
  std::string pat = "\"" + std::string(key) + "\": \"";
  std::size_t at = text.find(pat);
  if (at == std::string_view::npos) return std::nullopt;
  std::size_t start = at + pat.size();
  std::size_t end = text.find('"', start);
  if (end == std::string_view::npos) bad_manifest("unterminated string");
  std::string value(text.data() + start, end - start);
  if (value.find('\\') != std::string::npos) bad_manifest("escapes are not expected");
  return value;
}

std::optional<std::uint64_t> num_field(std::string_view text, std::string_view key) {
  std::string pat = "\"" + std::string(key) + "\": ";
  std::size_t at = text.find(pat);
  if (at == std::string_view::npos) return std::nullopt;
  std::size_t i = at + pat.size();
  if (i >= text.size() || text[i] < '0' || text[i] > '9') return std::nullopt;  // null
  std::uint64_t v = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; i++) v = v * 10 + (text[i] - '0');
  return v;
}

std::string need_str(std::string_view text, std::string_view key) {
  auto v = str_field(text, key);
  if (!v) bad_manifest("missing " + std::string(key));
  return *v;
}

// The text of `"key": {...}` or `"key": [...]` (one level: the manifest nests no deeper there).
std::string_view section(std::string_view text, std::string_view key, char open, char close) {
  std::string pat = "\"" + std::string(key) + "\": ";
  pat += open;
  std::size_t at = text.find(pat);
  if (at == std::string_view::npos) return std::string_view();
  std::size_t end = text.find(close, at);
  if (end == std::string_view::npos) bad_manifest("unterminated section");
  return text.substr(at + pat.size(), end - at - pat.size());
}

struct ManifestClaims {
  std::string iss, aud;
  std::optional<std::string> sub, jti;
  std::optional<std::uint64_t> exp, nbf, iat;
};

struct Case {
  std::string name, jwks, issuer, expect, token;
  std::vector<std::string> audiences;
  std::uint64_t leeway = 0, now = 0;
  std::optional<ManifestClaims> claims;
};

std::vector<Case> read_manifest() {
  std::string text = read_file("tests/fixtures/pyjwt/manifest.json");
  std::string_view all(text);
  std::size_t tokens = all.find("\"tokens\": [");
  if (tokens == std::string_view::npos) bad_manifest("no tokens");
  all = all.substr(tokens);
  std::vector<Case> cases;
  const std::string_view mark = "\"name\": \"";
  std::size_t at = all.find(mark);
  while (at != std::string_view::npos) {
    std::size_t next = all.find(mark, at + 1);
    std::string_view chunk = all.substr(at, next == std::string_view::npos ? all.size() - at
                                                                           : next - at);
    Case c;
    c.name = need_str(chunk, "name");
    c.jwks = need_str(chunk, "jwks");
    c.expect = need_str(chunk, "expect");
    c.token = need_str(chunk, "token");
    std::string_view policy = section(chunk, "policy", '{', '}');
    c.issuer = need_str(policy, "issuer");
    std::string_view auds = section(policy, "audiences", '[', ']');
    for (std::size_t q = auds.find('"'); q != std::string_view::npos; q = auds.find('"', q)) {
      std::size_t end = auds.find('"', q + 1);
      c.audiences.emplace_back(auds.substr(q + 1, end - q - 1));
      q = end + 1;
    }
    auto leeway = num_field(policy, "leeway");
    auto now = num_field(chunk, "now");
    if (!leeway || !now || c.audiences.empty()) bad_manifest("incomplete case " + c.name);
    c.leeway = *leeway;
    c.now = *now;
    std::string_view claims = section(chunk, "claims", '{', '}');
    if (!claims.empty()) {
      ManifestClaims m;
      m.iss = need_str(claims, "iss");
      m.aud = need_str(claims, "aud");
      m.sub = str_field(claims, "sub");
      m.jti = str_field(claims, "jti");
      m.exp = num_field(claims, "exp");
      m.nbf = num_field(claims, "nbf");
      m.iat = num_field(claims, "iat");
      c.claims = m;
    }
    cases.push_back(std::move(c));
    at = next;
  }
  return cases;
}

// ---- Tests

// KeySets are ~19 KiB each: kept on the heap, parsed once per document.
std::map<std::string, std::unique_ptr<tollgate::KeySet>> keysets;

const tollgate::KeySet& keys_for(const std::string& jwks) {
  auto found = keysets.find(jwks);
  if (found != keysets.end()) return *found->second;
  auto keys = std::make_unique<tollgate::KeySet>();
  tollgate::JwksReport report;
  auto st = keys->reparse(read_file("tests/fixtures/pyjwt/" + jwks), &report);
  CHECK_NAME(st, "ok");
  CHECK(report.loaded() == keys->size() && report.skipped() == 0);
  return *keysets.emplace(jwks, std::move(keys)).first->second;
}

tollgate::Policy policy_for(const Case& c) {
  auto policy = tollgate::Policy::make(c.issuer, c.audiences);
  CHECK_NAME(policy, "ok");
  CHECK_NAME(policy->set_leeway(c.leeway), "ok");
  return *policy;
}

void check_claims(const Case& c, const tollgate::Claims& got) {
  const ManifestClaims& want = *c.claims;
  CHECK(got.iss() == want.iss);
  CHECK(got.aud() == want.aud);
  CHECK(got.aud_index() == 0);
  CHECK(got.sub().has_value() == want.sub.has_value());
  if (want.sub && got.sub()) CHECK(*got.sub() == *want.sub);
  CHECK(got.jti().has_value() == want.jti.has_value());
  if (want.jti && got.jti()) CHECK(*got.jti() == *want.jti);
  CHECK(got.exp() == want.exp);
  CHECK(got.nbf() == want.nbf);
  CHECK(got.iat() == want.iat);
  CHECK(!got.json().empty() && got.json().front() == '{' && got.json().back() == '}');
}

void test_manifest(const std::vector<Case>& cases) {
  // The manifest has 34 cases today; fewer means the reader broke, not that all passed.
  CHECK(cases.size() >= 34);
  auto verifier = std::make_unique<tollgate::Verifier<>>();
  int ok = 0, failed = 0;
  for (const Case& c : cases) {
    const tollgate::KeySet& keys = keys_for(c.jwks);
    tollgate::Policy policy = policy_for(c);

    // Through a Bearer header value, as a server receives it.
    std::string header = "Bearer " + c.token;
    auto token = tollgate::bearer_token(header);
    CHECK_NAME(token, "ok");
    if (!token.ok()) continue;
    CHECK(token->data() == header.data() + 7);

    auto claims = verifier->verify(keys, policy, *token, c.now);
    if (claims.name() != c.expect) {
      check::fail(__FILE__, __LINE__,
                  c.name + ": got " + std::string(claims.name()) + ", want " + c.expect);
      continue;
    }
    (claims.ok() ? ok : failed)++;
    CHECK(claims.ok() == c.claims.has_value());
    if (claims.ok() && c.claims) check_claims(c, *claims);

    // The same with the caller's exact-size heap scratch and a token without a terminator.
    std::size_t need = tollgate::scratch_size(c.token.size());
    std::unique_ptr<char[]> tok(new char[c.token.size()]);
    std::memcpy(tok.get(), c.token.data(), c.token.size());
    std::unique_ptr<unsigned char[]> scratch(new unsigned char[need]);
    auto again = tollgate::verify(keys, policy, std::string_view(tok.get(), c.token.size()),
                                  c.now, scratch.get(), need);
    CHECK(again.name() == c.expect);
    if (again.ok() && c.claims) check_claims(c, *again);
    if (need > 0) {
      auto small = tollgate::verify(keys, policy, std::string_view(tok.get(), c.token.size()),
                                    c.now, scratch.get(), need - 1);
      CHECK_NAME(small, "buffer_too_small");
    }
  }
  CHECK(ok >= 8 && failed >= 26);
}

const Case& find_case(const std::vector<Case>& cases, std::string_view name) {
  for (const Case& c : cases)
    if (c.name == name) return c;
  bad_manifest("no case " + std::string(name));
}

void test_claims_and_lifetimes(const std::vector<Case>& cases) {
  const Case& c = find_case(cases, "acs_webhook");
  const tollgate::KeySet& keys = keys_for(c.jwks);
  // The matching audience is the second of two: aud_index says so.
  auto policy = tollgate::Policy::make(c.issuer, {"someone-else", c.audiences[0]});
  CHECK_NAME(policy, "ok");
  auto verifier = std::make_unique<tollgate::Verifier<>>();
  auto claims = verifier->verify(keys, *policy, c.token, c.now);
  CHECK_NAME(claims, "ok");
  if (!claims.ok()) return;
  CHECK(claims->aud_index() == 1);
  CHECK(claims->aud() == c.audiences[0]);

  auto exp = claims->get("exp");
  CHECK_NAME(exp, "ok");
  CHECK(exp.value_or("") == "1767225900");
  auto raw = claims->get("resourceId");
  CHECK_NAME(raw, "ok");
  CHECK(raw->size() > 2 && raw->front() == '"' && raw->back() == '"');
  char buf[512];
  auto rid = claims->get_string("resourceId", buf);
  CHECK_NAME(rid, "ok");
  CHECK(rid->data() == buf && rid->size() == raw->size() - 2);
  CHECK(rid->substr(0, 15) == "/subscriptions/");
  std::memset(buf, 'Z', sizeof buf);
  CHECK_NAME(claims->get_string("resourceId", buf, raw->size() - 3), "buffer_too_small");
  CHECK(buf[0] == 'Z');  // written only on success
  CHECK_NAME(claims->get_string("exp", buf), "invalid_claim");
  CHECK_NAME(claims->get_string("nope", buf), "claim_not_found");
  CHECK_NAME(claims->get("nope"), "claim_not_found");
  CHECK_NAME(claims->get(std::string_view("e\0p", 3)), "invalid_text");

#ifdef TOLLGATE_ABI_VERSION
  // Typed getters (libraries with the ABI version).
  CHECK(claims->get_i64("exp").value_or(0) == 1767225900);
  CHECK(claims->get_f64("iat").value_or(0) == 1767225600.0);
  CHECK_NAME(claims->get_i64("sub"), "invalid_claim");
  CHECK_NAME(claims->get_bool("exp"), "invalid_claim");
  CHECK_NAME(claims->get_bool("nope"), "claim_not_found");
  CHECK(claims->get_string_count("aud").value_or(0) == 1);  // a string is a list of one
  CHECK_NAME(claims->get_string_count("exp"), "invalid_claim");
  {
    const Case& arr = find_case(cases, "acs_audience_array");
    auto other = std::make_unique<tollgate::Verifier<>>();
    auto ac = other->verify(keys, *policy, arr.token, arr.now);
    CHECK_NAME(ac, "ok");
    CHECK(ac.ok() && ac->get_string_count("aud").value_or(0) == 2);
    char item[64];
    auto second = ac->get_string_at("aud", 1, item);
    CHECK_NAME(second, "ok");
    CHECK(second.ok() && *second == c.audiences[0] && second->data() == item);
    CHECK(ac->get_string_at("aud", 0, item).value_or("") == "0b9c8d7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e");
    CHECK_NAME(ac->get_string_at("aud", 2, item), "invalid_argument");
    CHECK_NAME(ac->get_string_at("aud", 0, item, 4), "buffer_too_small");
  }
#endif

  // A copy of Claims is a copy of the views: still valid while the Verifier is unchanged.
  tollgate::Claims copy = *claims;
  CHECK(copy.sub() == claims->sub() && copy.json().data() == claims->json().data());
  CHECK_NAME(copy.get("iat"), "ok");
  std::string kept(*copy.sub());  // what outlives the next verify()

  // The next verify() of the same Verifier reuses the scratch: a failed one, here.
  auto expired = verifier->verify(keys, *policy, c.token, c.now + 3600);
  CHECK_NAME(expired, "expired");
  CHECK(kept == *c.claims->sub);

  // With its own Verifier the Claims stay, whatever another Verifier does.
  auto other = std::make_unique<tollgate::Verifier<>>();
  auto second = other->verify(keys, *policy, c.token, c.now);
  auto third = verifier->verify(keys, *policy, find_case(cases, "acs_websocket").token,
                                find_case(cases, "acs_websocket").now);
  CHECK_NAME(third, "ok");
  CHECK_NAME(second, "ok");
  CHECK(second->jti() == std::optional<std::string_view>(*c.claims->jti));
  CHECK(third->jti() == std::optional<std::string_view>(*find_case(cases, "acs_websocket").claims->jti));

  // A Verifier too small for the token: buffer_too_small, not a crash. A big enough one is fine.
  tollgate::Verifier<64> tiny;
  CHECK_NAME(tiny.verify(keys, *policy, c.token, c.now), "buffer_too_small");
  static tollgate::Verifier<4096> fits;
  static_assert(tollgate::Verifier<4096>::capacity() == 4096, "capacity");
  CHECK(tollgate::scratch_size(c.token.size()) <= 4096);
  // The default Verifier takes every token the default policy accepts (16 KiB).
  CHECK(tollgate::scratch_size(tollgate::kDefaultMaxTokenLen) == tollgate::kDefaultScratchBytes);
  CHECK(tollgate::kDefaultMaxTokenLen == 16384);
  CHECK(tollgate::Verifier<>::capacity() == tollgate::kDefaultScratchBytes);
  // So a 16 000-byte token gets its real verdict from a default Verifier, not buffer_too_small.
  auto big = std::make_unique<tollgate::Verifier<>>();
  // (A real header and signature around a payload padded to 16 000 bytes: a dot-less token
  // would stop at header_too_large before any scratch is needed.)
  const std::string head = std::string(c.token.substr(0, c.token.find('.') + 1));
  const std::string sig = std::string(c.token.substr(c.token.rfind('.')));
  const std::string padded = head + std::string(16000 - head.size() - sig.size(), 'A') + sig;
  CHECK(padded.size() == 16000);
  CHECK_NAME(tiny.verify(keys, *policy, padded, c.now), "buffer_too_small");
  CHECK_NAME(big->verify(keys, *policy, padded, c.now), "bad_signature");
  CHECK_NAME(big->verify(keys, *policy, std::string(16385, 'A'), c.now), "too_large");
  CHECK_NAME(fits.verify(keys, *policy, c.token, c.now), "ok");
  // Now (the system clock, in 2026 or later) the 2026-01-01 token has long expired.
  CHECK(tollgate::unix_now() > c.now);
  CHECK_NAME(fits.verify(keys, *policy, c.token), "expired");
  // Verifiers own their scratch: they cannot be copied or moved.
  static_assert(!std::is_copy_constructible<tollgate::Verifier<>>::value, "no copy");
  static_assert(!std::is_move_constructible<tollgate::Verifier<>>::value, "no move");
}

void test_policy(const std::vector<Case>& cases) {
  const Case& c = find_case(cases, "acs_webhook");
  const tollgate::KeySet& keys = keys_for(c.jwks);
  static tollgate::Verifier<> v;
  auto made = tollgate::Policy::make(c.issuer, c.audiences[0]);
  CHECK_NAME(made, "ok");
  tollgate::Policy policy = *made;

  CHECK_NAME(tollgate::Policy::make("", c.audiences[0]), "invalid_policy");
  CHECK_NAME(tollgate::Policy::make(c.issuer, std::vector<std::string>{}), "invalid_policy");
  CHECK_NAME(tollgate::Policy::make(c.issuer, {"a", ""}), "invalid_policy");
  CHECK_NAME(tollgate::Policy::make(std::string_view("a\0b", 3), "x"), "invalid_text");
  CHECK_NAME(tollgate::Policy::make(c.issuer, std::string(300, 'a')), "invalid_policy");
  std::vector<std::string> eight(8, "aud"), nine(9, "aud");
  CHECK_NAME(tollgate::Policy::make(c.issuer, eight), "ok");
  CHECK_NAME(tollgate::Policy::make(c.issuer, nine), "invalid_policy");
  CHECK_NAME(tollgate::Policy::make(c.issuer, nullptr, 1), "null_pointer");

  // Copies are independent values: changing one leaves the other as it was.
  tollgate::Policy strict = policy;
  CHECK_NAME(strict.set_typ("at+jwt"), "ok");
  CHECK_NAME(v.verify(keys, strict, c.token, c.now), "wrong_type");
  CHECK_NAME(v.verify(keys, policy, c.token, c.now), "ok");
  CHECK_NAME(strict.set_typ("JWT"), "ok");
  CHECK_NAME(v.verify(keys, strict, c.token, c.now), "ok");
  CHECK_NAME(strict.set_typ(std::string(65, 't')), "invalid_policy");
  CHECK_NAME(strict.set_typ(""), "ok");

  tollgate::Policy moved = std::move(strict);
  CHECK_NAME(moved.set_max_token_len(c.token.size() - 1), "ok");
  CHECK_NAME(v.verify(keys, moved, c.token, c.now), "too_large");
  CHECK_NAME(moved.set_max_token_len(0), "invalid_policy");
  CHECK_NAME(moved.set_max_token_len(c.token.size()), "ok");
  CHECK_NAME(v.verify(keys, moved, c.token, c.now), "ok");

  CHECK_NAME(moved.set_leeway(0), "ok");
  // (max_age 0 means "off" in newer libraries; 1 s is strict in every version.)
  CHECK_NAME(moved.set_max_age(1), "ok");
  CHECK_NAME(v.verify(keys, moved, c.token, c.now), "too_old");
  CHECK_NAME(moved.set_max_age(3600), "ok");
  CHECK_NAME(v.verify(keys, moved, c.token, c.now), "ok");
  CHECK_NAME(moved.set_max_depth(0), "invalid_policy");
  CHECK_NAME(moved.set_max_depth(129), "invalid_policy");
  CHECK_NAME(moved.set_max_depth(1), "ok");
  CHECK_NAME(v.verify(keys, moved, c.token, c.now), "ok");  // the claims are flat

  const Case& no_exp = find_case(cases, "missing_exp");
  tollgate::Policy lax = policy;
  CHECK_NAME(v.verify(keys, lax, no_exp.token, no_exp.now), "missing_claim");
  CHECK_NAME(lax.set_require_exp(false), "ok");
  auto claims = v.verify(keys, lax, no_exp.token, no_exp.now);
  CHECK_NAME(claims, "ok");
  CHECK(claims.ok() && !claims->exp().has_value());
  CHECK_NAME(lax.set_require_exp(true), "ok");
  CHECK_NAME(v.verify(keys, lax, no_exp.token, no_exp.now), "missing_claim");
}

void test_keysets(const std::vector<Case>& cases) {
  const Case& c = find_case(cases, "acs_webhook");
  auto policy = tollgate::Policy::make(c.issuer, c.audiences[0]);
  CHECK_NAME(policy, "ok");
  static tollgate::Verifier<> v;
  std::string acs = read_file("tests/fixtures/pyjwt/jwks/acs.json");
  std::string single = read_file("tests/fixtures/pyjwt/jwks/acs-single.json");

  auto parsed = std::make_unique<tollgate::KeySetParse>(tollgate::KeySet::parse(acs));
  CHECK_NAME(*parsed, "ok");
  CHECK(parsed->report().loaded() == 3 && parsed->report().skipped() == 0);
  CHECK(parsed->report().listed_size() == 0);
  if (!parsed->ok()) return;
  auto keys = std::make_unique<tollgate::KeySet>(std::move(*parsed).value());
  CHECK(keys->size() == 3);
  auto kid0 = keys->kid(1);  // document order
  CHECK_NAME(kid0, "ok");
  CHECK(kid0.value_or("") == "w88eTM-1f8YnoKIBawDEUXJDDlC1XKI6J-wLPDGqbGs");
  CHECK(kid0->data() >= reinterpret_cast<const char*>(&keys->raw()) &&
        kid0->data() < reinterpret_cast<const char*>(&keys->raw() + 1));
  CHECK_NAME(keys->kid(3), "invalid_argument");

  // A copy holds the same keys in its own bytes (no pointers inside).
  auto copy = std::make_unique<tollgate::KeySet>(*keys);
  CHECK(copy->size() == 3);
  auto copy_kid = copy->kid(1);
  CHECK(copy_kid.value_or("") == *kid0 && copy_kid->data() != kid0->data());
  CHECK_NAME(v.verify(*copy, *policy, c.token, c.now), "ok");

  // A failed reparse leaves the keys; a successful one replaces them.
  tollgate::JwksReport report;
  CHECK_NAME(copy->reparse("{\"keys\":[]}", &report), "no_usable_key");
  CHECK_NAME(copy->reparse("{", &report), "invalid_jwks");
  CHECK_NAME(copy->reparse(std::string_view()), "invalid_jwks");
  CHECK(copy->size() == 3);
  CHECK_NAME(v.verify(*copy, *policy, c.token, c.now), "ok");
  CHECK_NAME(copy->reparse(single, &report), "ok");
  CHECK(copy->size() == 1 && report.loaded() == 1);
  // The report is written on failure too: a document that is not JSON judged nothing.
  CHECK_NAME(copy->reparse("{", &report), "invalid_jwks");
  CHECK(report.loaded() == 0 && report.skipped() == 0 && report.listed_size() == 0);
  CHECK(copy->size() == 1);
  CHECK_NAME(v.verify(*copy, *policy, find_case(cases, "no_kid_single_key_set").token, c.now),
             "ok");
  CHECK_NAME(v.verify(*keys, *policy, find_case(cases, "no_kid_single_key_set").token, c.now),
             "missing_kid");
  *copy = *keys;  // copy assignment
  CHECK(copy->size() == 3);

  // Skipped entries are reported with stable reason names.
  std::string mixed = single;
  std::size_t open = mixed.find('[');
  CHECK(open != std::string::npos);
  mixed.insert(open + 1, "{\"kty\":\"EC\"},{\"kty\":\"RSA\",\"use\":\"enc\"},");
  auto with_skips = std::make_unique<tollgate::KeySetParse>(tollgate::KeySet::parse(mixed));
  CHECK_NAME(*with_skips, "ok");
  const tollgate::JwksReport& r = with_skips->report();
  CHECK(r.loaded() == 1 && r.skipped() == 2);
  CHECK(r.skipped_for(TOLLGATE_SKIP_NOT_RSA) == 1 && r.skipped_for(TOLLGATE_SKIP_NOT_FOR_SIGNATURE) == 1);
  CHECK(r.skipped_for(999) == 0);
  CHECK(r.listed_size() == 2);
  CHECK(r.listed(0).index == 0 && r.listed(0).reason_name() == "not_rsa");
  CHECK(r.listed(1).index == 1 && r.listed(1).reason_name() == "not_for_signature");
  CHECK(r.listed(2).index == 0 && r.listed(2).reason == 0);

  // A failed parse: the stable error, and the report says why each entry was skipped.
  auto none = std::make_unique<tollgate::KeySetParse>(
      tollgate::KeySet::parse("{\"keys\":[{\"kty\":\"EC\"},{\"kty\":\"oct\"}]}"));
  CHECK_NAME(*none, "no_usable_key");
  CHECK(none->report().loaded() == 0 && none->report().skipped() == 2);
  CHECK(none->report().skipped_for(TOLLGATE_SKIP_NOT_RSA) == 2);
  CHECK(none->report().listed_size() == 2);
  CHECK(none->report().listed(1).index == 1 && none->report().listed(1).reason_name() == "not_rsa");
  CHECK_NAME(tollgate::KeySet::parse("not json"), "invalid_jwks");
  CHECK_NAME(tollgate::KeySet::parse(acs.substr(0, acs.size() / 2)), "invalid_jwks");

  // A default KeySet holds no keys: verification says so instead of crashing.
  auto empty = std::make_unique<tollgate::KeySet>();
  CHECK(empty->size() == 0);
  CHECK_NAME(empty->kid(0), "invalid_argument");
  CHECK_NAME(v.verify(*empty, *policy, c.token, c.now), "invalid_argument");
}

void test_results() {
  CHECK(tollgate::version() == std::to_string(TOLLGATE_VERSION_MAJOR) + "." +
                                   std::to_string(TOLLGATE_VERSION_MINOR) + "." +
                                   std::to_string(TOLLGATE_VERSION_PATCH));
  CHECK(tollgate::status_name(TOLLGATE_STATUS_OK) == "ok");
  CHECK(tollgate::status_name(TOLLGATE_STATUS_WRONG_AUDIENCE) == "wrong_audience");
  CHECK(tollgate::status_name(0xFFFFFFFFu) == "unknown_status");
  // NUL-terminated static text.
  CHECK(tollgate::status_name(TOLLGATE_STATUS_EXPIRED).data()[7] == '\0');

  tollgate::Result<int> good(5);
  CHECK(good.ok() && static_cast<bool>(good) && good.status() == TOLLGATE_STATUS_OK);
  CHECK(good.value() == 5 && *good == 5 && good.value_or(7) == 5);
  auto bad = tollgate::Result<int>::failure(TOLLGATE_STATUS_EXPIRED);
  CHECK(!bad.ok() && !bad && bad.name() == "expired" && bad.value_or(7) == 7);
  // A failure can never say ok.
  CHECK_NAME(tollgate::Result<int>::failure(TOLLGATE_STATUS_OK), "invalid_argument");
  CHECK_NAME(tollgate::Result<void>::failure(TOLLGATE_STATUS_OK), "invalid_argument");
  CHECK(tollgate::Result<void>::success().ok());
  // A Result of a type made from integers is not confused with a status.
  tollgate::Result<std::uint32_t> zero(0u);
  CHECK(zero.ok() && *zero == 0u);

  // Using the value of a failed result aborts (a bug in the caller, never silent garbage).
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    auto r = tollgate::Result<int>::failure(TOLLGATE_STATUS_EXPIRED);
    volatile int x = r.value();
    (void)x;
    _exit(0);
  }
  int wstatus = 0;
  CHECK(pid > 0 && waitpid(pid, &wstatus, 0) == pid);
  CHECK(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGABRT);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) root = argv[1];
  std::vector<Case> cases = read_manifest();
  test_results();
  test_manifest(cases);
  test_claims_and_lifetimes(cases);
  test_policy(cases);
  test_keysets(cases);
  keysets.clear();
  if (check::failures == 0) std::printf("test_tokens (C++): ok\n");
  return check::failures == 0 ? 0 : 1;
}
