/*
 * tollgate.hpp — a header-only C++17 interface over the C ABI in tollgate.h.
 *
 * Value and RAII types (KeySet, Policy, IpSet, HostSet, Verifier, Claims) and results as a
 * status plus a value (tollgate::Result<T>): nothing throws, so it works with -fno-exceptions.
 * Nothing here allocates except build, load_copy and clone of IpSet and HostSet, which own the
 * table storage the caller asked for; verification and lookups never touch the heap.
 *
 * Lifetimes, in one place:
 *  - KeySet, Policy: self-contained values (no pointers inside); copy and move freely.
 *    KeySet::kid() views point into that KeySet object.
 *  - IpSet, HostSet: move-only; an owning one frees its storage when destroyed; a view (acs(),
 *    load_view) borrows memory that must outlive it.
 *  - Verifier<N>: owns the scratch buffer a verification decodes into; it cannot be copied or
 *    moved. The Claims it returns are views into that scratch: valid until the next verify() on
 *    the same Verifier or until it is destroyed. Copy out (std::string(*claims->sub())) what
 *    you keep longer. The free function verify() decodes into the caller's scratch instead:
 *    its Claims live as long as that buffer is neither reused nor freed.
 *  - Views returned into memory the caller passed: bearer_token() (into the header value),
 *    Claims::get_string() and parse_openid_configuration() (into the caller's buffer).
 *  - A Result owns its value; a Result<std::string_view> or Result<Claims> is a view like the
 *    value it holds.
 *
 * Each C function is called from exactly one place in this file (see the `c_` comment markers),
 * so an ABI change is adapted in one spot.
 */
#ifndef TOLLGATE_HPP
#define TOLLGATE_HPP

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <new>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

#include "tollgate.h"

namespace tollgate {

/// A status of the C ABI (`TOLLGATE_STATUS_OK` or why a call failed); values are stable.
using Status = ::tollgate_status;

/// The stable name of any status value (`"ok"`, `"expired"`, ..., `"unknown_status"`).
/// The text is static and NUL-terminated, so `.data()` may be passed to printf.
[[nodiscard]] inline std::string_view status_name(std::uint32_t status) noexcept {
  return std::string_view(::tollgate_status_str(status));  // c_: tollgate_status_str
}

/// The library version as static text, e.g. `"0.1.0"`.
[[nodiscard]] inline std::string_view version() noexcept {
  return std::string_view(::tollgate_version());  // c_: tollgate_version
}

/// Whether the library linked at run time has the object sizes and alignment this header was
/// compiled with (a shared library from another build would make KeySet/Policy the wrong size).
/// Check once at start-up when linking the shared library.
[[nodiscard]] inline bool abi_matches() noexcept {
  static_assert(sizeof(::tollgate_keyset) == TOLLGATE_KEYSET_SIZE, "tollgate_keyset size");
  static_assert(sizeof(::tollgate_policy) == TOLLGATE_POLICY_SIZE, "tollgate_policy size");
  static_assert(sizeof(::tollgate_ipset) == TOLLGATE_IPSET_SIZE, "tollgate_ipset size");
  static_assert(sizeof(::tollgate_hostset) == TOLLGATE_HOSTSET_SIZE, "tollgate_hostset size");
  return ::tollgate_keyset_size() == sizeof(::tollgate_keyset) &&    // c_: tollgate_keyset_size
         ::tollgate_policy_size() == sizeof(::tollgate_policy) &&    // c_: tollgate_policy_size
         ::tollgate_ipset_align() == std::size_t{TOLLGATE_IPSET_ALIGN} &&  // c_: tollgate_ipset_align
         ::tollgate_ipset_size() == sizeof(::tollgate_ipset) &&  // c_: tollgate_ipset_size
         ::tollgate_hostset_size() == sizeof(::tollgate_hostset) &&  // c_: tollgate_hostset_size
         ::tollgate_hostset_align() ==
             std::size_t{TOLLGATE_HOSTSET_ALIGN}  // c_: tollgate_hostset_align
#ifdef TOLLGATE_ABI_VERSION  // headers with the ABI version and every *_size() function
         && ::tollgate_abi_version() == TOLLGATE_ABI_VERSION  // c_: tollgate_abi_version
         && ::tollgate_claims_size() == sizeof(::tollgate_claims)  // c_: tollgate_claims_size
         && ::tollgate_jwks_report_size() ==
                sizeof(::tollgate_jwks_report)  // c_: tollgate_jwks_report_size
#endif
      ;
}

/// The current time in Unix seconds (the `now` that verification takes).
[[nodiscard]] inline std::uint64_t unix_now() noexcept {
  auto since = std::chrono::system_clock::now().time_since_epoch();
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(since).count();
  return secs < 0 ? 0 : static_cast<std::uint64_t>(secs);
}

namespace detail {
/// Ends the process: the response to using the value of a failed Result (a caller bug).
[[noreturn]] inline void bad_access() noexcept { std::abort(); }

/// A (pointer, length) view for the C ABI; a NULL pointer only with length 0.
inline ::tollgate_str to_c(std::string_view s) noexcept {
  ::tollgate_str out;
  out.ptr = s.data();
  out.len = s.size();
  return out;
}

/// The view of a C (pointer, length) pair; empty for NULL.
inline std::string_view from_c(const char* ptr, std::size_t len) noexcept {
  return ptr == nullptr ? std::string_view() : std::string_view(ptr, len);
}

inline std::string_view from_c(::tollgate_str s) noexcept { return from_c(s.ptr, s.len); }

/// Selects the failure constructor of Result<T> (so a T made from a status is never ambiguous).
struct FailureTag {};

/// Whether `Range` is a container whose elements convert to std::string_view (a char array is
/// not: it is one string).
template <class Range, class = void>
struct is_string_range : std::false_type {};
template <class Range>
struct is_string_range<Range, std::void_t<decltype(std::begin(std::declval<const Range&>()))>>
    : std::is_convertible<decltype(*std::begin(std::declval<const Range&>())), std::string_view> {};
}  // namespace detail

/// The outcome of a fallible call: a status and, when it is `ok`, a value.
///
/// `value()` (and `*`, `->`) on a failed result is a programming error and aborts the process;
/// check `ok()` first or use `value_or()`.
template <class T>
class [[nodiscard]] Result {
 public:
  /// A successful result holding `value`.
  Result(T value) noexcept(std::is_nothrow_move_constructible<T>::value)  // NOLINT: implicit
      : status_(TOLLGATE_STATUS_OK), value_(std::move(value)) {}

  /// Not a value: a status is given to `failure()` (this keeps `Result<bool>(status)` from
  /// meaning "success, true").
  template <class S, std::enable_if_t<std::is_same<S, Status>::value &&
                                          !std::is_same<T, Status>::value, int> = 0>
  Result(S) = delete;

  /// A failed result with `status` (which must not be `ok`; `ok` is turned into
  /// `invalid_argument` so that a Result never claims success without a value).
  static Result failure(Status status) noexcept {
    return Result(detail::FailureTag(),
                  status == TOLLGATE_STATUS_OK ? TOLLGATE_STATUS_INVALID_ARGUMENT : status);
  }

  /// Whether the call succeeded.
  bool ok() const noexcept { return status_ == TOLLGATE_STATUS_OK; }
  /// Same as `ok()`.
  explicit operator bool() const noexcept { return ok(); }
  /// The status (`TOLLGATE_STATUS_OK` on success).
  Status status() const noexcept { return status_; }
  /// The stable name of the status (`"ok"`, `"expired"`, ...).
  std::string_view name() const noexcept { return status_name(status_); }

  /// The value; aborts when the result failed.
  T& value() & noexcept {
    if (!ok()) detail::bad_access();
    return *value_;
  }
  /// The value; aborts when the result failed.
  const T& value() const& noexcept {
    if (!ok()) detail::bad_access();
    return *value_;
  }
  /// The value, moved out; aborts when the result failed.
  T&& value() && noexcept {
    if (!ok()) detail::bad_access();
    return std::move(*value_);
  }
  /// The value, or `fallback` when the result failed.
  T value_or(T fallback) const& { return ok() ? *value_ : fallback; }
  /// The value, moved out, or `fallback` when the result failed.
  T value_or(T fallback) && { return ok() ? std::move(*value_) : std::move(fallback); }

  /// Access to the value; aborts when the result failed.
  T& operator*() & noexcept { return value(); }
  /// Access to the value; aborts when the result failed.
  const T& operator*() const& noexcept { return value(); }
  /// Access to the value's members; aborts when the result failed.
  T* operator->() noexcept { return &value(); }
  /// Access to the value's members; aborts when the result failed.
  const T* operator->() const noexcept { return &value(); }

 protected:
  /// A successful result holding a default T built in place (for types that fill themselves
  /// in, such as KeySet, without a copy through the stack).
  explicit Result(std::in_place_t) noexcept : status_(TOLLGATE_STATUS_OK), value_(std::in_place) {}
  /// The value's storage while it is being filled in (only after the in-place constructor).
  T& storage() noexcept { return *value_; }
  /// Turns this into a failed result with `status` (not `ok`), dropping the value.
  void fail(Status status) noexcept {
    status_ = status == TOLLGATE_STATUS_OK ? TOLLGATE_STATUS_INVALID_ARGUMENT : status;
    value_.reset();
  }

 private:
  Result(detail::FailureTag, Status status) noexcept : status_(status), value_() {}
  Status status_;
  std::optional<T> value_;
};

/// The outcome of a call that returns only a status.
template <>
class [[nodiscard]] Result<void> {
 public:
  /// A result with this status (`TOLLGATE_STATUS_OK` is success).
  Result(Status status) noexcept : status_(status) {}  // NOLINT: implicit
  /// A successful result.
  static Result success() noexcept { return Result(TOLLGATE_STATUS_OK); }
  /// A failed result (`ok` is turned into `invalid_argument`, as for `Result<T>`).
  static Result failure(Status status) noexcept {
    return Result(status == TOLLGATE_STATUS_OK ? TOLLGATE_STATUS_INVALID_ARGUMENT : status);
  }
  /// Whether the call succeeded.
  bool ok() const noexcept { return status_ == TOLLGATE_STATUS_OK; }
  /// Same as `ok()`.
  explicit operator bool() const noexcept { return ok(); }
  /// The status (`TOLLGATE_STATUS_OK` on success).
  Status status() const noexcept { return status_; }
  /// The stable name of the status.
  std::string_view name() const noexcept { return status_name(status_); }

 private:
  Status status_;
};

namespace detail {
/// A Result<T> from a status and a value computed only on success.
template <class T, class F>
Result<T> make_result(Status status, F&& on_ok) {
  if (status != TOLLGATE_STATUS_OK) return Result<T>::failure(status);
  return Result<T>(std::forward<F>(on_ok)());
}
}  // namespace detail

// ---------------------------------------------------------------------------------------------
// HTTP helpers

/// The token of an `Authorization` header value `Bearer <token68>`: a view into `header_value`
/// (valid as long as it is). Fails with `invalid_authorization`.
[[nodiscard]] inline Result<std::string_view> bearer_token(std::string_view header_value) noexcept {
  const char* token = nullptr;
  std::size_t len = 0;
  Status st = ::tollgate_bearer_token(header_value.data(), header_value.size(), &token,
                                      &len);  // c_: tollgate_bearer_token
  return detail::make_result<std::string_view>(st, [&] { return detail::from_c(token, len); });
}

/// Most accepted API keys the C++ helpers pass in one call (the C ABI takes any number).
constexpr std::size_t kMaxApiKeys = 16;

/// Check the API key in query parameter `param` of request target `uri` against `count`
/// accepted `keys` (several during a rotation), in constant time. `ok`, or `key_mismatch`,
/// `missing_parameter`, `duplicate_parameter`, `invalid_uri`, `invalid_argument` (no keys, an
/// empty key or param, or more than `kMaxApiKeys` keys), `invalid_text`.
[[nodiscard]] inline Result<void> check_api_key(std::string_view uri, std::string_view param,
                                                const std::string_view* keys,
                                                std::size_t count) noexcept {
  if (count > kMaxApiKeys || (keys == nullptr && count != 0)) {
    return Result<void>::failure(count > kMaxApiKeys ? TOLLGATE_STATUS_INVALID_ARGUMENT
                                                     : TOLLGATE_STATUS_NULL_POINTER);
  }
  ::tollgate_str c_keys[kMaxApiKeys] = {};
  for (std::size_t i = 0; i < count; i++) c_keys[i] = detail::to_c(keys[i]);
  return Result<void>(::tollgate_apikey_check(uri.data(), uri.size(), param.data(), param.size(),
                                              c_keys, count));  // c_: tollgate_apikey_check
}

/// `check_api_key` with the keys in a braced list: `check_api_key(uri, "token", {new, old})`.
[[nodiscard]] inline Result<void> check_api_key(std::string_view uri, std::string_view param,
                                                std::initializer_list<std::string_view> keys) noexcept {
  return check_api_key(uri, param, keys.begin(), keys.size());
}

/// `check_api_key` with the keys in any container of things convertible to std::string_view
/// (e.g. `std::vector<std::string>`).
template <class Keys, class = std::enable_if_t<detail::is_string_range<Keys>::value>>
[[nodiscard]] Result<void> check_api_key(std::string_view uri, std::string_view param,
                                         const Keys& keys) noexcept {
  std::string_view views[kMaxApiKeys];
  std::size_t n = 0;
  for (const auto& key : keys) {
    if (n == kMaxApiKeys) return Result<void>::failure(TOLLGATE_STATUS_INVALID_ARGUMENT);
    views[n++] = std::string_view(key);
  }
  return check_api_key(uri, param, views, n);
}

/// What an OpenID configuration document says (`parse_openid_configuration`): views into the
/// caller's buffer.
struct OpenIdConfiguration {
  /// `issuer`, unescaped (compare it with the issuer you expect before trusting the document).
  std::string_view issuer;
  /// `jwks_uri`, unescaped (an `https://` URL): fetch the JWKS from it.
  std::string_view jwks_uri;
};

/// Read an OpenID configuration document (`.well-known/openid-configuration`, or ACS's
/// `acsopenidconfiguration`), unescaping `issuer` and `jwks_uri` into `buf`/`cap` (the views
/// point into it; `2 * doc.size()` bytes always suffice). Fails with `invalid_discovery`,
/// `insecure_jwks_uri`, `buffer_too_small`.
[[nodiscard]] inline Result<OpenIdConfiguration> parse_openid_configuration(
    std::string_view doc, char* buf, std::size_t cap) noexcept {
  if (buf == nullptr && cap != 0) return Result<OpenIdConfiguration>::failure(TOLLGATE_STATUS_NULL_POINTER);
  const std::size_t half = cap / 2;
  char* uri_buf = buf == nullptr ? nullptr : buf + half;
  std::size_t issuer_len = 0, uri_len = 0;
  Status st = ::tollgate_oidc_parse(doc.data(), doc.size(), buf, half, &issuer_len, uri_buf,
                                    cap - half, &uri_len);  // c_: tollgate_oidc_parse
  return detail::make_result<OpenIdConfiguration>(st, [&] {
    return OpenIdConfiguration{detail::from_c(buf, issuer_len), detail::from_c(uri_buf, uri_len)};
  });
}

// ---------------------------------------------------------------------------------------------
// Addresses

/// A transport protocol for `acs_allows` (IANA numbers).
enum class Protocol : std::uint32_t {
  /// TCP (6).
  tcp = TOLLGATE_PROTOCOL_TCP,
  /// UDP (17).
  udp = TOLLGATE_PROTOCOL_UDP,
};

/// Tag of the ACS media ranges in `IpSet::acs()`.
constexpr std::uint32_t kAcsMedia = TOLLGATE_ACS_MEDIA;
/// Tag of the ACS callback ranges in `IpSet::acs()`.
constexpr std::uint32_t kAcsCallback = TOLLGATE_ACS_CALLBACK;

/// Whether ACS traffic from `addr` (`addr_len` 4 or 16 bytes, network order) may reach an
/// appliance on `protocol`/`port`: media ranges on UDP 3478–3481, callback ranges on TCP 443 and
/// 80 and UDP 443. Fails with `unknown_protocol`, `invalid_argument` (port above 65535, another
/// address length), `null_pointer`.
[[nodiscard]] inline Result<bool> acs_allows(const std::uint8_t* addr, std::size_t addr_len,
                                             Protocol protocol, std::uint32_t port) noexcept {
  bool allowed = false;
  Status st = ::tollgate_acs_allows(addr, addr_len, static_cast<std::uint32_t>(protocol), port,
                                    &allowed);  // c_: tollgate_acs_allows
  return detail::make_result<bool>(st, [&] { return allowed; });
}

/// `acs_allows` for an IPv4 or IPv6 address held in a `std::uint8_t[4]` or `[16]` array.
template <std::size_t N>
[[nodiscard]] Result<bool> acs_allows(const std::uint8_t (&addr)[N], Protocol protocol,
                                      std::uint32_t port) noexcept {
  static_assert(N == 4 || N == 16, "an address is 4 (IPv4) or 16 (IPv6) bytes");
  return acs_allows(addr, N, protocol, port);
}

namespace detail {
template <class Derived, class Api>
class Table;
}  // namespace detail

/// What is wrong with a CIDR or host-name list (`IpSet::explain`, `HostSet::explain`): text
/// such as `line 3: host_bits_set: did you mean 10.0.0.0/8?`, empty when the list is valid.
class ListExplanation {
 public:
  /// The explanation (a view into this object).
  std::string_view text() const noexcept { return std::string_view(text_, len_); }
  /// Whether the list was valid (the text is empty).
  bool valid() const noexcept { return len_ == 0; }

 private:
  template <class Derived, class Api>
  friend class detail::Table;
  char text_[128] = {};
  std::size_t len_ = 0;
};

namespace detail {

/// The C functions behind `IpSet`.
struct IpSetApi {
  using Handle = ::tollgate_ipset;
  static constexpr std::size_t kAlign = TOLLGATE_IPSET_ALIGN;
  static Status required_size(const char* list, std::size_t len, std::size_t* out) noexcept {
    return ::tollgate_ipset_required_size(list, len, out);  // c_: tollgate_ipset_required_size
  }
  static Status build(void* storage, std::size_t size, const char* list, std::size_t len,
                      Handle* out) noexcept {
    return ::tollgate_ipset_build(storage, size, list, len, out);  // c_: tollgate_ipset_build
  }
  static Status load(const void* image, std::size_t len, Handle* out) noexcept {
    return ::tollgate_ipset_load(image, len, out);  // c_: tollgate_ipset_load
  }
  static Status explain(const char* list, std::size_t len, char* buf, std::size_t cap,
                        std::size_t* out) noexcept {
    return ::tollgate_ipset_explain(list, len, buf, cap, out);  // c_: tollgate_ipset_explain
  }
  static const Handle* acs() noexcept {
    return ::tollgate_acs_ipset();  // c_: tollgate_acs_ipset
  }
  static const void* image(const Handle* set) noexcept {
    return ::tollgate_ipset_image(set);  // c_: tollgate_ipset_image
  }
  static std::size_t image_len(const Handle* set) noexcept {
    return ::tollgate_ipset_image_len(set);  // c_: tollgate_ipset_image_len
  }
};

/// The C functions behind `HostSet`.
struct HostSetApi {
  using Handle = ::tollgate_hostset;
  static constexpr std::size_t kAlign = TOLLGATE_HOSTSET_ALIGN;
  static Status required_size(const char* list, std::size_t len, std::size_t* out) noexcept {
    return ::tollgate_hostset_required_size(list, len, out);  // c_: tollgate_hostset_required_size
  }
  static Status build(void* storage, std::size_t size, const char* list, std::size_t len,
                      Handle* out) noexcept {
    return ::tollgate_hostset_build(storage, size, list, len, out);  // c_: tollgate_hostset_build
  }
  static Status load(const void* image, std::size_t len, Handle* out) noexcept {
    return ::tollgate_hostset_load(image, len, out);  // c_: tollgate_hostset_load
  }
  static Status explain(const char* list, std::size_t len, char* buf, std::size_t cap,
                        std::size_t* out) noexcept {
    return ::tollgate_hostset_explain(list, len, buf, cap, out);  // c_: tollgate_hostset_explain
  }
  static const Handle* acs() noexcept {
    return ::tollgate_acs_hostset();  // c_: tollgate_acs_hostset
  }
  static const void* image(const Handle* set) noexcept {
    return ::tollgate_hostset_image(set);  // c_: tollgate_hostset_image
  }
  static std::size_t image_len(const Handle* set) noexcept {
    return ::tollgate_hostset_image_len(set);  // c_: tollgate_hostset_image_len
  }
};

/// What `IpSet` and `HostSet` share: a table image and the C handle that reads it. An owning
/// table (built from a list, or a copy of an image) frees its storage when destroyed; a view
/// (`acs()`, `load_view`) borrows memory that must outlive it. Move-only (`clone()` copies); a
/// moved-from or default-constructed table is empty.
///
/// It holds the C handle by value; the handle points at the image, which is a heap block
/// (owning), the caller's memory (view) or static data (`acs()`), never at the table object
/// itself, so a move copies the handle and the image stays where it was.
template <class Derived, class Api>
class Table {
 public:
  /// The alignment the table storage and images need (`TOLLGATE_IPSET_ALIGN`,
  /// `TOLLGATE_HOSTSET_ALIGN`).
  static constexpr std::size_t kAlign = Api::kAlign;

  /// Build a table from a list (see `IpSet`, `HostSet` for the line formats) into storage this
  /// object allocates (aligned `new`) and owns. Fails with the list's error
  /// (`invalid_address`, `host_bits_set`, `invalid_host_name`, ...; `explain()` says which
  /// line), or `buffer_too_small` when the storage cannot be allocated.
  [[nodiscard]] static Result<Derived> build(std::string_view list) noexcept {
    std::size_t size = 0;
    Status st = Api::required_size(list.data(), list.size(), &size);
    if (st != TOLLGATE_STATUS_OK) return Result<Derived>::failure(st);
    Storage storage = allocate(size);
    if (!storage) return Result<Derived>::failure(TOLLGATE_STATUS_BUFFER_TOO_SMALL);
    Derived set;
    st = Api::build(storage.get(), size, list.data(), list.size(), &set.handle_);
    if (st != TOLLGATE_STATUS_OK) return Result<Derived>::failure(st);
    set.storage_ = std::move(storage);
    set.filled_ = true;
    return Result<Derived>(std::move(set));
  }

  /// Copy the table image `image`/`len` (e.g. a file written by `tollgate compile-ipset` or
  /// `compile-hostset`) into storage this object allocates and owns, and validate it
  /// completely. Fails with `image_truncated`, `image_bad_magic`, `image_bad_checksum`,
  /// `image_corrupt`, ...; `buffer_too_small` when the storage cannot be allocated. The
  /// caller's memory may be freed afterwards and needs no alignment.
  [[nodiscard]] static Result<Derived> load_copy(const void* image, std::size_t len) noexcept {
    if (image == nullptr && len != 0) return Result<Derived>::failure(TOLLGATE_STATUS_NULL_POINTER);
    Storage storage = allocate(len);
    if (!storage) return Result<Derived>::failure(TOLLGATE_STATUS_BUFFER_TOO_SMALL);
    if (len != 0) std::memcpy(storage.get(), image, len);
    Derived set;
    Status st = Api::load(storage.get(), len, &set.handle_);
    if (st != TOLLGATE_STATUS_OK) return Result<Derived>::failure(st);
    set.storage_ = std::move(storage);
    set.filled_ = true;
    return Result<Derived>(std::move(set));
  }

  /// Validate the table image `image`/`len` in place and borrow it (no copy, no allocation):
  /// the memory must be aligned to `kAlign`, stay unchanged and outlive the table (e.g. an
  /// mmap'ed file). Fails like `load_copy`, and with `misaligned`.
  [[nodiscard]] static Result<Derived> load_view(const void* image, std::size_t len) noexcept {
    Derived set;
    Status st = Api::load(image, len, &set.handle_);
    if (st != TOLLGATE_STATUS_OK) return Result<Derived>::failure(st);
    set.filled_ = true;
    return Result<Derived>(std::move(set));
  }

  /// The built-in Azure Communication Services table (a view of static read-only data).
  [[nodiscard]] static Derived acs() noexcept {
    Derived set;
    const typename Api::Handle* fixed = Api::acs();
    if (fixed != nullptr) {
      set.handle_ = *fixed;  // handles may be copied; this one refers to static data
      set.filled_ = true;
    }
    return set;
  }

  /// An owning copy of this table's image (for a view too). Fails with `null_pointer` for an
  /// empty table, `buffer_too_small` when the storage cannot be allocated.
  [[nodiscard]] Result<Derived> clone() const noexcept {
    if (!filled_) return Result<Derived>::failure(TOLLGATE_STATUS_NULL_POINTER);
    return load_copy(image_data(), image_size());
  }

  /// Describe what is wrong with a list, e.g. `line 3: invalid_host_name` (empty text when it
  /// is valid). Fails with `invalid_text`.
  [[nodiscard]] static Result<ListExplanation> explain(std::string_view list) noexcept {
    ListExplanation out;
    std::size_t len = 0;
    Status st = Api::explain(list.data(), list.size(), out.text_, sizeof out.text_, &len);
    out.len_ = len;
    return detail::make_result<ListExplanation>(st, [&] { return out; });
  }

  /// Whether this holds a table.
  bool empty() const noexcept { return !filled_; }
  /// Whether this object owns its storage (false for views and empty tables).
  bool owns_storage() const noexcept { return static_cast<bool>(storage_); }

  /// The table's relocatable image (what to write to a file); NULL for an empty table.
  const std::byte* image_data() const noexcept {
    return static_cast<const std::byte*>(Api::image(raw()));
  }
  /// The image's length in bytes; 0 for an empty table.
  std::size_t image_size() const noexcept { return Api::image_len(raw()); }
  /// The C handle (NULL for an empty table), for the functions of tollgate.h. It points into
  /// this object: valid while it lives and is not moved from or assigned to.
  const typename Api::Handle* raw() const noexcept { return filled_ ? &handle_ : nullptr; }

 protected:
  Table() noexcept : handle_() {}
  Table(Table&& other) noexcept
      : storage_(std::move(other.storage_)),
        handle_(other.handle_),
        filled_(std::exchange(other.filled_, false)) {}
  Table& operator=(Table&& other) noexcept {
    if (this != &other) {
      storage_ = std::move(other.storage_);
      handle_ = other.handle_;
      filled_ = std::exchange(other.filled_, false);
    }
    return *this;
  }
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;
  ~Table() = default;

 private:
  struct AlignedDelete {
    void operator()(std::byte* p) const noexcept {
      ::operator delete[](p, std::align_val_t(kAlign));
    }
  };
  using Storage = std::unique_ptr<std::byte[], AlignedDelete>;

  static Storage allocate(std::size_t size) noexcept {
    void* p = ::operator new[](size == 0 ? 1 : size, std::align_val_t(kAlign), std::nothrow);
    return Storage(static_cast<std::byte*>(p));
  }

  Storage storage_;              // the image of an owning table (a heap block: it never moves)
  typename Api::Handle handle_;  // filled by build/load or copied from the ACS handle
  bool filled_ = false;          // whether handle_ holds a table
};

}  // namespace detail

/// A CIDR table (one `CIDR [tagmask]` per line, `#` comments; `compile-ipset` images). Owning
/// or a view, move-only, as `detail::Table` describes. A moved-from or default-constructed
/// IpSet is empty: lookups answer 0 and `lookup_text`/`lookup_many` fail with `null_pointer`.
/// `acs()` tags media ranges `kAcsMedia` and callback ranges `kAcsCallback`. Lookups never
/// allocate and are safe from any number of threads.
class IpSet : public detail::Table<IpSet, detail::IpSetApi> {
 public:
  /// An empty set (no table; every lookup answers 0).
  IpSet() noexcept = default;

  /// The tag mask of an address of `len` bytes (4 or 16, network order): the OR of the tags of
  /// every prefix containing it, 0 when none (and for any other length or an empty set).
  /// IPv4-mapped IPv6 addresses are looked up as IPv4.
  std::uint32_t lookup(const std::uint8_t* addr, std::size_t len) const noexcept {
    return ::tollgate_ipset_lookup(raw(), addr, len);  // c_: tollgate_ipset_lookup
  }
  /// `lookup` for an address held in a `std::uint8_t[4]` or `[16]` array.
  template <std::size_t N>
  std::uint32_t lookup(const std::uint8_t (&addr)[N]) const noexcept {
    static_assert(N == 4 || N == 16, "an address is 4 (IPv4) or 16 (IPv6) bytes");
    return lookup(addr, N);
  }
  /// The tag mask of an address in strict text form (`"52.112.0.1"`, `"2001:db8::1"`). Fails
  /// with `invalid_address`, `invalid_text`, `null_pointer` (empty set).
  [[nodiscard]] Result<std::uint32_t> lookup_text(std::string_view addr) const noexcept {
    std::uint32_t tags = 0;
    Status st = ::tollgate_ipset_lookup_text(raw(), addr.data(), addr.size(),
                                             &tags);  // c_: tollgate_ipset_lookup_text
    return detail::make_result<std::uint32_t>(st, [&] { return tags; });
  }
  /// Look up `count` addresses of `addr_len` bytes each (4 or 16), back to back in `addrs`;
  /// `out_tags[i]` receives the i-th tag mask (written only on success). Fails with
  /// `invalid_argument`, `null_pointer`.
  [[nodiscard]] Result<void> lookup_many(const std::uint8_t* addrs, std::size_t addr_len,
                                         std::size_t count, std::uint32_t* out_tags) const noexcept {
    return Result<void>(::tollgate_ipset_lookup_many(raw(), addrs, addr_len, count,
                                                     out_tags));  // c_: tollgate_ipset_lookup_many
  }
};

/// A host-name table: exact names and `*.domain` wildcards (every name at least one label
/// below the domain, never the domain itself), each with a tag mask (one `name [tagmask]` or
/// `*.name [tagmask]` per line, `#` comments; `compile-hostset` images). Owning or a view,
/// move-only, as `detail::Table` describes; a moved-from or default-constructed HostSet is
/// empty (`lookup` fails with `null_pointer`). `acs()` holds the guide's host names, each
/// tagged `kAcsCallback`. Lookups never allocate and are safe from any number of threads.
class HostSet : public detail::Table<HostSet, detail::HostSetApi> {
 public:
  /// An empty set (no table; `lookup` fails with `null_pointer`).
  HostSet() noexcept = default;

  /// The tag mask of host name `name`: the OR of the tags of every matching entry, 0 when none.
  /// ASCII case-insensitive; one trailing dot is ignored. Fails with `invalid_host_name` (empty
  /// labels, `*`, a port, spaces, over-long labels or names, ...), `null_pointer` (empty set).
  [[nodiscard]] Result<std::uint32_t> lookup(std::string_view name) const noexcept {
    std::uint32_t tags = 0;
    Status st = ::tollgate_hostset_lookup(raw(), name.data(), name.size(),
                                          &tags);  // c_: tollgate_hostset_lookup
    return detail::make_result<std::uint32_t>(st, [&] { return tags; });
  }
};

// ---------------------------------------------------------------------------------------------
// Keys

/// One JWKS entry `KeySet::parse` skipped: its index in `keys` and why.
struct SkippedKey {
  /// Zero-based index in the document's `keys` array.
  std::uint32_t index;
  /// Why (`TOLLGATE_SKIP_*`).
  std::uint32_t reason;
  /// The stable name of the reason (`"not_rsa"`, `"bad_encoding"`, ...).
  std::string_view reason_name() const noexcept {
    return std::string_view(::tollgate_skip_reason_str(reason));  // c_: tollgate_skip_reason_str
  }
};

/// What `KeySet::parse` did with each JWKS entry. Written on failure too: then it holds the
/// entries judged before the failure was found (see `tollgate_keyset_parse`).
class JwksReport {
 public:
  JwksReport() noexcept : raw_() {}
  /// Keys loaded.
  std::uint32_t loaded() const noexcept { return raw_.loaded; }
  /// Entries skipped (not usable for RS256; not an error).
  std::uint32_t skipped() const noexcept { return raw_.skipped; }
  /// Entries skipped for `reason` (`TOLLGATE_SKIP_*`); 0 for unknown reasons.
  std::uint32_t skipped_for(std::uint32_t reason) const noexcept {
    return reason < TOLLGATE_SKIP_REASON_SLOTS ? raw_.skipped_for[reason] : 0;
  }
  /// How many skipped entries are listed individually (the first ones, in document order).
  std::size_t listed_size() const noexcept {
    return raw_.listed_len < TOLLGATE_JWKS_REPORT_LISTED ? raw_.listed_len
                                                         : TOLLGATE_JWKS_REPORT_LISTED;
  }
  /// Listed skipped entry `i` (`i < listed_size()`, else `{0, 0}`).
  SkippedKey listed(std::size_t i) const noexcept {
    if (i >= listed_size()) return SkippedKey{0, 0};
    return SkippedKey{raw_.listed[i].index, raw_.listed[i].reason};
  }
  /// The C struct.
  const ::tollgate_jwks_report& raw() const noexcept { return raw_; }

 private:
  friend class KeySet;
  ::tollgate_jwks_report raw_;
};

class KeySetParse;

/// Up to `TOLLGATE_KEYSET_CAPACITY` RS256 public keys parsed from a JWKS document. A plain
/// value (about 19 KiB, no pointers inside): copying or moving it copies the bytes; place it
/// where such a size is welcome (static, heap, a member — not a small thread stack). Immutable
/// once parsed: any number of threads may verify with one KeySet. To rotate keys, parse into a
/// new KeySet and swap which one your threads use. A default-constructed KeySet has no keys
/// (verification fails with `invalid_argument`).
class KeySet {
 public:
  /// An empty (never parsed) key set.
  KeySet() noexcept : raw_() {}

  /// Parse a JWKS document (RFC 7517 JSON). Unusable keys are skipped and reported, not fatal.
  /// Fails with `invalid_jwks`, `duplicate_kid`, `no_usable_key`, `keyset_full`. The result
  /// holds the 19 KiB set by value (parsed in place, so about that much stack, plus the
  /// library's own): on small thread stacks use `reparse` into a set placed elsewhere.
  [[nodiscard]] static KeySetParse parse(std::string_view jwks) noexcept;

  /// Parse a JWKS document into this set in place (no 19 KiB temporary). On failure the set
  /// keeps the keys it had. Never do this while other threads verify with this set.
  [[nodiscard]] Result<void> reparse(std::string_view jwks, JwksReport* report = nullptr) noexcept {
    return Result<void>(parse_in_place(jwks, report != nullptr ? &report->raw_ : nullptr));
  }

  /// How many keys the set holds (0 when never parsed).
  std::size_t size() const noexcept {
    return ::tollgate_keyset_len(&raw_);  // c_: tollgate_keyset_len
  }
  /// The `kid` of key `index` (document order): a view into this object, valid while it is
  /// unchanged; empty for a key without `kid`. Fails with `invalid_argument` (index out of
  /// range).
  [[nodiscard]] Result<std::string_view> kid(std::size_t index) const noexcept {
    const char* kid = nullptr;
    std::size_t len = 0;
    Status st = ::tollgate_keyset_kid(&raw_, index, &kid, &len);  // c_: tollgate_keyset_kid
    return detail::make_result<std::string_view>(st, [&] { return detail::from_c(kid, len); });
  }
  /// The C struct, for the functions of tollgate.h.
  const ::tollgate_keyset& raw() const noexcept { return raw_; }

 private:
  Status parse_in_place(std::string_view jwks, ::tollgate_jwks_report* report) noexcept {
    return ::tollgate_keyset_parse(&raw_, jwks.data(), jwks.size(),
                                   report);  // c_: tollgate_keyset_parse
  }
  ::tollgate_keyset raw_;
};

/// The outcome of `KeySet::parse`: a `Result<KeySet>` plus the load report.
class [[nodiscard]] KeySetParse : public Result<KeySet> {
 public:
  /// What was loaded and why each other entry was skipped.
  const JwksReport& report() const noexcept { return report_; }

 private:
  friend class KeySet;
  KeySetParse() noexcept : Result<KeySet>(std::in_place), report_() {}
  JwksReport report_;
};

inline KeySetParse KeySet::parse(std::string_view jwks) noexcept {
  // The set is parsed straight into the result's storage (no 19 KiB temporaries).
  KeySetParse out;
  Status st = out.storage().parse_in_place(jwks, &out.report_.raw_);
  if (st != TOLLGATE_STATUS_OK) out.fail(st);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Policy

/// What a verification accepts: the issuer, the audiences and the checks' settings. A plain
/// value (about 2.4 KiB; strings are copied in, no pointers inside): copy and move freely, share
/// between threads while nobody changes it.
class Policy {
 public:
  /// Tokens issued by `issuer` (exact match) for any of `count` `audiences` (the token's `aud`
  /// must contain one exactly). Defaults: leeway 60 s, tokens up to 16 KiB, `exp` required,
  /// any `typ`, no maximum age, JSON depth 32. Fails with `invalid_policy` (empty issuer, no or
  /// an empty audience, more than `TOLLGATE_POLICY_MAX_AUDIENCES`, too long), `invalid_text`.
  [[nodiscard]] static Result<Policy> make(std::string_view issuer,
                                           const std::string_view* audiences,
                                           std::size_t count) noexcept {
    if (count > TOLLGATE_POLICY_MAX_AUDIENCES)
      return Result<Policy>::failure(TOLLGATE_STATUS_INVALID_POLICY);
    if (audiences == nullptr && count != 0)
      return Result<Policy>::failure(TOLLGATE_STATUS_NULL_POINTER);
    ::tollgate_str auds[TOLLGATE_POLICY_MAX_AUDIENCES] = {};
    for (std::size_t i = 0; i < count; i++) auds[i] = detail::to_c(audiences[i]);
    Policy policy;
    Status st = ::tollgate_policy_init(&policy.raw_, issuer.data(), issuer.size(), auds,
                                       count);  // c_: tollgate_policy_init
    return detail::make_result<Policy>(st, [&] { return policy; });
  }
  /// `make` with one audience.
  [[nodiscard]] static Result<Policy> make(std::string_view issuer,
                                           std::string_view audience) noexcept {
    return make(issuer, &audience, 1);
  }
  /// `make` with the audiences in a braced list: `Policy::make(iss, {aud})`.
  [[nodiscard]] static Result<Policy> make(std::string_view issuer,
                                           std::initializer_list<std::string_view> audiences) noexcept {
    return make(issuer, audiences.begin(), audiences.size());
  }
  /// `make` with the audiences in any container of things convertible to std::string_view.
  template <class Auds, class = std::enable_if_t<detail::is_string_range<Auds>::value>>
  [[nodiscard]] static Result<Policy> make(std::string_view issuer, const Auds& audiences) noexcept {
    std::string_view views[TOLLGATE_POLICY_MAX_AUDIENCES];
    std::size_t n = 0;
    for (const auto& aud : audiences) {
      if (n == TOLLGATE_POLICY_MAX_AUDIENCES)
        return Result<Policy>::failure(TOLLGATE_STATUS_INVALID_POLICY);
      views[n++] = std::string_view(aud);
    }
    return make(issuer, views, n);
  }

  /// Clock-skew allowance for `exp`, `nbf` and `iat` (default 60 s).
  [[nodiscard]] Result<void> set_leeway(std::uint64_t seconds) noexcept {
    return Result<void>(::tollgate_policy_set_leeway(&raw_, seconds));  // c_: tollgate_policy_set_leeway
  }
  /// Longest token accepted in bytes (default 16384); longer ones fail with `too_large`. 0 is
  /// `invalid_policy`.
  [[nodiscard]] Result<void> set_max_token_len(std::size_t bytes) noexcept {
    return Result<void>(
        ::tollgate_policy_set_max_token_len(&raw_, bytes));  // c_: tollgate_policy_set_max_token_len
  }
  /// Whether tokens without `exp` are rejected with `missing_claim` (default true).
  [[nodiscard]] Result<void> set_require_exp(bool require) noexcept {
    // A bool converts without loss to both the current uint32_t flag and the coming bool.
    return Result<void>(::tollgate_policy_set_require_exp(
        &raw_, require));  // c_: tollgate_policy_set_require_exp
  }
  /// The header's `typ` must equal `typ` ignoring ASCII case (`wrong_type`); empty accepts
  /// any (the default). At most `TOLLGATE_POLICY_MAX_TYP_LEN` bytes (`invalid_policy`).
  [[nodiscard]] Result<void> set_typ(std::string_view typ) noexcept {
    return Result<void>(
        ::tollgate_policy_set_typ(&raw_, typ.data(), typ.size()));  // c_: tollgate_policy_set_typ
  }
  /// Require `iat` and reject tokens issued more than `seconds` (plus leeway) before now, or
  /// after now plus leeway (`too_old`; no `iat` is `missing_claim`). Off by default.
  [[nodiscard]] Result<void> set_max_age(std::uint64_t seconds) noexcept {
    return Result<void>(
        ::tollgate_policy_set_max_age(&raw_, seconds));  // c_: tollgate_policy_set_max_age
  }
  /// Maximum JSON nesting depth of the header and claims (default 32; 1 to 128, else
  /// `invalid_policy`).
  [[nodiscard]] Result<void> set_max_depth(std::uint32_t depth) noexcept {
    return Result<void>(
        ::tollgate_policy_set_max_depth(&raw_, depth));  // c_: tollgate_policy_set_max_depth
  }
  /// The C struct, for the functions of tollgate.h.
  const ::tollgate_policy& raw() const noexcept { return raw_; }

 private:
  Policy() noexcept : raw_() {}
  ::tollgate_policy raw_;
};

// ---------------------------------------------------------------------------------------------
// Verification

/// The verified claims of a token: views into the scratch buffer the verification decoded into
/// (a `Verifier`'s, or the caller's for `verify()`). Every view, and every getter, is valid
/// only while that scratch is unchanged: until the next verification with the same Verifier or
/// scratch, or until it is destroyed. Copying a Claims copies the views, not the text.
class Claims {
 public:
  /// `iss` (equal to the policy's issuer).
  std::string_view iss() const noexcept { return detail::from_c(raw_.iss); }
  /// The token's audience that matched.
  std::string_view aud() const noexcept { return detail::from_c(raw_.aud); }
  /// Which of the policy's audiences matched (0-based, in `Policy::make` order).
  std::size_t aud_index() const noexcept { return raw_.aud_index; }
  /// `sub`, when present.
  std::optional<std::string_view> sub() const noexcept {
    return raw_.has_sub ? std::optional<std::string_view>(detail::from_c(raw_.sub)) : std::nullopt;
  }
  /// `jti`, when present.
  std::optional<std::string_view> jti() const noexcept {
    return raw_.has_jti ? std::optional<std::string_view>(detail::from_c(raw_.jti)) : std::nullopt;
  }
  /// `exp` in Unix seconds (rounded down), when present.
  std::optional<std::uint64_t> exp() const noexcept {
    return raw_.has_exp ? std::optional<std::uint64_t>(raw_.exp) : std::nullopt;
  }
  /// `nbf` in Unix seconds (rounded up), when present.
  std::optional<std::uint64_t> nbf() const noexcept {
    return raw_.has_nbf ? std::optional<std::uint64_t>(raw_.nbf) : std::nullopt;
  }
  /// `iat` in Unix seconds (rounded down), when present.
  std::optional<std::uint64_t> iat() const noexcept {
    return raw_.has_iat ? std::optional<std::uint64_t>(raw_.iat) : std::nullopt;
  }
  /// The whole claim set as JSON text.
  std::string_view json() const noexcept { return detail::from_c(raw_.json); }

  /// The top-level claim `name` as JSON text (`"abc"` with quotes, `42`, `["a","b"]`). Fails
  /// with `claim_not_found`, `invalid_text`, `malformed` (the scratch changed).
  [[nodiscard]] Result<std::string_view> get(std::string_view name) const noexcept {
    const char* json = nullptr;
    std::size_t len = 0;
    Status st = ::tollgate_claims_get(&raw_, name.data(), name.size(), &json,
                                      &len);  // c_: tollgate_claims_get
    return detail::make_result<std::string_view>(st, [&] { return detail::from_c(json, len); });
  }
  /// The string claim `name`, unescaped into `buf`/`cap`: a view into `buf`. A buffer as long as
  /// the claim's JSON text (`get(name)`) always suffices. Fails with `claim_not_found`,
  /// `invalid_claim` (not a string), `buffer_too_small`, `invalid_text`, `malformed`; `buf` is
  /// written only on success.
  [[nodiscard]] Result<std::string_view> get_string(std::string_view name, char* buf,
                                                    std::size_t cap) const noexcept {
    std::size_t len = 0;
    Status st = ::tollgate_claims_get_str(&raw_, name.data(), name.size(), buf, cap,
                                          &len);  // c_: tollgate_claims_get_str
    return detail::make_result<std::string_view>(st, [&] { return detail::from_c(buf, len); });
  }
  /// `get_string` into a char array: `char buf[256]; claims.get_string("oid", buf)`.
  template <std::size_t N>
  [[nodiscard]] Result<std::string_view> get_string(std::string_view name,
                                                    char (&buf)[N]) const noexcept {
    return get_string(name, buf, N);
  }
#ifdef TOLLGATE_ABI_VERSION  // the typed getters came with the ABI version
  /// The integer claim `name` (a JSON number without fraction or exponent, in int64 range).
  /// Fails with `claim_not_found`, `invalid_claim` (not such a number), `invalid_text`,
  /// `malformed`.
  [[nodiscard]] Result<std::int64_t> get_i64(std::string_view name) const noexcept {
    std::int64_t out = 0;
    Status st = ::tollgate_claims_get_i64(&raw_, name.data(), name.size(),
                                          &out);  // c_: tollgate_claims_get_i64
    return detail::make_result<std::int64_t>(st, [&] { return out; });
  }
  /// The number claim `name` as a double, exactly rounded (significand at most 2^53, decimal
  /// exponent within ±22). Fails like `get_i64` (`invalid_claim` when not a number or outside
  /// that domain).
  [[nodiscard]] Result<double> get_f64(std::string_view name) const noexcept {
    double out = 0;
    Status st = ::tollgate_claims_get_f64(&raw_, name.data(), name.size(),
                                          &out);  // c_: tollgate_claims_get_f64
    return detail::make_result<double>(st, [&] { return out; });
  }
  /// The boolean claim `name` (`invalid_claim` when not `true` or `false`).
  [[nodiscard]] Result<bool> get_bool(std::string_view name) const noexcept {
    bool out = false;
    Status st = ::tollgate_claims_get_bool(&raw_, name.data(), name.size(),
                                           &out);  // c_: tollgate_claims_get_bool
    return detail::make_result<bool>(st, [&] { return out; });
  }
  /// How many strings the string-list claim `name` holds (a string counts as a list of one,
  /// as RFC 7519 allows for `aud`; `invalid_claim` for an array with a non-string).
  [[nodiscard]] Result<std::size_t> get_string_count(std::string_view name) const noexcept {
    std::size_t count = 0;
    Status st = ::tollgate_claims_get_str_count(&raw_, name.data(), name.size(),
                                                &count);  // c_: tollgate_claims_get_str_count
    return detail::make_result<std::size_t>(st, [&] { return count; });
  }
  /// String `index` of the string-list claim `name`, unescaped into `buf`/`cap`: a view into
  /// `buf` (written only on success). Fails like `get_string_count`, and with
  /// `invalid_argument` (index past the end) or `buffer_too_small`.
  [[nodiscard]] Result<std::string_view> get_string_at(std::string_view name, std::size_t index,
                                                       char* buf, std::size_t cap) const noexcept {
    std::size_t len = 0;
    Status st = ::tollgate_claims_get_str_at(&raw_, name.data(), name.size(), index, buf, cap,
                                             &len);  // c_: tollgate_claims_get_str_at
    return detail::make_result<std::string_view>(st, [&] { return detail::from_c(buf, len); });
  }
  /// `get_string_at` into a char array.
  template <std::size_t N>
  [[nodiscard]] Result<std::string_view> get_string_at(std::string_view name, std::size_t index,
                                                       char (&buf)[N]) const noexcept {
    return get_string_at(name, index, buf, N);
  }
#endif
  /// The C struct, for the functions of tollgate.h.
  const ::tollgate_claims& raw() const noexcept { return raw_; }
  /// Wraps claims filled by a successful `tollgate_verify` (same lifetime rules).
  explicit Claims(const ::tollgate_claims& raw) noexcept : raw_(raw) {}

 private:
  ::tollgate_claims raw_;
};

/// Scratch bytes a verification needs for a token of `token_len` bytes.
[[nodiscard]] inline std::size_t scratch_size(std::size_t token_len) noexcept {
  return ::tollgate_verify_scratch_size(token_len);  // c_: tollgate_verify_scratch_size
}

/// Verify `token` (without `Bearer `) with `keys` and `policy` at Unix time `now`, decoding
/// into the caller's `scratch`/`scratch_len` (any alignment; at least `scratch_size(token
/// length)`, else `buffer_too_small`). The Claims are views into `scratch`: valid until it is
/// reused or freed. Never allocates. Fails with the stable error of the first check that fails
/// (`bad_signature`, `expired`, `wrong_audience`, `unknown_kid`, ...).
[[nodiscard]] inline Result<Claims> verify(const KeySet& keys, const Policy& policy,
                                           std::string_view token, std::uint64_t now,
                                           void* scratch, std::size_t scratch_len) noexcept {
  ::tollgate_claims claims;
  Status st = ::tollgate_verify(&keys.raw(), &policy.raw(), token.data(), token.size(), now,
                                scratch, scratch_len, &claims);  // c_: tollgate_verify
  return detail::make_result<Claims>(st, [&] { return Claims(claims); });
}

/// The longest token a default policy accepts (16 KiB).
#ifdef TOLLGATE_DEFAULT_MAX_TOKEN_LEN
constexpr std::size_t kDefaultMaxTokenLen = TOLLGATE_DEFAULT_MAX_TOKEN_LEN;
#else
constexpr std::size_t kDefaultMaxTokenLen = 16384;
#endif

/// Scratch bytes of a default `Verifier`: `scratch_size(kDefaultMaxTokenLen)`, enough for every
/// token a default policy accepts (a token needs twice its length: the decoded parts plus room
/// to unescape claims). The tests check it equals `scratch_size(kDefaultMaxTokenLen)`.
#ifdef TOLLGATE_VERIFY_SCRATCH_MAX
constexpr std::size_t kDefaultScratchBytes = TOLLGATE_VERIFY_SCRATCH_MAX;
#else
constexpr std::size_t kDefaultScratchBytes = 2 * kDefaultMaxTokenLen;
#endif

/// Owns the scratch buffer verifications decode into (`ScratchBytes` bytes, inside the object:
/// no allocation; the default is 32 KiB, so prefer `thread_local`, static or heap placement to a
/// small thread stack). Use one per thread at a time; it cannot be copied or moved, because the Claims it returns are views into it,
/// valid until its next `verify()` or its destruction. Tokens needing more scratch than
/// `ScratchBytes` fail with `buffer_too_small`.
template <std::size_t ScratchBytes = kDefaultScratchBytes>
class Verifier {
 public:
  Verifier() noexcept = default;
  Verifier(const Verifier&) = delete;
  Verifier& operator=(const Verifier&) = delete;
  Verifier(Verifier&&) = delete;
  Verifier& operator=(Verifier&&) = delete;

  /// Verify `token` at Unix time `now`; see `tollgate::verify`. The previous Claims of this
  /// Verifier become invalid.
  [[nodiscard]] Result<Claims> verify(const KeySet& keys, const Policy& policy,
                                      std::string_view token, std::uint64_t now) noexcept {
    return ::tollgate::verify(keys, policy, token, now, scratch_, sizeof scratch_);
  }
  /// Verify `token` now (the system clock).
  [[nodiscard]] Result<Claims> verify(const KeySet& keys, const Policy& policy,
                                      std::string_view token) noexcept {
    return verify(keys, policy, token, unix_now());
  }
  /// The scratch capacity in bytes.
  static constexpr std::size_t capacity() noexcept { return ScratchBytes; }

 private:
  unsigned char scratch_[ScratchBytes];
};

}  // namespace tollgate

#endif  // TOLLGATE_HPP
