/// KeelCluster: the cluster map and the meta group's state machine, placement and balancing.
