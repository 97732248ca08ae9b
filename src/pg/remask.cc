#include "pg/remask.h"

#include <fmt/format.h>

#include <optional>
#include <unordered_set>
#include <utility>

#include "pg/text_array.h"

namespace sqs2pg::pg {
namespace {

std::string Tid(int64_t page, int offset) { return fmt::format("({},{})", page, offset); }

std::string TextArray(const std::vector<std::optional<std::string>>& elements) {
  std::string literal = "{";
  for (size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) literal += ',';
    AppendArrayElement(&literal,
                       elements[i] ? std::optional<std::string_view>(*elements[i]) : std::nullopt);
  }
  return literal + "}";
}

bool HasPrefix(std::string_view value, const std::vector<std::string>& prefixes) {
  for (const std::string& prefix : prefixes) {
    if (value.starts_with(prefix)) return true;
  }
  return false;
}

// The relations whose pages hold the rows: the table, or its leaf partitions.
Result<std::vector<std::string>> Relations(Connection& conn, const RemaskRequest& request) {
  if (!request.target.partitioned) return std::vector<std::string>{request.target.table};
  SQS2PG_ASSIGN_OR_RETURN(
      PgResult leaves,
      conn.Query("SELECT relid::regclass::text FROM pg_partition_tree($1::regclass) WHERE isleaf "
                 "ORDER BY 1",
                 {request.target.table}));
  std::vector<std::string> out;
  for (int i = 0; i < leaves.rows(); ++i) out.emplace_back(leaves.Get(i, 0));
  return out;
}

Result<int64_t> Pages(Connection& conn, const std::string& relation) {
  SQS2PG_ASSIGN_OR_RETURN(
      PgResult size,
      conn.Query("SELECT pg_relation_size($1::regclass) / current_setting('block_size')::bigint",
                 {relation}));
  return size.GetInt(0, 0);
}

// The statements for one relation.
struct Statements {
  std::string select;  // $1 after (exclusive), $2 before (exclusive), $3 prefixes
  // $1 tid[], then one text[] per column (NULL: leave as is); returns each row's old and new ctid.
  std::string update;
};

Statements MakeStatements(const std::string& relation, const RemaskRequest& request) {
  std::vector<std::string> taken;   // the selection, one test per column
  std::vector<std::string> set;     // SET clauses: a new value, or the old one where NULL
  std::vector<std::string> arrays;  // unnest's arguments: the ctids, then one text[] per column
  std::vector<std::string> names = {"row_id"};
  arrays.emplace_back("$1::tid[]");
  for (size_t i = 0; i < request.target.columns.size(); ++i) {
    const std::string& column = request.target.columns[i];
    taken.push_back(fmt::format("left({}, 12) = ANY($3::text[])", column));
    set.push_back(fmt::format("{0} = COALESCE(v.n{1}, t.{0})", column, i));
    arrays.push_back(fmt::format("${}::text[]", i + 2));
    names.push_back(fmt::format("n{}", i));
  }
  Statements s;
  s.select = fmt::format(
      "SELECT ctid, {} FROM {} WHERE ctid > $1::tid AND ctid < $2::tid AND ({}) ORDER BY ctid "
      "LIMIT {} FOR UPDATE",
      fmt::join(request.target.columns, ", "), relation, fmt::join(taken, " OR "),
      request.batch_rows);
  s.update = fmt::format(
      "UPDATE {} AS t SET {} FROM unnest({}) AS v({}) WHERE t.ctid = v.row_id "
      "RETURNING v.row_id, t.ctid",
      relation, fmt::join(set, ", "), fmt::join(arrays, ", "), fmt::join(names, ", "));
  return s;
}

// Walks one relation (see the header).
class RelationWalker {
 public:
  RelationWalker(Connection& conn, const RemaskRequest& request, const std::string& relation,
                 const std::string& prefixes, const RemaskFunction& rewrite, RemaskStats& stats)
      : conn_(conn),
        request_(request),
        relation_(relation),
        prefixes_(prefixes),
        statements_(MakeStatements(relation, request)),
        rewrite_(rewrite),
        stats_(stats) {}

  Status Walk() {
    for (int64_t page = 0;; page += request_.window_pages) {
      // Read again for every window: rows updated or added meanwhile may have grown the table.
      SQS2PG_ASSIGN_OR_RETURN(int64_t pages, Pages(conn_, relation_));
      if (page >= pages) return Status::Ok();
      const std::string before = Tid(page + request_.window_pages, 0);
      // Line pointers start at 1: "after (page,0)" takes the whole first page of the window.
      std::string after = Tid(page, 0);
      while (true) {
        if (request_.stop != nullptr && request_.stop->load()) {
          return CancelledError("remask stopped; run it again to finish");
        }
        SQS2PG_ASSIGN_OR_RETURN(int selected, Batch(before, after));
        if (selected < request_.batch_rows) break;
      }
    }
  }

 private:
  Result<int> Batch(const std::string& before, std::string& after);

  Connection& conn_;
  const RemaskRequest& request_;
  const std::string& relation_;
  const std::string& prefixes_;
  const Statements statements_;
  // The new versions (ctids) of updated rows in which a value failed: the walk meets them again
  // further on, and their failures are already counted.
  std::unordered_set<std::string> failed_rows_;
  const RemaskFunction& rewrite_;
  RemaskStats& stats_;
};

// One transaction: locks up to batch_rows selected rows after `after`, rewrites and commits them.
// Returns how many rows were selected, and moves `after` past the last one.
Result<int> RelationWalker::Batch(const std::string& before, std::string& after) {
  SQS2PG_RETURN_IF_ERROR(conn_.Exec("BEGIN"));
  auto fail = [this](Status status) {
    if (!conn_.IsBroken()) (void)conn_.Exec("ROLLBACK");
    return status;
  };
  Result<PgResult> rows = conn_.Query(statements_.select, {after, before, prefixes_});
  if (!rows.ok()) return fail(rows.status());
  const int n = rows->rows();
  if (n == 0) {
    SQS2PG_RETURN_IF_ERROR(conn_.Exec("ROLLBACK"));
    return 0;
  }
  const size_t columns = request_.target.columns.size();
  std::vector<std::optional<std::string>> tids;
  std::vector<std::vector<std::optional<std::string>>> values(columns);
  int64_t masks = 0;
  int64_t failed = 0;
  std::string first_failure;
  std::unordered_set<std::string> failed_here;  // ctids (before the update) of rows with a failure
  for (int r = 0; r < n; ++r) {
    if (failed_rows_.count(std::string(rows->Get(r, 0))) > 0) continue;
    std::vector<std::optional<std::string>> row(columns);
    bool changed = false;
    for (size_t c = 0; c < columns; ++c) {
      const int field = static_cast<int>(c) + 1;
      if (rows->IsNull(r, field)) continue;
      const std::string_view value = rows->Get(r, field);
      // The row was taken for one of its columns; this one may hold a current mask.
      if (!HasPrefix(value, request_.prefixes)) continue;
      Result<std::string> rewritten = rewrite_(c, value);
      if (!rewritten.ok()) {
        if (first_failure.empty()) {
          first_failure = "column " + request_.target.columns[c] + " at ctid " +
                          std::string(rows->Get(r, 0)) + ": " + rewritten.status().message();
        }
        ++failed;
        failed_here.insert(std::string(rows->Get(r, 0)));
        continue;
      }
      row[c] = std::move(rewritten).value();
      changed = true;
      ++masks;
    }
    if (!changed) continue;
    tids.emplace_back(std::string(rows->Get(r, 0)));
    for (size_t c = 0; c < columns; ++c) values[c].push_back(std::move(row[c]));
  }
  after = std::string(rows->Get(n - 1, 0));
  if (!tids.empty()) {
    std::vector<std::string> params = {TextArray(tids)};
    for (const auto& column : values) params.push_back(TextArray(column));
    Result<PgResult> updated = conn_.Query(statements_.update, params);
    if (!updated.ok()) return fail(updated.status());
    for (int u = 0; u < updated->rows(); ++u) {
      if (failed_here.count(std::string(updated->Get(u, 0))) > 0) {
        failed_rows_.insert(std::string(updated->Get(u, 1)));
      }
    }
  }
  SQS2PG_RETURN_IF_ERROR(conn_.Commit());
  if (!tids.empty()) ++stats_.transactions;
  stats_.rows += static_cast<int64_t>(tids.size());
  stats_.masks += masks;
  stats_.failed += failed;
  if (stats_.first_failure.empty()) stats_.first_failure = std::move(first_failure);
  return n;
}

}  // namespace

Status Remask(Connection& conn, const RemaskRequest& request, const RemaskFunction& rewrite,
              RemaskStats* stats) {
  std::vector<std::optional<std::string>> prefix_elements(request.prefixes.begin(),
                                                          request.prefixes.end());
  const std::string prefixes = TextArray(prefix_elements);
  SQS2PG_ASSIGN_OR_RETURN(std::vector<std::string> relations, Relations(conn, request));
  for (const std::string& relation : relations) {
    SQS2PG_RETURN_IF_ERROR(
        RelationWalker(conn, request, relation, prefixes, rewrite, *stats).Walk());
  }
  return Status::Ok();
}

Result<RemaskTarget> ResolveRemaskTarget(Connection& conn, const std::string& table,
                                         const std::vector<std::string>& columns) {
  SQS2PG_ASSIGN_OR_RETURN(PgResult found,
                          conn.Query("SELECT c.oid::regclass::text, c.relkind FROM pg_class c "
                                     "WHERE c.oid = to_regclass($1)",
                                     {table}));
  if (found.rows() == 0) return NotFoundError("table " + table + " does not exist");
  RemaskTarget target;
  target.table = std::string(found.Get(0, 0));
  const std::string_view kind = found.Get(0, 1);
  if (kind != "r" && kind != "p") {
    return FailedPreconditionError(target.table + " is not a table");
  }
  target.partitioned = kind == "p";
  for (const std::string& column : columns) {
    SQS2PG_ASSIGN_OR_RETURN(
        PgResult attribute,
        conn.Query("SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = "
                   "$1::regclass AND attname = $2 AND attnum > 0 AND NOT attisdropped",
                   {target.table, column}));
    if (attribute.rows() == 0) {
      return NotFoundError("table " + target.table + " has no column " + column);
    }
    target.columns.emplace_back(attribute.Get(0, 0));
  }
  return target;
}

Result<std::vector<std::string>> SampleValues(Connection& conn, const std::string& table,
                                              const std::string& column, int limit) {
  SQS2PG_ASSIGN_OR_RETURN(PgResult rows,
                          conn.Query("SELECT " + column + " FROM " + table + " WHERE " + column +
                                     " IS NOT NULL LIMIT " + std::to_string(limit)));
  std::vector<std::string> out;
  for (int i = 0; i < rows.rows(); ++i) out.emplace_back(rows.Get(i, 0));
  return out;
}

}  // namespace sqs2pg::pg
