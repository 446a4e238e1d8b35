// What mixin/render.py writes, from the mixin with `config` (a _config override, {} for the defaults):
//   rule_files   {'patroni-<x>.yml': {header, groups: [{name, rules: [{comment, rule}]}]}}: rules/ (each file's
//                recording-rule group first, then its alert group, so one evaluation of both sees fresh records)
//   dashboards   {'<uid>.json': dashboard}: dashboards/
//   prometheusRule  the PrometheusRule object of deploy/kubernetes/prometheusrule.yaml
function(config={})
  local m = (import 'mixin.libsonnet') + { _config+:: config };
  // Locals are evaluated once; jsonnet 0.18 re-evaluates an object's field at each access, so every group list
  // is read into a local first.
  local recordGroups = m.prometheusRules.groups;
  local alertGroups = m.prometheusAlerts.groups;
  local groups = recordGroups + alertGroups;
  local fileOf(g) = std.strReplace(g.name, '.rules', '') + '.yml';
  local files = std.set([fileOf(g) for g in groups]);
  local wrap(g) = {
    name: g.name,
    rules: [
      {
        comment: if std.objectHasAll(r, 'comment') then r.comment else '',
        descriptionText: if std.objectHasAll(r, 'descriptionText') then r.descriptionText else '',
        rule: r,
      }
      for r in g.rules
    ],
  };
  local wrapped = [{ file: fileOf(g), header: if std.objectHasAll(g, 'header') then g.header else null, group: wrap(g) }
                   for g in groups];
  local ruleFiles = {
    [f]: {
      header: [w.header for w in wrapped if w.file == f && w.header != null][0],
      groups: [w.group for w in wrapped if w.file == f],
    }
    for f in files
  };
  {
    rule_files: ruleFiles,
    dashboards: m.grafanaDashboards,
    prometheusRule: {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: {
        name: 'patroni-exporter',
        labels: {
          'app.kubernetes.io/name': 'patroni-exporter',
          'app.kubernetes.io/component': 'alert-rules',
          release: 'prometheus',
        },
      },
      spec: { groups: [g for f in files for g in ruleFiles[f].groups] },
    },
  }
