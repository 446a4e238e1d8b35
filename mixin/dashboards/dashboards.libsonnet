// grafanaDashboards: file name -> dashboard, as mixin/render.py writes them into dashboards/.
{
  grafanaDashboards+:: {
    'patroni-cluster-overview.json': import 'cluster-overview.libsonnet',
    'patroni-member-detail.json': import 'member-detail.libsonnet',
    'patroni-replication.json': import 'replication.libsonnet',
  },
}
