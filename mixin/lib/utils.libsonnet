// Helpers shared by the alerts, recording rules and dashboards: how `_config` (config.libsonnet) turns into PromQL.
{
  local identChars = std.set(std.stringChars('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:')),
  local isIdent(c) = std.setMember(c, identChars),
  local identLen(s, i=0) = if i < std.length(s) && isIdent(s[i]) then identLen(s, i + 1) else i,

  // Adds the label matchers `sel` (e.g. 'job=~"patroni.*"') to every metric whose name starts with patroni_ in
  // `expr`: `patroni_up` -> `patroni_up{sel}`, `patroni_x{a="b"}` -> `patroni_x{sel, a="b"}`. Recorded series
  // (`scope_member:patroni_...`) are left alone: they were computed from selected series. '' changes nothing.
  withSelector(expr, sel)::
    if sel == '' then expr
    else
      // std.split takes one character in jsonnet 0.18: mark each name start with \u0001 first.
      local parts = std.split(std.strReplace(expr, 'patroni_', '\u0001'), '\u0001');
      // Unescaped double quotes in s: a name after an odd number of them is inside a string ("…/patroni_exporter/…").
      local quotes(s) = std.length(std.findSubstr('"', s)) - std.length(std.findSubstr('\\"', s));
      local step(acc, i) =
        local prev = parts[i - 1];
        local p = parts[i];
        local n = identLen(p);
        local rest = std.substr(p, n, std.length(p) - n);
        local inString = acc.quotes % 2 == 1;
        local text =
          if inString || (std.length(prev) > 0 && isIdent(prev[std.length(prev) - 1])) then 'patroni_' + p
          else
            'patroni_' + std.substr(p, 0, n) +
            (if std.startsWith(rest, '{') then '{' + sel + ', ' + std.substr(rest, 1, std.length(rest) - 1)
             else '{' + sel + '}' + rest);
        { out: acc.out + text, quotes: acc.quotes + quotes(p) };
      std.foldl(step, std.range(1, std.length(parts) - 1), { out: parts[0], quotes: quotes(parts[0]) }).out,

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
    if std.objectHas(units, u) && std.length(n) > 0 && std.length([ch for ch in std.stringChars(n) if !std.setMember(ch, std.set(std.stringChars('0123456789')))]) == 0
    then n + ' ' + units[u] + (if n == '1' then '' else 's')
    else d,

  // YAML's folded style in jsonnet: the lines of a text block joined by single spaces.
  fold(s):: std.join(' ', std.split(std.rstripChars(s, '\n'), '\n')),

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
  expr(c, e):: $.withSelector(e % ($.labelSets(c) + c.thresholds), c.patroniSelector),

  // A rule of the source: expr and annotations rendered, the runbook URL added. Hidden fields (comment::) stay.
  alertRule(c, r, text={})::
    r + {
      // The description's lines as written, for render.py's folded block (annotations get the folded text).
      descriptionLines:: std.split(std.rstripChars($.template(c, r.annotations.description, r['for'], text), '\n'), '\n'),
      expr: $.expr(c, r.expr),
      annotations: {
        summary: $.template(c, r.annotations.summary, r['for'], text),
        description: $.template(c, $.fold(r.annotations.description), r['for'], text),
        runbook_url: c.runbookURLPattern % std.asciiLower(r.alert),
      },
    },
  recordRule(c, r):: r + { expr: $.expr(c, r.expr) },
}
