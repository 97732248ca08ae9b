#include "transform/mapping/mapping_spec.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <new>
#include <set>

// Debian's libtomlplusplus3 is built with exceptions: its parse() lives in toml::ex and throws
// toml::parse_error. A build with TOML_EXCEPTIONS=0 would call toml::noex::parse, which that
// library does not export, and fail to link; say so at compile time instead.
static_assert(TOML_EXCEPTIONS, "Debian's toml++ library is built with exceptions");

namespace sqs2pg::transform::mapping {
namespace {

constexpr size_t kMaxMappingFileBytes = size_t{1} << 20;
constexpr size_t kMaxIdentifierBytes = 63;  // PostgreSQL's NAMEDATALEN - 1

const std::vector<std::string_view> kTopLevelKeys = {
    "table",   "envelope", "body_encoding", "unknown_fields", "mode",
    "flatten", "key",      "order_by",      "column"};
const std::vector<std::string_view> kColumnKeys = {"name",     "path",      "attribute",  "value",
                                                   "required", "transform", "mask_domain"};

template <typename E>
struct EnumWords {
  std::vector<std::pair<std::string_view, E>> words;

  std::optional<E> Find(std::string_view word) const {
    for (const auto& [w, e] : words) {
      if (w == word) return e;
    }
    return std::nullopt;
  }
  std::string_view Name(E e) const {
    for (const auto& [w, v] : words) {
      if (v == e) return w;
    }
    return words.front().first;
  }
  // "auto, none, sns or eventbridge"
  std::string List() const {
    std::string out;
    for (size_t i = 0; i < words.size(); ++i) {
      if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
      out += words[i].first;
    }
    return out;
  }
};

const EnumWords<Envelope> kEnvelopes{{{"auto", Envelope::kAuto},
                                      {"none", Envelope::kNone},
                                      {"sns", Envelope::kSns},
                                      {"eventbridge", Envelope::kEventBridge}}};
const EnumWords<BodyEncoding> kBodyEncodings{{{"auto", BodyEncoding::kAuto},
                                              {"json", BodyEncoding::kJson},
                                              {"base64", BodyEncoding::kBase64},
                                              {"gzip+base64", BodyEncoding::kGzipBase64}}};
const EnumWords<UnknownFields> kUnknownFields{{{"ignore", UnknownFields::kIgnore},
                                               {"reject", UnknownFields::kReject},
                                               {"count", UnknownFields::kCount}}};
const EnumWords<Mode> kModes{{{"append", Mode::kAppend}, {"upsert", Mode::kUpsert}}};
const EnumWords<Transform> kTransforms{{{"none", Transform::kNone},
                                        {"mask", Transform::kMask},
                                        {"semver_int", Transform::kSemverInt},
                                        {"utc_date", Transform::kUtcDate},
                                        {"timestamp", Transform::kTimestamp},
                                        {"timestamp_ms", Transform::kTimestampMs},
                                        {"json", Transform::kJson}}};

std::string_view TypeName(toml::node_type type) {
  switch (type) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

int LineOfNode(const toml::node& node) { return static_cast<int>(node.source().begin.line); }

bool HasControlCharacters(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

// A key that TOML would accept bare: safe to repeat in a message.
bool IsBareKey(std::string_view key) {
  return !key.empty() && key.size() <= 64 && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

// A column name that may appear in messages: printable, no quotes or backslashes, at most 63 bytes.
bool IsPrintableName(std::string_view name) {
  return !name.empty() && name.size() <= kMaxIdentifierBytes && !HasControlCharacters(name) &&
         name.find_first_of("\"'\\`") == std::string_view::npos;
}

// toml++'s description of a syntax error with whatever it quotes from the file left out: it
// quotes keys, characters and number text ("cannot redefine existing integer 'a'", "expected '=',
// saw 's'", "month between 1 and 12 (inclusive), saw 13"). Its own words stay, and a quoted
// single punctuation character, which is the syntax it expected ('=', ']').
std::string SafeSyntaxDescription(std::string_view description) {
  std::string out;
  for (size_t i = 0; i < description.size();) {
    if (description.compare(i, 5, ", saw") == 0 || description.compare(i, 5, " saw ") == 0) break;
    if (description[i] != '\'') {
      out += description[i++];
      continue;
    }
    const size_t close = description.find('\'', i + 1);
    if (close == std::string_view::npos) break;
    const std::string_view quoted = description.substr(i + 1, close - i - 1);
    const bool syntax = quoted.size() == 1 && std::ispunct(static_cast<unsigned char>(quoted[0]));
    out += syntax ? fmt::format("'{}'", quoted) : "'...'";
    i = close + 1;
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == ',' || out.back() == ':')) {
    out.pop_back();
  }
  // "Error while parsing key-value pair: ..." reads better lower-cased after "file:line:col: ".
  if (!out.empty() && out[0] == 'E') out[0] = 'e';
  return out;
}

std::string FloatText(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

// Parses one mapping; errors go through Error(), which formats "file:line: context: message".
class Parser {
 public:
  explicit Parser(std::string_view file_name) : file_name_(file_name) {}

  Result<MappingSpec> Parse(const toml::table& root) {
    spec_.file_name = file_name_;
    // Keys in file order, so the first error reported is the first in the file.
    std::vector<std::pair<const toml::key*, const toml::node*>> keys;
    for (const auto& [key, node] : root) keys.emplace_back(&key, &node);
    std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
      return LineOfNode(*a.second) < LineOfNode(*b.second);
    });
    for (const auto& [key, node] : keys) {
      const std::string_view name = key->str();
      const int line = static_cast<int>(key->source().begin.line);
      if (std::find(kTopLevelKeys.begin(), kTopLevelKeys.end(), name) == kTopLevelKeys.end()) {
        return Error(line, "", UnknownKey(name, "top-level key", kTopLevelKeys));
      }
      spec_.key_lines.emplace(std::string(name), name == "column" ? LineOfNode(*node) : line);
      SQS2PG_RETURN_IF_ERROR(TopLevel(name, line, *node));
    }
    if (spec_.columns.empty()) {
      return Error(1, "", "no [[column]]: a mapping needs at least one column");
    }
    SQS2PG_RETURN_IF_ERROR(CrossChecks());
    return std::move(spec_);
  }

 private:
  Status Error(int line, std::string_view context, std::string_view message) const {
    return InvalidArgumentError(fmt::format("{}:{}: {}{}", file_name_, line, context, message));
  }

  static std::string UnknownKey(std::string_view key, std::string_view what,
                                const std::vector<std::string_view>& known) {
    std::string list;
    for (size_t i = 0; i < known.size(); ++i) {
      if (i > 0) list += i + 1 == known.size() ? " or " : ", ";
      list += known[i];
    }
    return IsBareKey(key) ? fmt::format("unknown {} \"{}\" (expected {})", what, key, list)
                          : fmt::format("unknown {} (expected {})", what, list);
  }

  // "key: expected a string, got an integer"
  Status WrongType(int line, std::string_view context, std::string_view key,
                   std::string_view expected, const toml::node& node) const {
    return Error(line, context,
                 fmt::format("{}: expected {}, got {}", key, expected, TypeName(node.type())));
  }

  template <typename E>
  Status EnumValue(int line, std::string_view context, std::string_view key, const toml::node& node,
                   const EnumWords<E>& words, E* out) const {
    const auto* s = node.as_string();
    if (s == nullptr) {
      return WrongType(line, context, key, fmt::format("a string ({})", words.List()), node);
    }
    std::optional<E> e = words.Find(s->get());
    if (!e) return Error(line, context, fmt::format("{}: expected {}", key, words.List()));
    *out = *e;
    return Status::Ok();
  }

  // A non-empty string without control characters.
  Status Text(int line, std::string_view context, std::string_view key, const toml::node& node,
              std::string* out) const {
    const auto* s = node.as_string();
    if (s == nullptr) return WrongType(line, context, key, "a string", node);
    if (s->get().empty()) return Error(line, context, fmt::format("{}: must not be empty", key));
    if (HasControlCharacters(s->get())) {
      return Error(line, context, fmt::format("{}: must not contain control characters", key));
    }
    *out = s->get();
    return Status::Ok();
  }

  Status TopLevel(std::string_view name, int line, const toml::node& node) {
    if (name == "table") {
      std::string table;
      SQS2PG_RETURN_IF_ERROR(Text(line, "", name, node, &table));
      spec_.table = std::move(table);
    } else if (name == "envelope") {
      return EnumValue(line, "", name, node, kEnvelopes, &spec_.envelope);
    } else if (name == "body_encoding") {
      return EnumValue(line, "", name, node, kBodyEncodings, &spec_.body_encoding);
    } else if (name == "unknown_fields") {
      return EnumValue(line, "", name, node, kUnknownFields, &spec_.unknown_fields);
    } else if (name == "mode") {
      return EnumValue(line, "", name, node, kModes, &spec_.mode);
    } else if (name == "flatten") {
      std::string separator;
      SQS2PG_RETURN_IF_ERROR(Text(line, "", name, node, &separator));
      spec_.flatten = std::move(separator);
    } else if (name == "key") {
      const auto* array = node.as_array();
      if (array == nullptr) {
        return WrongType(line, "", name, "an array of column names", node);
      }
      for (const toml::node& element : *array) {
        const auto* s = element.as_string();
        if (s == nullptr) return WrongType(line, "", name, "an array of column names", element);
        if (s->get().empty()) return Error(line, "", "key: a column name must not be empty");
        spec_.key.push_back(s->get());
      }
    } else if (name == "order_by") {
      std::string column;
      SQS2PG_RETURN_IF_ERROR(Text(line, "", name, node, &column));
      spec_.order_by = std::move(column);
    } else if (name == "column") {
      return Columns(line, node);
    }
    return Status::Ok();
  }

  Status Columns(int line, const toml::node& node) {
    const auto* array = node.as_array();
    if (array == nullptr || !array->is_array_of_tables()) {
      return Error(line, "",
                   fmt::format("column: expected [[column]] tables (an array of tables), got {}",
                               array == nullptr ? TypeName(node.type()) : "an array of others"));
    }
    for (const toml::node& element : *array) {
      SQS2PG_RETURN_IF_ERROR(Column(*element.as_table()));
    }
    return Status::Ok();
  }

  Status Column(const toml::table& table) {
    ColumnSpec column;
    column.line = LineOfNode(table);
    const size_t index = spec_.columns.size();
    std::vector<std::pair<const toml::key*, const toml::node*>> keys;
    for (const auto& [key, node] : table) keys.emplace_back(&key, &node);
    std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
      return LineOfNode(*a.second) < LineOfNode(*b.second);
    });
    // The name first, so that every later message can name the column.
    if (const toml::node* name = table.get("name"); name != nullptr) {
      const int line = LineOfNode(*name);
      SQS2PG_RETURN_IF_ERROR(
          Text(line, fmt::format("column {}: ", index + 1), "name", *name, &column.name));
    }
    const std::string context = ColumnLabel(column, index) + ": ";
    std::vector<std::string_view> sources;
    for (const auto& [key, node] : keys) {
      const std::string_view name = key->str();
      const int line = static_cast<int>(key->source().begin.line);
      if (std::find(kColumnKeys.begin(), kColumnKeys.end(), name) == kColumnKeys.end()) {
        return Error(line, context, UnknownKey(name, "column key", kColumnKeys));
      }
      column.key_lines.emplace(std::string(name), line);
      if (name == "path") {
        column.source = SourceKind::kPath;
        sources.push_back(name);
        SQS2PG_RETURN_IF_ERROR(Path(line, context, *node, &column));
      } else if (name == "attribute") {
        column.source = SourceKind::kAttribute;
        sources.push_back(name);
        SQS2PG_RETURN_IF_ERROR(Text(line, context, name, *node, &column.attribute));
      } else if (name == "value") {
        column.source = SourceKind::kValue;
        sources.push_back(name);
        SQS2PG_RETURN_IF_ERROR(Value(line, context, *node, &column.value));
      } else if (name == "required") {
        const auto* b = node->as_boolean();
        if (b == nullptr) return WrongType(line, context, name, "true or false", *node);
        column.required = b->get();
      } else if (name == "transform") {
        SQS2PG_RETURN_IF_ERROR(
            EnumValue(line, context, name, *node, kTransforms, &column.transform));
      } else if (name == "mask_domain") {
        std::string domain;
        SQS2PG_RETURN_IF_ERROR(Text(line, context, name, *node, &domain));
        column.mask_domain = std::move(domain);
      }
    }
    if (column.name.empty()) {
      return Error(column.line, context, "name: missing (each column names a column of the table)");
    }
    if (sources.empty()) {
      return Error(column.line, context, "no source: give one of path, attribute or value");
    }
    if (sources.size() > 1) {
      return Error(column.LineOf(sources[1]), context,
                   fmt::format("{} and {}: give only one of path, attribute or value", sources[0],
                               sources[1]));
    }
    spec_.columns.push_back(std::move(column));
    return Status::Ok();
  }

  Status Path(int line, std::string_view context, const toml::node& node, ColumnSpec* column) {
    if (const auto* s = node.as_string(); s != nullptr) {
      const std::string_view text = s->get();
      if (text.empty()) return Error(line, context, "path: must not be empty");
      for (size_t start = 0;;) {
        const size_t dot = text.find('.', start);
        const std::string_view segment = text.substr(start, dot - start);
        if (segment.empty()) {
          return Error(line, context,
                       "path: empty segment (a leading, trailing or doubled '.'; for keys that "
                       "contain dots, write the path as an array of keys)");
        }
        column->path.emplace_back(segment);
        if (dot == std::string_view::npos) break;
        start = dot + 1;
      }
      column->path_text = text;
      return Status::Ok();
    }
    const auto* array = node.as_array();
    if (array == nullptr) {
      return WrongType(line, context, "path", "a string or an array of strings", node);
    }
    if (array->empty()) return Error(line, context, "path: must not be empty");
    for (const toml::node& element : *array) {
      const auto* s = element.as_string();
      if (s == nullptr) return WrongType(line, context, "path", "an array of strings", element);
      if (s->get().empty()) return Error(line, context, "path: empty segment");
      if (!column->path_text.empty() || !column->path.empty()) column->path_text += '.';
      column->path_text += s->get();
      column->path.push_back(s->get());
    }
    return Status::Ok();
  }

  Status Value(int line, std::string_view context, const toml::node& node, Constant* out) const {
    switch (node.type()) {
      case toml::node_type::string:
        *out = {Constant::Kind::kString, node.as_string()->get()};
        return Status::Ok();
      case toml::node_type::integer:
        *out = {Constant::Kind::kInteger, std::to_string(node.as_integer()->get())};
        return Status::Ok();
      case toml::node_type::floating_point:
        *out = {Constant::Kind::kFloat, FloatText(node.as_floating_point()->get())};
        return Status::Ok();
      case toml::node_type::boolean:
        *out = {Constant::Kind::kBoolean, node.as_boolean()->get() ? "true" : "false"};
        return Status::Ok();
      default:
        return WrongType(line, context, "value", "a string, integer, float or boolean", node);
    }
  }

  Status CrossChecks() const {
    std::map<std::string_view, const ColumnSpec*> by_name;
    for (size_t i = 0; i < spec_.columns.size(); ++i) {
      const ColumnSpec& column = spec_.columns[i];
      const std::string context = ColumnLabel(column, i) + ": ";
      auto [it, inserted] = by_name.emplace(column.name, &column);
      if (!inserted) {
        return Error(column.LineOf("name"), context,
                     fmt::format("name: a second column of this name (the first is at line {})",
                                 it->second->LineOf("name")));
      }
      if (column.mask_domain && column.transform != Transform::kMask) {
        return Error(column.LineOf("mask_domain"), context,
                     "mask_domain: only for transform = \"mask\"");
      }
      if (column.transform == Transform::kMask && column.source == SourceKind::kValue) {
        return Error(column.LineOf("transform"), context,
                     "transform: \"mask\" on a constant value (every row would get the same mask)");
      }
    }
    // A key or order_by entry that names no column: named back only when identifier-like.
    auto missing = [&](std::string_view key, std::string_view name, std::string_view what) {
      return Error(spec_.LineOf(key), "",
                   IsPrintableName(name)
                       ? fmt::format("{}: \"{}\" is not a column of this mapping", key, name)
                       : fmt::format("{}: {} is not a column of this mapping", key, what));
    };
    if (spec_.mode != Mode::kUpsert) {
      for (std::string_view key : {"key", "order_by"}) {
        if (spec_.LineOf(key) != 0) {
          return Error(spec_.LineOf(key), "", fmt::format("{}: only with mode = \"upsert\"", key));
        }
      }
      return Status::Ok();
    }
    if (spec_.key.empty()) {
      return Error(spec_.LineOf(spec_.LineOf("key") != 0 ? "key" : "mode"), "",
                   "mode = \"upsert\" needs key = [\"column\", ...]: the columns of a unique "
                   "index of the table");
    }
    std::set<std::string_view> seen;
    for (size_t i = 0; i < spec_.key.size(); ++i) {
      const std::string& name = spec_.key[i];
      if (by_name.count(name) == 0) {
        return missing("key", name, fmt::format("element {}", i + 1));
      }
      if (!seen.insert(name).second) {
        return Error(spec_.LineOf("key"), "",
                     fmt::format("key: element {} repeats an earlier one", i + 1));
      }
    }
    if (spec_.order_by && by_name.count(*spec_.order_by) == 0) {
      return missing("order_by", *spec_.order_by, "its column");
    }
    return Status::Ok();
  }

  std::string file_name_;
  MappingSpec spec_;
};

}  // namespace

std::string_view EnvelopeName(Envelope e) { return kEnvelopes.Name(e); }
std::string_view UnknownFieldsName(UnknownFields u) { return kUnknownFields.Name(u); }
std::string_view ModeName(Mode m) { return kModes.Name(m); }
std::string_view TransformName(Transform t) { return kTransforms.Name(t); }
std::string_view SourceKindName(SourceKind s) {
  switch (s) {
    case SourceKind::kPath:
      return "path";
    case SourceKind::kAttribute:
      return "attribute";
    case SourceKind::kValue:
      return "value";
  }
  return "path";
}

int ColumnSpec::LineOf(std::string_view key) const {
  auto it = key_lines.find(key);
  return it != key_lines.end() ? it->second : line;
}

std::string_view ColumnSpec::MaskDomain() const {
  if (mask_domain) return *mask_domain;
  return source == SourceKind::kAttribute ? std::string_view(attribute)
                                          : std::string_view(path_text);
}

int MappingSpec::LineOf(std::string_view key) const {
  auto it = key_lines.find(key);
  return it != key_lines.end() ? it->second : 0;
}

std::string MappingSpec::Where(int line) const { return fmt::format("{}:{}", file_name, line); }

const ColumnSpec* MappingSpec::FindColumn(std::string_view name) const {
  for (const ColumnSpec& column : columns) {
    if (column.name == name) return &column;
  }
  return nullptr;
}

std::string ColumnLabel(const ColumnSpec& column, size_t index) {
  if (IsPrintableName(column.name)) return fmt::format("column \"{}\"", column.name);
  return fmt::format("column {}", index + 1);
}

Result<MappingSpec> ParseMapping(std::string_view toml_text, std::string_view file_name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, std::string_view(file_name));
  } catch (const toml::parse_error& e) {
    return InvalidArgumentError(fmt::format("{}:{}:{}: not valid TOML: {}", file_name,
                                            e.source().begin.line, e.source().begin.column,
                                            SafeSyntaxDescription(e.description())));
  }
  return Parser(file_name).Parse(root);
}

Result<MappingSpec> LoadMappingFile(const std::string& path) {
  // A directory opens and reads as an empty file; say what it is instead of "no [[column]]".
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return InvalidArgumentError(fmt::format("cannot read mapping file {}: a directory", path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return InvalidArgumentError(
        fmt::format("cannot read mapping file {}: {}", path, std::strerror(errno)));
  }
  std::string text(kMaxMappingFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) {
    return InvalidArgumentError(
        fmt::format("cannot read mapping file {}: {}", path, std::strerror(errno)));
  }
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxMappingFileBytes) {
    return InvalidArgumentError(
        fmt::format("mapping file {} is larger than 1 MiB: not a mapping file", path));
  }
  return ParseMapping(text, path);
}

}  // namespace sqs2pg::transform::mapping
