// The alternative _config tests/rules/check_mixin.py renders the mixin with: environments told apart by the
// `cluster` and `namespace` labels (e.g. a Thanos or Mimir ruler over several Kubernetes clusters), and a selector.
{
  groupLabels: ['cluster', 'namespace'],
  patroniSelector: 'job=~"patroni.*"',
}
