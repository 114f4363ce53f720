/// KeelReplication: primary-backup (PacificA) shard replication as a pure state machine.
