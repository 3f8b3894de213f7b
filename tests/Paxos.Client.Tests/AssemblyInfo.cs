// The cluster tests start real node processes; on a 2-core machine they run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
