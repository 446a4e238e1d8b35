// What mixin/render.py writes, from the mixin with `config` (a _config override, {} for the defaults):
//   rule_files   {'patroni-<x>.yml': {header, groups: [{name, rules: [{comment, rule}]}]}}: rules/ (each file's
//                recording-rule group first, then its alert group, so one evaluation of both sees fresh records)
//   dashboards   {'<uid>.json': dashboard}: dashboards/
//   prometheusRule  the PrometheusRule object of deploy/kubernetes/prometheusrule.yaml
function(config={})
  local m = (import 'mixin.libsonnet') + { _config+:: config };
  local groups = m.prometheusRules.groups + m.prometheusAlerts.groups;
  local fileOf(g) = std.strReplace(g.name, '.rules', '') + '.yml';
  local files = std.set([fileOf(g) for g in groups]);
  local alertGroup(f) = [g for g in m.prometheusAlerts.groups if fileOf(g) == f][0];
  {
    rule_files: {
      [f]: {
        header: alertGroup(f).header,
        groups: [
          {
            name: g.name,
            rules: [
              {
                comment: if std.objectHasAll(r, 'comment') then r.comment else '',
                descriptionLines: if std.objectHasAll(r, 'descriptionLines') then r.descriptionLines else [],
                rule: r,
              }
              for r in g.rules
            ],
          }
          for g in m.prometheusRules.groups + m.prometheusAlerts.groups
          if fileOf(g) == f
        ],
      }
      for f in files
    },
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
      spec: { groups: [g for f in files for g in $.rule_files[f].groups] },
    },
  }
