// Helpers shared by the alerts, recording rules and dashboards: how `_config` (config.libsonnet) turns into PromQL.
{
  // A character of a metric name.
  local isIdent(c) = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ':',
  local identLen(s, i=0) = if i < std.length(s) && isIdent(s[i]) then identLen(s, i + 1) else i,

  // Adds the label matchers `sel` (e.g. 'job=~"patroni.*"') to every metric whose name starts with patroni_ in
  // `expr`: `patroni_up` -> `patroni_up{sel}`, `patroni_x{a="b"}` -> `patroni_x{sel, a="b"}`. Recorded series
  // (`scope_member:patroni_...`) are left alone: they were computed from selected series. '' changes nothing.
  withSelector(expr, sel)::
    if sel == '' then expr
    else
      // std.split takes one character in jsonnet 0.18: mark each name start with \u0001 first.
      local parts = std.split(std.strReplace(expr, 'patroni_', '\u0001'), '\u0001');
      // Unescaped double quotes in s (std.strReplace is native, so counting by removal is fast): a name after an
      // odd number of them is inside a string ("…/patroni_exporter/…") and left alone.
      local count(s, t) = (std.length(s) - std.length(std.strReplace(s, t, ''))) / std.length(t);
      local quotes = [count(p, '"') - count(p, '\\"') for p in parts];
      local before = std.foldl(function(acc, q) acc + [acc[std.length(acc) - 1] + q], quotes, [0]);
      local rewrite(i) =
        local prev = parts[i - 1];
        local p = parts[i];
        local n = identLen(p);
        local rest = std.substr(p, n, std.length(p) - n);
        if before[i] % 2 == 1 || (std.length(prev) > 0 && isIdent(prev[std.length(prev) - 1])) then 'patroni_' + p
        else
          'patroni_' + std.substr(p, 0, n) +
          (if std.startsWith(rest, '{') then '{' + sel + ', ' + std.substr(rest, 1, std.length(rest) - 1)
           else '{' + sel + '}' + rest);
      std.join('', [parts[0]] + [rewrite(i) for i in std.range(1, std.length(parts) - 1)]),

  // The label lists an expression aggregates and matches on, each led by the configured group labels, so two
  // environments with the same scope name never meet in one aggregation or one vector match.
  labelSets(c):: {
    prefix: std.join('', [l + ', ' for l in c.groupLabels]),
    scope: self.prefix + 'scope',
    member: self.prefix + 'scope, member',
    name: self.prefix + 'scope, name',
  },

  // '1m' -> '1 minute', '30s' -> '30 seconds', '1h' -> '1 hour' (single-unit durations; others as they are).
  humanDuration(d)::
    local units = { s: 'second', m: 'minute', h: 'hour', d: 'day' };
    local u = d[std.length(d) - 1];
    local n = std.substr(d, 0, std.length(d) - 1);
    if std.objectHas(units, u) && std.length(n) > 0 && std.length([ch for ch in std.stringChars(n) if ch < '0' || ch > '9']) == 0
    then n + ' ' + units[u] + (if n == '1' then '' else 's')
    else d,

  // YAML's folded style in jsonnet: the lines of a text block joined by single spaces.
  fold(s):: std.strReplace(std.rstripChars(s, '\n'), '\n', ' '),

  // Annotation templates: [[gm]] before `scope=%q` in a printf'ed query and [[ga]] before its `$labels.scope`
  // argument expand to the group labels' matchers and arguments, so a query in a description stays within the
  // alert's own environment; [[for]] is the rule's `for:` in words, [[NAME]] the words of text.NAME.
  template(c, s, forDuration, text={})::
    local gm = std.join('', [l + '=%q,' for l in c.groupLabels]);
    local ga = std.join('', ['$labels.' + l + ' ' for l in c.groupLabels]);
    local base = std.strReplace(std.strReplace(std.strReplace(s, '[[gm]]', gm), '[[ga]]', ga),
                                '[[for]]', $.humanDuration(forDuration));
    std.foldl(function(acc, k) std.strReplace(acc, '[[' + k + ']]', text[k]), std.objectFields(text), base),

  // An expression template: `%(scope)s`, `%(member)s`, `%(name)s`, `%(prefix)s` and the thresholds of `_config`
  // filled in, then the selector added.
  expr(c, e)::
    // %(key)s filled by native std.strReplace: std.format (`%`) is slow on long strings in jsonnet 0.18.
    local values = $.labelSets(c) + c.thresholds;
    local filled = std.foldl(function(acc, k) std.strReplace(acc, '%(' + k + ')s', std.toString(values[k])),
                             std.objectFields(values), e);
    assert std.length(std.strReplace(filled, '%(', '')) == std.length(filled) : 'unknown %(...)s in ' + filled;
    $.withSelector(filled, c.patroniSelector),

  // A rule of the source: expr and annotations rendered, the runbook URL added. Hidden fields (comment::) stay.
  alertRule(c, r, text={})::
    local description = $.template(c, r.annotations.description, r['for'], text);
    r + {
      // The description as written, line by line, for render.py's folded block (annotations get the folded text).
      descriptionText:: description,
      expr: $.expr(c, r.expr),
      annotations: {
        summary: $.template(c, r.annotations.summary, r['for'], text),
        description: $.fold(description),
        runbook_url: c.runbookURLPattern % std.asciiLower(r.alert),
      },
    },
  recordRule(c, r):: r + { expr: $.expr(c, r.expr) },
}
