#include "transform/event_transformer.h"

#include <cstring>
#include <optional>

#include "transform/app_version.h"

namespace sqs2pg::transform {
namespace {

constexpr int64_t kMillisPerDay = 86400000;

// Slots for the fields we read, in the order they are checked.
enum Slot { kUserId, kDeviceType, kIp, kDeviceId, kAppVersion, kLocale, kSlots };
constexpr std::string_view kSlotNames[kSlots] = {"user_id",   "device_type", "ip",
                                                 "device_id", "app_version", "locale"};

int SlotOf(std::string_view name) {
  for (int i = 0; i < kSlots; ++i) {
    if (name == kSlotNames[i]) return i;
  }
  return -1;
}

// Code points, as varchar(n) counts them; the body is known to be valid UTF-8, so counting the
// bytes that do not continue a sequence is exact.
bool FitsChars(std::string_view text, int max_chars) {
  if (max_chars < 0 || text.size() <= static_cast<size_t>(max_chars)) return true;
  size_t chars = 0;
  for (char c : text) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return chars <= static_cast<size_t>(max_chars);
}

bool HasNul(std::string_view text) { return std::memchr(text.data(), '\0', text.size()); }

int32_t DaysSinceEpoch(int64_t ms) {
  int64_t days = ms / kMillisPerDay;
  if (ms % kMillisPerDay < 0) --days;  // floor, not truncation, before 1970
  return static_cast<int32_t>(days);
}

class Checker {
 public:
  Checker(const FlatValue* const* found, Rejection* rejection)
      : found_(found), rejection_(rejection) {}

  // The string under `slot`, or nullopt with a missing_field/wrong_type rejection.
  std::optional<std::string_view> RequiredString(Slot slot) {
    const FlatValue* v = found_[slot];
    if (v == nullptr) return Reject(RejectReason::kMissingField, slot);
    if (v->kind != ValueKind::kString) return Reject(RejectReason::kWrongType, slot);
    return v->text;
  }

  // A string that will be stored as text: no NUL, at most max_chars code points.
  std::optional<std::string_view> Storable(Slot slot, std::string_view text, int max_chars) {
    if (HasNul(text)) return Reject(RejectReason::kNulCharacter, slot);
    if (!FitsChars(text, max_chars)) return Reject(RejectReason::kTooLong, slot);
    return text;
  }

  std::nullopt_t Reject(RejectReason reason, Slot slot) {
    rejection_->Set(reason, kSlotNames[slot]);
    return std::nullopt;
  }
  bool Fail(RejectReason reason, Slot slot) {
    rejection_->Set(reason, kSlotNames[slot]);
    return false;
  }

 private:
  const FlatValue* const* found_;
  Rejection* rejection_;
};

// Whether the mask of a value_bytes-byte value fits a column of max_chars characters (masks are
// ASCII, so characters are bytes). Never cut a mask instead: an aes-siv mask would not decrypt.
bool MaskFits(const Masker& masker, size_t value_bytes, int max_chars) {
  return max_chars < 0 || masker.MaskedSize(value_bytes) <= static_cast<size_t>(max_chars);
}

}  // namespace

EventTransformer::EventTransformer(TargetColumns columns, Masker masker)
    : columns_(columns), masker_(std::move(masker)) {}

bool EventTransformer::Transform(std::string_view body, int64_t sent_timestamp_ms, LoginRow* row,
                                 Rejection* rejection) {
  if (!flattener_.Flatten(body, rejection)) return false;

  // The Flattener has rejected duplicates, so each slot is filled at most once.
  const FlatValue* found[kSlots] = {};
  for (const auto& [name, value] : flattener_.fields()) {
    int slot = SlotOf(name);
    if (slot >= 0) found[slot] = &value;
  }
  Checker check(found, rejection);

  std::optional<std::string_view> user_id = check.RequiredString(kUserId);
  if (!user_id || !check.Storable(kUserId, *user_id, columns_.user_id_max_chars)) return false;
  std::optional<std::string_view> device_type = check.RequiredString(kDeviceType);
  if (!device_type || !check.Storable(kDeviceType, *device_type, columns_.device_type_max_chars)) {
    return false;
  }
  std::optional<std::string_view> ip = check.RequiredString(kIp);
  if (!ip) return false;
  if (!MaskFits(masker_, ip->size(), columns_.masked_ip_max_chars)) {
    return check.Fail(RejectReason::kTooLong, kIp);
  }
  std::optional<std::string_view> device_id = check.RequiredString(kDeviceId);
  if (!device_id) return false;
  if (!MaskFits(masker_, device_id->size(), columns_.masked_device_id_max_chars)) {
    return check.Fail(RejectReason::kTooLong, kDeviceId);
  }

  std::optional<std::string_view> version = check.RequiredString(kAppVersion);
  if (!version) return false;
  std::optional<int32_t> encoded = EncodeAppVersion(*version);
  if (columns_.app_version_type == VersionColumnType::kInteger) {
    if (!encoded) return check.Fail(RejectReason::kInvalidVersion, kAppVersion);
  } else if (!check.Storable(kAppVersion, *version, columns_.app_version_max_chars)) {
    return false;
  }

  const FlatValue* locale = found[kLocale];
  if (locale != nullptr && locale->kind != ValueKind::kNull) {
    if (locale->kind != ValueKind::kString) {
      return check.Fail(RejectReason::kWrongType, kLocale);
    }
    if (!check.Storable(kLocale, locale->text, columns_.locale_max_chars)) return false;
  }

  // Everything is valid: fill the row, reusing its buffers.
  row->user_id.assign(*user_id);
  row->device_type.assign(*device_type);
  masker_.MaskInto(MaskField::kIp, *ip, &row->masked_ip);
  masker_.MaskInto(MaskField::kDeviceId, *device_id, &row->masked_device_id);
  if (locale != nullptr && locale->kind == ValueKind::kString) {
    if (row->locale) {
      row->locale->assign(locale->text);
    } else {
      row->locale.emplace(locale->text);
    }
  } else {
    row->locale.reset();
  }
  row->app_version_int = encoded.value_or(0);
  row->app_version_text.assign(*version);
  row->create_date_days = DaysSinceEpoch(sent_timestamp_ms);
  return true;
}

}  // namespace sqs2pg::transform
