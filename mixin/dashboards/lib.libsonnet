// The dashboards' building blocks (ported from the Python generator that wrote dashboards/ before the mixin):
// one place for the datasource reference, units, ids and layout. Panels are listed in order; board() numbers them and lays them out in rows
// of 24 columns (a panel reaching the right edge, or `new_line`, starts the next line).
//
// Conventions (tests/dashboards/check_dashboards.py checks them): a `datasource` variable of type datasource
// that every panel, target, variable and annotation uses; `scope` and `member` variables; a fixed uid per
// dashboard; a unit on every panel; unique panel ids; a panel that may legitimately show nothing on a healthy
// cluster says so with the words "May be empty" (the live check then only requires valid queries).
{
  DS:: { type: 'prometheus', uid: '${datasource}' },

  local STATE_NAMES = ['initializing new cluster', 'initdb failed', 'running custom bootstrap script',
                       'custom bootstrap failed', 'creating replica', 'running', 'starting',
                       'starting after custom bootstrap', 'start failed', 'restarting', 'restart failed', 'stopping',
                       'stopped', 'stop failed', 'crashed'],
  local STATE_COLORS = { '5': 'green', '6': 'yellow', '9': 'yellow', '11': 'yellow', '12': 'orange', '4': 'blue',
                         '0': 'blue', '2': 'blue', '7': 'blue' },

  state_mappings():: [{
    type: 'value',
    options: {
      [std.toString(i)]: { text: STATE_NAMES[i], color: std.get(STATE_COLORS, std.toString(i), 'red'), index: i }
      for i in std.range(0, std.length(STATE_NAMES) - 1)
    } + { '-1': { text: 'unknown', color: 'purple', index: 15 } },
  }],

  bool_mappings(zero, one, one_color='red', zero_color='green'):: [{
    type: 'value',
    options: { '0': { text: zero, color: zero_color, index: 0 }, '1': { text: one, color: one_color, index: 1 } },
  }],

  // Timeseries field config drawing an alert's threshold as a dashed red line.
  threshold_line(value):: {
    custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: 0, spanNulls: false, showPoints: 'never',
              thresholdsStyle: { mode: 'dashed' } },
    color: { mode: 'palette-classic' },
    thresholds: { mode: 'absolute', steps: [{ color: 'transparent', value: null }, { color: 'red', value: value }] },
  },

  target(expr, legend='', ref='A', instant=false, fmt='time_series'):: {
    datasource: $.DS, refId: ref, expr: expr, legendFormat: if legend == '' then '__auto' else legend,
    range: !instant, instant: instant, format: fmt, editorMode: 'code',
  },

  row(title):: { kind:: 'row', title: title },

  panel(type, title, description, targets, unit, w, h, x, options={}, field={}, overrides=[], transformations=null,
        new_line=false):: {
    kind:: 'panel', w:: w, h:: h, x:: x, new_line:: new_line,
    type: type, title: title, description: description, datasource: $.DS,
    targets: [targets[i] + { refId: if std.length(targets) == 1 then targets[i].refId else std.char(65 + i) }
              for i in std.range(0, std.length(targets) - 1)],
    fieldConfig: { defaults: { unit: unit } + field, overrides: overrides },
    options: options,
  } + (if transformations != null then { transformations: transformations } else {}),

  stat(title, description, expr, unit, x, w=4, h=4, legend='', mappings=[], text_mode='value', thresholds=null)::
    $.panel('stat', title, description, [$.target(expr, legend, instant=true)], unit, w, h, x,
            options={ reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
                      textMode: text_mode, colorMode: 'value', graphMode: 'none', justifyMode: 'auto',
                      orientation: 'auto' },
            field={ mappings: mappings, color: { mode: 'thresholds' },
                    thresholds: if thresholds != null then thresholds
                    else { mode: 'absolute', steps: [{ color: 'green', value: null }] } }),

  timeseries(title, description, targets, unit, x, w=12, h=8, field={}, overrides=[])::
    $.panel('timeseries', title, description, targets, unit, w, h, x,
            options={ legend: { displayMode: 'table', placement: 'bottom', calcs: ['lastNotNull', 'max'] },
                      tooltip: { mode: 'multi', sort: 'desc' } },
            field={ custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: 0, spanNulls: false,
                              showPoints: 'never' } } + field,
            overrides=overrides),

  state_timeline(title, description, targets, x, w=12, h=8, mappings=[])::
    $.panel('state-timeline', title, description, targets, 'none', w, h, x,
            options={ showValue: 'auto', mergeValues: true, rowHeight: 0.9,
                      legend: { displayMode: 'list', placement: 'bottom', showLegend: false },
                      tooltip: { mode: 'single', sort: 'none' } },
            field={ mappings: mappings, color: { mode: 'thresholds' },
                    thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }] },
                    custom: { fillOpacity: 80, lineWidth: 0 } }),

  table(title, description, targets, unit, x, w=24, h=8, overrides=[], transformations=null)::
    $.panel('table', title, description, targets, unit, w, h, x,
            options={ showHeader: true, cellHeight: 'sm', footer: { show: false } },
            field={ custom: { align: 'auto', cellOptions: { type: 'auto' } }, mappings: [],
                    thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }] } },
            overrides=overrides, transformations=transformations),

  // Numbers the panels (ids from 1) and places them: a row takes a line of height 1; a panel sits at its x on
  // the current line, and the line advances by its height when it reaches column 24 or asks for a new line.
  layout(items)::
    local step(acc, it) =
      local id = std.length(acc.panels) + 1;
      if it.kind == 'row' then
        acc { y: acc.y + 1, panels+: [{ type: 'row', id: id, title: it.title, collapsed: false,
                                         gridPos: { h: 1, w: 24, x: 0, y: acc.y }, panels: [] }] }
      else
        acc { y: if it.x + it.w >= 24 || it.new_line then acc.y + it.h else acc.y,
              panels+: [it { id: id, gridPos: { h: it.h, w: it.w, x: it.x, y: acc.y } }] };
    std.foldl(step, items, { y: 0, panels: [] }).panels,

  // The variables in front of scope and member: `job`, then the configured group labels other than job, each
  // narrowing the next; `instance` (the exporter) after member. Every patroni_* series a panel or annotation
  // reads gets their matchers (and _config.patroniSelector) through utils.withSelector.
  extraLabels(c):: [l for l in c.groupLabels if l != 'job' && l != 'instance' && l != 'scope'],
  matchers(list):: std.join(', ', [m for m in list if m != '']),
  selected(c, names):: [l + '=~"$' + l + '"' for l in names],
  querySelector(c):: $.matchers([c.patroniSelector] + $.selected(c, ['job'] + $.extraLabels(c) + ['instance'])),
  // &var-job=...&var-namespace=...&var-instance=... for links between the dashboards.
  varsQueryparams(c):: std.join('', ['&${' + l + ':queryparam}' for l in ['job'] + $.extraLabels(c) + ['instance']]),

  local nodeInfo(matchers) = 'patroni_node_info' + (if matchers == '' then '' else '{' + matchers + '}'),
  queryVariable(name, label, query, multi, description='')::
    { type: 'query', name: name, label: label, datasource: $.DS,
      query: { query: query, refId: name }, definition: query, refresh: 2, sort: 1,
      multi: multi, includeAll: multi, current: {}, hide: 0, options: [], regex: '' }
    + (if multi then { allValue: '.*' } else {})
    + (if description != '' then { description: description } else {}),

  variables(c, member_multi)::
    local extra = $.extraLabels(c);
    local upTo(i) = $.matchers([c.patroniSelector] + $.selected(c, ['job'] + extra[0:i]));
    local above = upTo(std.length(extra));
    [
      { type: 'datasource', name: 'datasource', label: 'Data source', query: 'prometheus',
        current: {}, hide: 0, refresh: 1, regex: '', options: [] },
      $.queryVariable('job', 'Job', 'label_values(%s, job)' % nodeInfo(c.patroniSelector), true,
                      'Prometheus job(s) scraping the exporters.'),
    ] + [
      $.queryVariable(extra[i], extra[i], 'label_values(%s, %s)' % [nodeInfo(upTo(i)), extra[i]], true,
                      'Group label of the mixin (_config.groupLabels) telling environments apart. May be empty: ' +
                      'series without this label match All.')
      for i in std.range(0, std.length(extra) - 1)
    ] + [
      $.queryVariable('scope', 'Scope', 'label_values(%s, scope)' % nodeInfo(above), false),
      $.queryVariable('member', 'Member',
                      'label_values(%s, name)' % nodeInfo($.matchers([above, 'scope=~"$scope"'])), member_multi),
      $.queryVariable('instance', 'Exporter',
                      'label_values(%s, instance)' % nodeInfo($.matchers([above, 'scope=~"$scope"'])), true,
                      'Exporter(s) whose series the panels show (all: the same picture in both deployment modes).'),
    ],

  // The firing alerts of the mixin, each with a `runbook_url` column built from _config.runbookURLPattern (ALERTS
  // carries no annotations), linked from the alert name and the URL; alerts outside the mixin named Patroni*
  // are listed without one.
  alertsTable(c, alerts, title, description, x, w=24, h=8)::
    local names = std.set([a.alert for a in alerts]);
    local sel(extra) = std.join(', ', ['alertstate="firing"', extra, 'scope=~"$scope|"'] + $.selected(c, c.groupLabels));
    local expr = 'max by (alertname, severity, member, instance, target, endpoint, runbook_url) (\n' +
      std.join('\n  or\n', [
        '  label_replace(ALERTS{%s}, "runbook_url", "%s", "", "")' % [sel('alertname="%s"' % n),
                                                                        c.runbookURLPattern % std.asciiLower(n)]
        for n in names
      ] + ['  ALERTS{%s}' % sel('alertname=~"Patroni.+", alertname!~"%s"' % std.join('|', names))]) + '\n)';
    local link(url) = [{ id: 'links', value: [{ title: 'Runbook', url: url, targetBlank: true }] }];
    // ALERTS gets its matchers above; the board's selector (patroni_* series only) has nothing to add here.
    $.table(title, description, [$.target(expr, instant=true, fmt='table') + { noSelector:: true }], 'none', x,
            w=w, h=h,
            transformations=[{ id: 'organize', options: { excludeByName: { Time: true, Value: true } } }],
            overrides=[
              { matcher: { id: 'byName', options: 'alertname' }, properties: link('${__data.fields.runbook_url}') },
              { matcher: { id: 'byName', options: 'runbook_url' }, properties: link('${__value.raw}') },
            ]),

  local u = import '../lib/utils.libsonnet',
  local withSelector(c, o) =
    if std.objectHasAll(o, 'noSelector') then o else o { expr: u.withSelector(o.expr, $.querySelector(c)) },

  board(c, uid, title, description, member_multi, panels)::
    {
      uid: uid, title: title, description: description,
      tags: c.dashboardTags, editable: true, graphTooltip: 1,
      // schemaVersion 39 and what the panels use (table cellOptions, state-timeline, $__rate_interval) need
      // Grafana 10.4 or newer (dashboards/README.md); __requires says so where Grafana shows it (import).
      schemaVersion: 39, version: 1, time: { from: 'now-1h', to: 'now' }, refresh: c.dashboardRefresh,
      __requires: [
        { type: 'grafana', id: 'grafana', name: 'Grafana', version: c.grafanaMinVersion },
        { type: 'datasource', id: 'prometheus', name: 'Prometheus', version: '1.0.0' },
      ] + [{ type: 'panel', id: t, name: t, version: '' } for t in std.set([p.type for p in panels if p.kind == 'panel'])],
      timezone: '', fiscalYearStartMonth: 0, liveNow: false, weekStart: '',
      timepicker: {},
      links: [{ type: 'dashboards', tags: ['patroni_exporter'], asDropdown: true,
                title: 'Patroni dashboards', includeVars: true, keepTime: true }],
      annotations: { list: [withSelector(c, a) for a in [{
        name: 'Timeline changes', datasource: $.DS, enable: true, iconColor: 'orange',
        expr: 'changes(max(patroni_cluster_member_timeline{scope="$scope"})[2m:15s]) > 0',
        step: '1m', titleFormat: 'Timeline changed (failover or switchover)', textFormat: '',
      }, {
        // On every dashboard: each shows something GET /config sets (synchronous mode; ttl against the DCS
        // contact age and parameters waiting for a restart; maximum_lag_on_failover against the lag). Per series
        // first, like PatroniConfigChanged, so exporters seeing the edit a scrape apart mark it once and a gap
        // in a series (exporter restart) marks nothing.
        name: 'Dynamic configuration changed', datasource: $.DS, enable: true, iconColor: 'purple',
        expr: 'max(changes(patroni_config_hash{scope="$scope"}[2m])) > 0',
        step: '1m', titleFormat: 'Dynamic configuration changed (GET /config)', textFormat: '',
      }]] },
      templating: { list: $.variables(c, member_multi) },
      panels: $.layout([
        if p.kind == 'panel' then p { targets: [withSelector(c, t) for t in super.targets] } else p
        for p in panels
      ]),
    },
}
